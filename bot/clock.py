"""Clocks: the system clock and a controllable one for tests; Asia/Tokyo display helpers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


class Clock(Protocol):
    """Anything that tells the current aware time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock (UTC, aware)."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


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
    """A date and time in Asia/Tokyo, e.g. 2026年11月20日 14:05 or 2026-11-20 14:05 JST."""
    if value is None:
        return "—"
    local = to_jst(value)
    if locale == "ja":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M} JST"
