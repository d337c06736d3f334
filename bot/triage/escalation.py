"""Notification levels: who is told at each level, when, counting only office hours.

Level 1 is every section the guideline names as the first recipient, at once. Any further level is the
municipality's own setting (app.yaml escalation.levels), labelled as such and never cited as a guideline clause.
While nobody acknowledges, the last level reached is told again at its interval, up to escalation.renotice_limit
times (the municipality's setting too: no guideline sets an interval or a count). Notices are numbered 1, 2, 3 …
per incident; a repeat keeps the stage of the level it repeats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

import jpholiday

from bot.clock import JST

LevelOrigin = Literal["guideline", "municipal"]


@dataclass(frozen=True)
class ChainLevel:
    """One level: the sections told, who to mention, how long it has to acknowledge, and where it comes from."""

    level: int
    section: str  # the first of `sections`, for adapters that mention one audience
    section_name: str  # every section told, joined (所属課局長及び総務課)
    mention: str | None
    wait_minutes: int
    sections: tuple[str, ...] = ()
    origin: LevelOrigin = "guideline"  # guideline: first report; municipal: app.yaml
    basis: str = ""  # the guideline citations for the first report (empty for municipal levels)
    repeat: int = 0  # 0: the level's first notice; n: its n-th re-notice (nobody acknowledged)
    stage: int = 0  # the chain level this notice belongs to (0: `level` itself)

    @property
    def step(self) -> int:
        """The chain level reached: a re-notice repeats its level, it does not climb."""
        return self.stage or self.level


@dataclass(frozen=True)
class OfficeCalendar:
    """Office hours in Asia/Tokyo; escalation clocks only run inside them."""

    start_minute: int
    end_minute: int
    weekdays: frozenset[int]
    holidays: frozenset[date]
    always_for: frozenset[str]
    national_holidays: bool = False  # 国民の祝日・振替休日・国民の休日 (jpholiday computes them; nothing downloads)
    year_end: bool = False  # 12/29–1/3, the closing days most municipalities' 休日条例 set

    def closed_on(self, day: date) -> bool:
        """Whether the office is closed all day (weekday not worked, a listed holiday, 祝日, 年末年始)."""
        return (day.weekday() not in self.weekdays or day in self.holidays
                or (self.year_end and ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)))
                or (self.national_holidays and jpholiday.is_holiday(day)))

    def is_open(self, when: datetime) -> bool:
        """Whether the office is open at this instant."""
        local = when.astimezone(JST)
        minute = local.hour * 60 + local.minute
        return not self.closed_on(local.date()) and self.start_minute <= minute < self.end_minute

    def _wall_clock(self, severity: str) -> bool:
        """Whether time runs on the wall clock: a severity that never waits, or no office hours to count."""
        return severity in self.always_for or not self.weekdays or self.end_minute <= self.start_minute

    def add_minutes(self, start: datetime, minutes: int, severity: str) -> datetime:
        """start + minutes of office time (wall-clock time for severities that never wait)."""
        if self._wall_clock(severity):
            return start + timedelta(minutes=minutes)
        remaining = timedelta(minutes=minutes)
        cursor = start.astimezone(JST)
        for _ in range(800):  # bounded: at most ~2 years of closed days
            day_open = cursor.replace(hour=self.start_minute // 60, minute=self.start_minute % 60, second=0,
                                      microsecond=0)
            day_close = cursor.replace(hour=self.end_minute // 60, minute=self.end_minute % 60, second=0,
                                       microsecond=0)
            if not self.closed_on(cursor.date()) and cursor < day_close:
                begin = max(cursor, day_open)
                available = day_close - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= available
            next_day = (cursor + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            cursor = next_day
        return start + timedelta(minutes=minutes)


    def office_minutes(self, start: datetime, end: datetime, severity: str) -> float:
        """Minutes of office time from start to end, as add_minutes counts them (wall-clock for severities that
        never wait)."""
        if end <= start:
            return 0.0
        if self._wall_clock(severity):
            return (end - start).total_seconds() / 60.0
        total = timedelta()
        day = start.astimezone(JST).date()
        last = end.astimezone(JST).date()
        for _ in range(800):  # bounded as add_minutes is: ~2 years of days at the most
            if day > last:
                break
            if not self.closed_on(day):
                midnight = datetime(day.year, day.month, day.day, tzinfo=JST)
                opened = midnight + timedelta(minutes=self.start_minute)
                closed = midnight + timedelta(minutes=self.end_minute)
                total += max(min(end, closed) - max(start, opened), timedelta())
            day += timedelta(days=1)
        return total.total_seconds() / 60.0


@dataclass(frozen=True)
class EscalationPlan:
    """The chain levels for this municipality and the calendar they run on."""

    levels: tuple[ChainLevel, ...]
    calendar: OfficeCalendar
    renotice_limit: int = 0  # how many times the last level is told again (the municipality's setting)

    @property
    def last_notice(self) -> int:
        """The number of the last notice an unacknowledged incident gets."""
        return len(self.levels) + self.renotice_limit if self.levels else 0

    def level(self, number: int) -> ChainLevel | None:
        """Notice by 1-based number: a chain level, a re-notice of the last one, or None past the bound."""
        if not 0 < number <= self.last_notice:
            return None
        if number <= len(self.levels):
            return self.levels[number - 1]
        last = self.levels[-1]
        return replace(last, level=number, repeat=number - len(self.levels), stage=last.level)

    def due_after(self, number: int, sent_at: datetime, severity: str) -> datetime | None:
        """When level number+1 fires if level `number` (sent at sent_at) is not acknowledged."""
        current = self.level(number)
        if current is None or self.level(number + 1) is None:
            return None
        return self.calendar.add_minutes(sent_at, current.wait_minutes, severity)


def build_calendar(start: tuple[int, int], end: tuple[int, int], weekdays: Sequence[int],
                   holidays: Sequence[str], always_for: Sequence[str], national_holidays: bool = False,
                   year_end: bool = False) -> OfficeCalendar:
    """An OfficeCalendar from plain settings values."""
    return OfficeCalendar(
        start_minute=start[0] * 60 + start[1],
        end_minute=end[0] * 60 + end[1],
        weekdays=frozenset(weekdays),
        holidays=frozenset(date.fromisoformat(d) for d in holidays),
        always_for=frozenset(always_for),
        national_holidays=national_holidays,
        year_end=year_end,
    )
