"""Weekly summary data: ISO weeks in Asia/Tokyo and the JSON-serialisable summary dataclasses."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.clock import JST

WEEK_PATTERN = re.compile(r"^(?P<year>\d{4})-?W(?P<week>\d{2})$", re.IGNORECASE)
DAY_PATTERN = re.compile(r"^(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})$")
MONTH_PATTERN = re.compile(r"^(?P<year>\d{4})[-/](?P<month>\d{1,2})$")


class BadWeek(ValueError):
    """A week string that is not an ISO week such as 2026-W47."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week (Monday to Sunday) in Asia/Tokyo."""

    year: int
    week: int

    def __post_init__(self) -> None:
        last = date(self.year, 12, 28).isocalendar().week  # 28 December is always in the year's last week
        if not 1 <= self.week <= last:
            raise BadWeek(f"{self.year} has ISO weeks 1 to {last}, not {self.week}")

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Parse '2026-W47' (or '2026W47'); BadWeek otherwise."""
        match = WEEK_PATTERN.match(text.strip())
        if match is None:
            raise BadWeek(f"expected an ISO week such as 2026-W47, got {text!r}")
        try:
            return cls(int(match["year"]), int(match["week"]))
        except BadWeek as exc:
            raise BadWeek(f"{text!r}: {exc} (expected an ISO week such as 2026-W47)") from None

    @classmethod
    def parse_week_or_day(cls, text: str) -> IsoWeek:
        """An ISO week (2026-W48), or the week holding a calendar day (2026-11-26, 2026/11/26) as people find a
        week on a calendar; BadWeek otherwise."""
        match = DAY_PATTERN.match(text.strip())
        if match is None and WEEK_PATTERN.match(text.strip()) is None:
            raise BadWeek(f"expected a day of the week (2026-11-23) or an ISO week such as 2026-W47, got {text!r}")
        if match is None:
            return cls.parse(text)
        try:
            day = date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError as exc:
            raise BadWeek(f"{text!r}: {exc} (expected a day such as 2026-11-23 or a week such as 2026-W47)") from None
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def containing(cls, instant: datetime) -> IsoWeek:
        """The week an instant falls in, in Asia/Tokyo."""
        iso = instant.astimezone(JST).isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def last_full(cls, now: datetime) -> IsoWeek:
        """The last week that has fully ended at `now` (JST)."""
        return cls.containing(now).previous()

    @property
    def monday(self) -> date:
        """The week's Monday."""
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def start(self) -> datetime:
        """Monday 00:00 JST (inclusive)."""
        return datetime.combine(self.monday, datetime.min.time(), tzinfo=JST)

    @property
    def end(self) -> datetime:
        """The following Monday 00:00 JST (exclusive)."""
        return self.start + timedelta(days=7)

    def days(self) -> list[date]:
        """The seven dates, Monday first."""
        return [self.monday + timedelta(days=i) for i in range(7)]

    def previous(self) -> IsoWeek:
        """The week before."""
        return IsoWeek.containing(self.start - timedelta(days=1))

    def next(self) -> IsoWeek:
        """The week after."""
        return IsoWeek.containing(self.end + timedelta(hours=1))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in Asia/Tokyo, summed as a week is: from the 1st 00:00 JST to the next 1st (exclusive)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise BadWeek(f"a month is 1 to 12, not {self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse '2026-11' (or '2026/11'); BadWeek otherwise."""
        match = MONTH_PATTERN.match(text.strip())
        if match is None:
            raise BadWeek(f"expected a month such as 2026-11, got {text!r}")
        return cls(int(match["year"]), int(match["month"]))

    @classmethod
    def last_full(cls, now: datetime) -> Month:
        """The last month that has fully ended at `now` (JST): 先月."""
        local = now.astimezone(JST)
        return cls(local.year, local.month).previous()

    @property
    def start(self) -> datetime:
        """The 1st 00:00 JST (inclusive)."""
        return datetime(self.year, self.month, 1, tzinfo=JST)

    @property
    def end(self) -> datetime:
        """The next month's 1st 00:00 JST (exclusive)."""
        following = self.next()
        return datetime(following.year, following.month, 1, tzinfo=JST)

    def days(self) -> list[date]:
        """Every date of the month, the 1st first."""
        first = self.start.date()
        return [first + timedelta(days=i) for i in range((self.end.date() - first).days)]

    def previous(self) -> Month:
        """The month before."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        """The month after."""
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


Period = IsoWeek | Month


def parse_period(text: str) -> Period:
    """A week's key (2026-W48) or a month's (2026-11), as WeeklySummary.week holds it."""
    return Month.parse(text) if MONTH_PATTERN.match(text.strip()) else IsoWeek.parse(text)


@dataclass(frozen=True)
class DurationStats:
    """Median and 90th percentile of durations in minutes (None when there is no sample)."""

    count: int
    median_minutes: float | None
    p90_minutes: float | None


@dataclass(frozen=True)
class WeekMetrics:
    """What happened during one week."""

    week: str
    start: datetime
    end: datetime
    new_total: int
    new_restricted: int
    by_kind: dict[str, int]
    by_platform: dict[str, int]  # restricted incidents are counted under "restricted" only
    by_department: dict[str, int]  # likewise
    status_of_new: dict[str, int]  # open / resolved / closed / declined, as of generation time
    resolved_in_week: int
    closed_in_week: int
    declined_in_week: int  # 対象外: ended without a response, counted apart from closed (終結)
    merged_reports: int  # duplicate reports folded into an existing incident
    merged_incidents: int  # incidents merged into another by a PR officer
    time_to_acknowledge: DurationStats
    time_to_resolve: DurationStats
    escalated_level2: int  # incidents escalated to level 2 or beyond during the week
    escalations_by_level: dict[int, int]
    daily: list[dict[str, Any]]  # [{"date": "2026-11-16", "counts": {kind: n}}], seven entries
    time_to_acknowledge_office: DurationStats | None = None  # in office hours (None: no calendar given)
    reopened_in_week: int = 0  # resolved incidents taken up again (a flare-up, 再燃), once each

    @property
    def duplicates(self) -> int:
        """Merged duplicate reports plus merged incidents."""
        return self.merged_reports + self.merged_incidents


@dataclass(frozen=True)
class AttentionItem:
    """An open incident that needs someone now (never a restricted one)."""

    id: int
    ref: str
    kind: str
    status: str
    severity: str
    created_at: datetime
    updated_at: datetime
    reasons: tuple[str, ...]  # unacknowledged, stale, escalation_due
    platform: str | None = None
    department: str | None = None
    conversation_platform: str | None = None
    conversation_channel: str | None = None
    conversation_thread: str | None = None


@dataclass(frozen=True)
class WeeklySummary:
    """The weekly summary: this week, the week before, and what is still waiting."""

    week: str
    generated_at: datetime
    current: WeekMetrics
    previous: WeekMetrics
    attention: tuple[AttentionItem, ...]
    attention_total: int  # every non-restricted item, even beyond the listed ones
    attention_restricted: int  # restricted incidents needing attention: counted, never listed
    stale_hours: int
    kinds: tuple[str, ...] = field(default_factory=tuple)  # kinds in display order
    date_style: str = "gregorian"  # the profile's: "wareki" dates the period 令和8年…
    closed_days: tuple[str, ...] = ()  # working weekdays the office was closed (祝日, 年末年始), ISO dates
    climb_to: str = ""  # who a climb past the first recipients tells (所属長); "" when no further level is set

    @property
    def empty(self) -> bool:
        """No new incident this week."""
        return self.current.new_total == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (datetimes as ISO strings in JST)."""
        data: dict[str, Any] = _jsonable(asdict(self))
        data["empty"] = self.empty
        data["current"]["duplicates"] = self.current.duplicates
        data["previous"]["duplicates"] = self.previous.duplicates
        return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(JST).isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
