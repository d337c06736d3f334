"""Structured logs: one JSON object per line, secrets masked, incident ids as fields, never report text.

`setup_logging()` is called once by `main()` before anything else runs. It installs on the root logger a
handler that

* formats each record as a JSON line: `ts`, `level`, `logger`, `event` (the `event` field, else the first
  word of the message when it is a dotted event name such as `slack.report`, else the logger's name),
  `msg`, the record's extra fields (`incident_id`, `action`, `reason`, … — the Slack adapter's `slack_`
  prefix dropped), and `exc` (the traceback) when there is one;
* masks secrets in everything it writes (message, fields, traceback): anything shaped like a Slack
  token (`xoxb-…`, `xoxp-…`, `xapp-…`, …), a `Bearer …` credential or a password in a URL, and the exact
  values of the secret environment variables (the signing secret has no recognisable shape).

What goes into a log line is decided where it is logged: adapters log events with ids, reasons and error
codes (bot/adapters/slack/logs.py), never message text. Third-party loggers whose DEBUG output carries
request bodies (slack_sdk, slack_bolt, urllib3) are kept at INFO or above even when LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

MASK = "***"
# Environment variables whose values are secrets (by name; plus any *_TOKEN, *_SECRET, *_PASSWORD).
SECRET_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "TEAMS_APP_PASSWORD")
_SECRET_NAME = re.compile(r".*(_TOKEN|_SECRET|_PASSWORD|_API_KEY)$")
MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words; real secrets are far longer
_PATTERNS = (
    re.compile(r"\bxox[a-z]-[A-Za-z0-9\-]+"),  # xoxb- bot, xoxp- user, xoxa-, xoxr- refresh, xoxe- …
    re.compile(r"\bxapp-[A-Za-z0-9\-]+"),  # app-level token (Socket Mode)
    re.compile(r"\bxoxe\.xox[a-z]-[A-Za-z0-9\-.]+"),  # rotating tokens
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*"),
)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<password>[^@\s/]+)(?=@)")
# Attributes every LogRecord has; anything else on a record came from `extra=` and becomes a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_EVENT_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
LOG_FILE_ENV = "LOG_FILE"
QUIET_LIBRARIES = ("slack_sdk", "slack_bolt", "urllib3", "waitress", "apscheduler", "alembic")


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """The values to mask: the named secret variables and any *_TOKEN/*_SECRET/*_PASSWORD, long enough."""
    names = set(SECRET_ENV) | {name for name in environ if _SECRET_NAME.fullmatch(name)}
    values = {environ[name] for name in names if environ.get(name)}
    url = environ.get("DATABASE_URL") or ""
    found = _URL_PASSWORD.search(url)
    if found:
        values.add(found.group("password"))
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


class Redactor:
    """Masks secrets in text: known values first (longest first), then token shapes and URL passwords."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values = sorted({v for v in values if v and len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self.values:
            if value in text:
                text = text.replace(value, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(MASK, text)
        return _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)

    def value(self, value: Any) -> Any:
        """A field value with secrets masked (strings, and strings inside lists and dicts)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {str(k): self.value(v) for k, v in value.items()}
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return self(str(value))


class RedactSecrets(logging.Filter):
    """Rewrites a record in place so no handler after it can print a secret (message, args, fields,
    traceback)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string: keep what there is, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redactor(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info))
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        record.exc_info = None  # the masked text above is what gets printed
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, self.redactor.value(value))
        return True


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record's extra fields by name (the Slack adapter's `slack_` prefix dropped)."""
    fields: dict[str, Any] = {}
    for key, value in vars(record).items():
        if key in _STANDARD or key.startswith("_"):
            continue
        fields[key.removeprefix("slack_")] = value
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per record; `incident_id` and the other extra fields as top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = record_fields(record)
        first = message.split(" ", 1)[0] if message else ""
        entry["event"] = fields.pop("event", None) or (first if _EVENT_NAME.fullmatch(first) else record.name)
        entry["msg"] = message
        for key, value in fields.items():
            if value is not None and key not in entry:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(
    environ: Mapping[str, str] | None = None,
    *,
    stream: TextIO | None = None,
    level: str | int | None = None,
    replace_handlers: bool = True,
    console: bool = False,
) -> logging.Handler:
    """Install the JSON-lines handler with the secret filter on the root logger (replacing earlier ones unless
    `replace_handlers` is false, as in tests that capture logs themselves); returns the handler. Logs go to
    $LOG_FILE when set; in the console chat (`console`) otherwise only warnings and errors reach stderr, so
    no log line lands between the chat lines."""
    env = os.environ if environ is None else environ
    chosen = level if level is not None else (env.get("LOG_LEVEL") or "INFO").upper()
    log_file = env.get(LOG_FILE_ENV)
    handler: logging.Handler
    if log_file and stream is None:
        handler = logging.FileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
        if console:
            handler.setLevel(logging.WARNING)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets(Redactor(secret_values(env))))
    root = logging.getLogger()
    for old in list(root.handlers) if replace_handlers else ():
        root.removeHandler(old)
    root.handlers.insert(0, handler)  # first: it masks secrets in the record before any other handler sees it
    try:
        root.setLevel(chosen)
    except (ValueError, TypeError):
        root.setLevel(logging.INFO)
    for name in QUIET_LIBRARIES:
        library = logging.getLogger(name)
        library.setLevel(max(logging.INFO if name.startswith("slack") else logging.WARNING, root.level))
    logging.captureWarnings(True)
    return handler


__all__ = ["JsonFormatter", "RedactSecrets", "Redactor", "record_fields", "secret_values", "setup_logging"]
