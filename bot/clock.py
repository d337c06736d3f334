"""Clocks: the system clock and a controllable one for tests; Asia/Tokyo display helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Clock(Protocol):
    """Anything that tells the current aware time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock (UTC, aware)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now = self._now + timedelta(**delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


def to_jst(value: datetime) -> datetime:
    """The same instant in Asia/Tokyo."""
    return value.astimezone(JST)


def format_jst(value: datetime | None, locale: str = "ja") -> str:
    """A date and time in Asia/Tokyo with its weekday, as the records give it (whether it was a Sunday night
    matters): 2026年11月20日（金）14:05 or Fri 2026-11-20 14:05 JST."""
    if value is None:
        return "—"
    local = to_jst(value)
    if locale == "ja":
        return f"{local.year}年{local.month}月{local.day}日（{WEEKDAYS_JA[local.weekday()]}）{local:%H:%M}"
    return f"{WEEKDAYS_EN[local.weekday()]} {local:%Y-%m-%d %H:%M} JST"


def format_day(value: date | datetime, locale: str = "ja") -> str:
    """A date as people read it: 2026年12月1日（火） / Tue 1 Dec 2026 (a datetime is taken in Asia/Tokyo)."""
    local = to_jst(value).date() if isinstance(value, datetime) else value
    if locale == "en":
        return f"{WEEKDAYS_EN[local.weekday()]} {local.day} {MONTHS_EN[local.month - 1]} {local.year}"
    return f"{local.year}年{local.month}月{local.day}日（{WEEKDAYS_JA[local.weekday()]}）"


# Test-only clock for `incident-bot serve` run as a subprocess (tests/reliability/): the composition root
# (bot/main.py) installs it only when this variable names a file. Production never sets it; when it is set the
# bot logs a warning at start-up. See docs/operations.md, "Test clock".
FAKE_NOW_ENV = "INCIDENT_BOT_FAKE_NOW_FILE"


class FileClock:
    """The instant written (ISO 8601, with offset) in a file, re-read on every call; tests move time by
    rewriting the file (write a temporary file, then rename it over). A torn or empty read keeps the last value.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._last = self._read()
        if self._last is None:
            raise ValueError(f"{FAKE_NOW_ENV}: {path} does not hold an aware ISO 8601 date-time")

    def _read(self) -> datetime | None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                value = datetime.fromisoformat(handle.read().strip())
        except (OSError, ValueError):
            return None
        return value.astimezone(UTC) if value.tzinfo is not None else None

    def now(self) -> datetime:
        value = self._read()
        if value is not None:
            self._last = value
        assert self._last is not None
        return self._last
