"""Slack walk s17 #14: every `serve` start logged Bolt's WARNING 「As you gave `client` as well, `token` will be
unused.」 when SLACK_BOT_TOKEN was in the environment (Bolt reads it besides the client it is given): nothing was
wrong, yet it worried whoever read the log."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from conftest import SlackEnv


def test_the_bots_own_client_logs_no_warning_about_the_environments_token(
        slack_factory: Callable[..., SlackEnv], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    with caplog.at_level(logging.WARNING):
        slack_factory()
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]
