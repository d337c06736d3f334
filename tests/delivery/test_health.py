"""bot/delivery/health.py: every platform's health probe asks the database (no chat, no HTTP)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine

from bot.delivery.health import database_ok


def test_a_reachable_database_is_healthy(tmp_path) -> None:
    assert database_ok(create_engine(f"sqlite:///{tmp_path / 'ok.db'}"), "slack")


def test_an_unreachable_database_is_not_and_the_log_says_why(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'no.db'}")  # its folder does not exist
    with caplog.at_level(logging.ERROR, logger="incident_bot.teams"):
        assert not database_ok(engine, "teams")
    assert "teams.health_failed error=OperationalError" in caplog.text
