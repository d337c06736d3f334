"""Structured log lines for the Slack adapter: an event name and key=value fields, never text or tokens."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

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


class TokenNotice(logging.Filter):
    """Drop Bolt's warning that the token is unused: it reads SLACK_BOT_TOKEN from the environment besides the
    client the bot gives it (which holds the configured token), so nothing is wrong (walk s17 #14)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def redact_bolt_logs(*loggers: logging.Logger) -> None:
    """Attach the redaction filter once to Bolt's loggers that may print payloads, and to the app's own (`loggers`)
    the filter of the unused-token notice."""
    for logger in (logging.getLogger("slack_bolt.RequestVerification"), *loggers):
        if not any(isinstance(f, RedactPayloads) for f in logger.filters):
            logger.addFilter(RedactPayloads())
    for logger in loggers:
        if not any(isinstance(f, TokenNotice) for f in logger.filters):
            logger.addFilter(TokenNotice())
