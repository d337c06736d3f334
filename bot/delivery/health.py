"""The health probe every platform's server answers: whether the database answers (a failure logged with why)."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text


def database_ok(engine: Engine, platform: str) -> bool:
    """Whether the database answers a trivial query; a failure is logged (the probe's 503 says no more)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - the probe reports it; the log says why
        logging.getLogger(f"incident_bot.{platform}").error("%s.health_failed error=%s", platform, type(exc).__name__)
        return False
    return True


__all__ = ["database_ok"]
