"""Weekly metrics as indexed range queries: the cost follows the week's rows, not the whole history."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, cast, distinct, func, or_, select
from sqlalchemy.orm import Session

from bot.triage import lifecycle
from bot.triage.core import incident_ref
from bot.triage.escalation import OfficeCalendar
from bot.triage.summary_model import AttentionItem, DurationStats, Period, WeekMetrics
from storage.models import Escalation, Incident, TimelineEvent

RESTRICTED_BUCKET = "restricted"
UNKNOWN_BUCKET = "unknown"
STATUS_GROUPS = ("open", "resolved", "closed", "declined")


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL percentile_cont); None for no values."""
    if not sorted_values:
        return None
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def duration_stats(minutes: Iterable[float]) -> DurationStats:
    """Median and 90th percentile of durations (minutes, rounded to 0.1)."""
    values = sorted(minutes)
    median, p90 = percentile(values, 0.5), percentile(values, 0.9)
    return DurationStats(count=len(values), median_minutes=None if median is None else round(median, 1),
                         p90_minutes=None if p90 is None else round(p90, 1))


def _minutes(later: datetime, earlier: datetime) -> float:
    return max((later - earlier).total_seconds() / 60.0, 0.0)


def _jst_day(session: Session, column: Any) -> ColumnElement[Any]:
    """The Asia/Tokyo calendar date of a UTC timestamp column, computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Tokyo", column))
    # SQLite keeps naive UTC text; Japan has no daylight saving time, so +9 hours is exact.
    return func.date(column, "+9 hours")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _status_group(status: str) -> str | None:
    if lifecycle.is_open(status):
        return "open"
    return status if status in STATUS_GROUPS else None


def _in_week(week: Period) -> ColumnElement[bool]:
    return (TimelineEvent.at >= week.start) & (TimelineEvent.at < week.end)


def _new_value_is(value: str) -> ColumnElement[bool]:
    # JSON scalars compare as their JSON text on both SQLite and PostgreSQL.
    return cast(TimelineEvent.new_value, String) == f'"{value}"'


def _new_incidents(session: Session, week: Period) -> dict[str, Any]:
    day = _jst_day(session, Incident.created_at)
    rows = session.execute(
        select(Incident.kind, Incident.platform, Incident.department, Incident.restricted, Incident.status,
               day.label("day"), func.count().label("n"))
        .where(Incident.created_at >= week.start, Incident.created_at < week.end,
               Incident.merged_into_id.is_(None))
        .group_by(Incident.kind, Incident.platform, Incident.department, Incident.restricted, Incident.status,
                  day)
    ).all()
    by_kind: Counter[str] = Counter()
    by_platform: Counter[str] = Counter()
    spellings: dict[str, str] = {}
    by_department: Counter[str] = Counter()
    statuses: Counter[str] = Counter({group: 0 for group in STATUS_GROUPS})
    daily: dict[date, Counter[str]] = defaultdict(Counter)
    total = restricted = 0
    for kind, platform, department, is_restricted, status, day_value, count in rows:
        total += count
        by_kind[kind] += count
        if is_restricted:
            restricted += count
            by_platform[RESTRICTED_BUCKET] += count
            by_department[RESTRICTED_BUCKET] += count
        else:
            name = platform or UNKNOWN_BUCKET  # a URL stores "X", a typed answer "x": one service, one row
            by_platform[spellings.setdefault(name.casefold(), name)] += count
            by_department[department or UNKNOWN_BUCKET] += count
        group = _status_group(status)
        if group is not None:
            statuses[group] += count
        daily[_as_date(day_value)][kind] += count
    return {
        "new_total": total, "new_restricted": restricted,
        "by_kind": _sorted_counts(by_kind), "by_platform": _sorted_counts(by_platform),
        "by_department": _sorted_counts(by_department), "status_of_new": dict(statuses),
        "daily": [{"date": d.isoformat(), "counts": dict(sorted(daily[d].items()))} for d in week.days()],
    }


def _sorted_counts(counter: Counter[str]) -> dict[str, int]:
    """Largest first, the restricted and unknown buckets last, ties by name."""
    def key(item: tuple[str, int]) -> tuple[int, int, str]:
        name, count = item
        return (name in (RESTRICTED_BUCKET, UNKNOWN_BUCKET), -count, name)
    return dict(sorted(counter.items(), key=key))


def _status_events(session: Session, week: Period, status: str) -> int:
    return int(session.execute(
        select(func.count(distinct(TimelineEvent.incident_id)))
        .where(_in_week(week), TimelineEvent.type == "status_changed", _new_value_is(status))
    ).scalar_one())


def _reopened(session: Session, week: Period) -> int:
    """Incidents taken from resolved back to an open status during the week (a flare-up reopened), once each."""
    reopened = [_new_value_is(status) for status in sorted(lifecycle.OPEN_STATUSES)]
    return int(session.execute(
        select(func.count(distinct(TimelineEvent.incident_id)))
        .where(_in_week(week), TimelineEvent.type == "status_changed",
               cast(TimelineEvent.old_value, String) == f'"{lifecycle.RESOLVED}"', or_(*reopened))
    ).scalar_one())


def _time_to_acknowledge(session: Session, week: Period,
                         calendar: OfficeCalendar | None) -> tuple[DurationStats, DurationStats | None]:
    """Wall-clock minutes from report to acknowledgement, and the same in office time (the escalation's clock:
    a report made on Friday night and acknowledged on Monday morning waited minutes of it, not days)."""
    rows = session.execute(
        select(TimelineEvent.at, Incident.created_at, Incident.severity)
        .join(Incident, Incident.id == TimelineEvent.incident_id)
        .where(_in_week(week), TimelineEvent.type == "acknowledged")
    ).all()
    wall = duration_stats(_minutes(at, created) for at, created, _ in rows)
    if calendar is None:
        return wall, None
    return wall, duration_stats(calendar.office_minutes(created, at, severity) for at, created, severity in rows)


def _time_to_resolve(session: Session, week: Period) -> tuple[DurationStats, int]:
    """Per incident resolved during the week: its last resolution in the week minus its creation."""
    last = (select(TimelineEvent.incident_id.label("incident_id"), func.max(TimelineEvent.at).label("at"))
            .where(_in_week(week), TimelineEvent.type == "status_changed", _new_value_is(lifecycle.RESOLVED))
            .group_by(TimelineEvent.incident_id).subquery())
    rows = session.execute(
        select(last.c.at, Incident.created_at).join(Incident, Incident.id == last.c.incident_id)
    ).all()
    return duration_stats(_minutes(at, created) for at, created in rows), len(rows)


def _escalations(session: Session, week: Period) -> tuple[int, dict[int, int]]:
    """Incidents whose escalation reached chain level 2 or beyond during the week, once each: a re-notice of a level
    is no climb (nor is it one when it falls in the week after the climb). Events from before `stage` and `repeat`
    were recorded count by their notice number."""
    level = func.coalesce(TimelineEvent.data["stage"].as_integer(), TimelineEvent.data["level"].as_integer())
    climbed = (_in_week(week) & (TimelineEvent.type == "escalated")
               & (func.coalesce(TimelineEvent.data["repeat"].as_integer(), 0) == 0))
    rows = session.execute(
        select(level, func.count(distinct(TimelineEvent.incident_id))).where(climbed).group_by(level)
    ).all()
    by_level = {int(lv): int(n) for lv, n in rows if lv is not None and int(lv) >= 2}
    reached = session.execute(
        select(func.count(distinct(TimelineEvent.incident_id))).where(climbed, level >= 2)
    ).scalar_one()
    return int(reached), dict(sorted(by_level.items()))


def week_metrics(session: Session, week: Period, calendar: OfficeCalendar | None = None) -> WeekMetrics:
    """Every metric of one week (Monday 00:00 to Sunday 24:00 JST); `calendar`: office hours, for the time to
    acknowledge counted as the escalation counts it."""
    new = _new_incidents(session, week)
    merged_reports = session.execute(
        select(func.count()).select_from(TimelineEvent)
        .where(_in_week(week), TimelineEvent.type == "merged_report")
    ).scalar_one()
    resolve, resolved_count = _time_to_resolve(session, week)
    reached, by_level = _escalations(session, week)
    acknowledge, acknowledge_office = _time_to_acknowledge(session, week, calendar)
    return WeekMetrics(
        week=str(week), start=week.start, end=week.end,
        resolved_in_week=resolved_count,
        closed_in_week=_status_events(session, week, lifecycle.CLOSED),
        declined_in_week=_status_events(session, week, lifecycle.DECLINED),
        reopened_in_week=_reopened(session, week),
        merged_reports=int(merged_reports),
        merged_incidents=_status_events(session, week, lifecycle.MERGED),
        time_to_acknowledge=acknowledge, time_to_acknowledge_office=acknowledge_office,
        time_to_resolve=resolve,
        escalated_level2=reached, escalations_by_level=by_level,
        **new,
    )


def attention(session: Session, now: datetime, stale_after: timedelta,
              limit: int) -> tuple[list[AttentionItem], int, int]:
    """Open incidents unacknowledged, without progress for stale_after, or with an escalation past due.

    Returns the first `limit` non-restricted items (oldest first), how many non-restricted there are in all,
    and how many restricted ones need attention (counted, never listed).
    """
    due = set(session.execute(
        select(Escalation.incident_id).where(Escalation.status == "pending", Escalation.due_at <= now)
    ).scalars())
    stale_before = now - stale_after
    rows = session.execute(
        select(Incident.id, Incident.kind, Incident.status, Incident.severity, Incident.restricted,
               Incident.created_at, Incident.updated_at, Incident.acknowledged_at, Incident.platform,
               Incident.department, Incident.conversation_platform, Incident.conversation_channel,
               Incident.conversation_thread)
        .where(Incident.status.in_(sorted(lifecycle.OPEN_STATUSES)), Incident.created_at < now)
        .order_by(Incident.created_at, Incident.id)
    ).all()
    items: list[AttentionItem] = []
    total = restricted = 0
    for row in rows:
        reasons = tuple(reason for reason, applies in (
            ("unacknowledged", row.acknowledged_at is None),
            ("stale", row.updated_at < stale_before),
            ("escalation_due", row.id in due),
        ) if applies)
        if not reasons:
            continue
        if row.restricted:
            restricted += 1
            continue
        total += 1
        if len(items) < limit:
            items.append(AttentionItem(
                id=row.id, ref=incident_ref(row.id), kind=row.kind, status=row.status, severity=row.severity,
                created_at=row.created_at, updated_at=row.updated_at, reasons=reasons, platform=row.platform,
                department=row.department, conversation_platform=row.conversation_platform,
                conversation_channel=row.conversation_channel, conversation_thread=row.conversation_thread))
    return items, total, restricted
