"""Fixtures for the Teams adapter: a fake Bot Connector, the real SDK app over HTTP, a Teams-like driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.adapters.teams.app import build_teams_app
from bot.adapters.teams.settings import TeamsCredentials
from bot.wiring import Runtime
from tests.teams.env import TeamsEnv, teams_settings
from tests.teams.fake_connector import FakeConnector
from tests.teams.teams_driver import TeamsDriver, TeamsServer

WAITS: list[float] = []


async def no_wait(seconds: float) -> None:
    WAITS.append(seconds)


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

    def make(**overrides: Any) -> TeamsEnv:
        runtime = runtime_factory(database_url)
        bot = build_teams_app(runtime, teams_settings(fake_connector, **overrides), TeamsCredentials())
        bot.delivery.outbox.sleep = no_wait  # retries happen at once; the waits asked for are recorded
        server = TeamsServer(bot.web_app()).start()
        servers.append(server)
        return TeamsEnv(runtime, bot, server, TeamsDriver(server, fake_connector), fake_connector)

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def teams(teams_factory: Callable[..., TeamsEnv]) -> TeamsEnv:
    return teams_factory()
