"""Fixtures for the Slack adapter: a fake Web API server, a signed-request driver, the real Bolt app."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fake_slack import FakeSlack
from slack_driver import DispatchTransport, SlackDriver, TrackingExecutor

from bot.adapters.slack import SlackBot, build_slack_app
from bot.config import Secrets
from bot.wiring import Runtime

SECRET = "test-signing-secret-0123456789"
REPORT = "C_REPORT"
PR_CHANNEL = "C_PR"
SUMMARY = "C_SUMMARY"
ELSEWHERE = "C_RANDOM"
# Same ids as tests/conftest.py: PR is a PR member there, SECURITY a security officer.
PR = "U_PR"
SECURITY = "U_SEC"
STAFF = "U_STAFF"
OTHER = "U_OTHER"
NAMES = {PR: "広報 太郎", STAFF: "山田 花子", OTHER: "佐藤 一郎", SECURITY: "情報 守", "U_GROUPIE": "鈴木 次郎"}
SLACK_SETTINGS: dict[str, Any] = {"report_channels": [REPORT], "pr_channel": PR_CHANNEL, "summary_channel": SUMMARY,
                                  "post_interval_seconds": 0}


@dataclass
class SlackEnv:
    """One bot instance under test."""

    runtime: Runtime
    adapter: SlackBot
    driver: SlackDriver
    fake: FakeSlack
    executor: TrackingExecutor

    def incident_ids(self) -> list[int]:
        return sorted(view.id for view in self.runtime.triage.queries.list(None))

    def events(self, incident_id: int) -> list[str]:
        return [entry.type for entry in self.runtime.triage.queries.timeline(incident_id, None)]


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    for user, name in NAMES.items():
        fake.add_user(user, name)
    yield fake
    fake.stop()


def slack_secrets(fake: FakeSlack, **extra: Any) -> Secrets:
    return Secrets(slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET, slack_api_url=fake.api_url,
                   **extra)


@pytest.fixture
def slack_factory(runtime_factory: Callable[..., Runtime], database_url: str,
                  fake_slack: FakeSlack) -> Iterator[Callable[..., SlackEnv]]:
    """Build bot instances on the test database (several share it, like instances behind a load balancer)."""
    executors: list[TrackingExecutor] = []

    def make(settings: dict[str, Any] | None = None, **slack_overrides: Any) -> SlackEnv:
        """`settings`: app.yaml overrides besides the slack section (escalation, profile, …)."""
        runtime = runtime_factory(database_url, slack={**SLACK_SETTINGS, **slack_overrides}, **(settings or {}))
        runtime.settings = runtime.settings.model_copy(update={"secrets": slack_secrets(fake_slack)})
        executor = TrackingExecutor()
        executors.append(executor)
        adapter = build_slack_app(runtime, listener_executor=executor)
        driver = SlackDriver(DispatchTransport(adapter.app, executor), fake_slack, SECRET)
        return SlackEnv(runtime, adapter, driver, fake_slack, executor)

    yield make
    for executor in executors:
        executor.shutdown(wait=True)


@pytest.fixture
def slack(slack_factory: Callable[..., SlackEnv]) -> SlackEnv:
    return slack_factory()


@pytest.fixture(autouse=True)
def no_unexpected_errors(caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test whose listeners logged an error it did not expect (Bolt swallows listener exceptions)."""
    caplog.set_level(logging.INFO, logger="incident_bot")
    yield
    if request.node.get_closest_marker("expected_errors"):
        return
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR
              and (r.name.startswith("incident_bot") or r.name.startswith("slack_bolt"))]
    assert not errors, "unexpected errors logged: " + "; ".join(r.getMessage() for r in errors)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "expected_errors: the test provokes errors that are logged")
