"""Fixtures for the Teams adapter: a fake Bot Connector, the real SDK app over HTTP, a Teams-like driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.adapters.teams.app import TeamsBot, build_teams_app
from bot.adapters.teams.settings import TeamsCredentials
from bot.wiring import Runtime
from tests.teams.env import TeamsEnv, teams_settings
from tests.teams.fake_connector import FakeConnector
from tests.teams.teams_driver import TeamsDriver, TeamsServer


@pytest.fixture
def fake_connector() -> Iterator[FakeConnector]:
    fake = FakeConnector().start()
    yield fake
    fake.stop()


@pytest.fixture
def teams_factory(runtime_factory: Callable[..., Runtime], database_url: str,
                  fake_connector: FakeConnector) -> Iterator[Callable[..., TeamsEnv]]:
    """Build bot instances on the test database (several may share it, like instances behind a balancer)."""
    servers: list[TeamsServer] = []
    bots: list[TeamsBot] = []

    def make(**overrides: Any) -> TeamsEnv:
        runtime = runtime_factory(database_url)
        bot = build_teams_app(runtime, teams_settings(fake_connector, **overrides), TeamsCredentials())
        server = TeamsServer(bot.web_app()).start()
        servers.append(server)
        bots.append(bot)

        def settle() -> None:  # every delivery the activity queued has run (pacing's workers are idle)
            assert bot.pacer.idle(30), "deliveries still running"
        return TeamsEnv(runtime, bot, server, TeamsDriver(server, fake_connector, settle), fake_connector)

    yield make
    for bot in bots:
        bot.pacer.close()
    for server in servers:
        server.stop()


@pytest.fixture
def teams(teams_factory: Callable[..., TeamsEnv]) -> TeamsEnv:
    return teams_factory()
