"""Structured log lines for the Slack adapter: an event name and key=value fields, never text or tokens."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("incident_bot.slack")


def log_event(level: int, event: str, **fields: Any) -> None:
    """Log `event key=value …`; the fields also go into the record's `extra` for JSON formatters."""
    shown = " ".join(f"{key}={value}" for key, value in fields.items() if value is not None)
    log.log(level, f"{event} {shown}".strip(), extra={"event": event, **{f"slack_{k}": v for k, v in fields.items()}})
