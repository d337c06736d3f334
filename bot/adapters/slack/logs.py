"""Structured log lines for the Slack adapter: an event name and key=value fields, never text or tokens."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("incident_bot.slack")


def log_event(level: int, event: str, /, **fields: Any) -> None:
    """Log `event key=value …`; the fields also go into the record's `extra` for JSON formatters."""
    shown = " ".join(f"{key}={value}" for key, value in fields.items() if value is not None)
    log.log(level, f"{event} {shown}".strip(), extra={"event": event, **{f"slack_{k}": v for k, v in fields.items()}})


class RedactPayloads(logging.Filter):
    """Drop request bodies from Bolt's log lines (its signature check logs the whole body, report text included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cuts = [i for i in (message.find("body:"), message.find("{")) if i >= 0]
        if cuts:
            record.msg, record.args = message[: min(cuts)] + "<payload redacted>", ()
        return True


def redact_bolt_logs(*loggers: logging.Logger) -> None:
    """Attach the redaction filter once to Bolt's loggers that may print payloads."""
    for logger in (logging.getLogger("slack_bolt.RequestVerification"), *loggers):
        if not any(isinstance(f, RedactPayloads) for f in logger.filters):
            logger.addFilter(RedactPayloads())
