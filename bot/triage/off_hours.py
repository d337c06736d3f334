"""When the next re-notice comes, said on a notice made while the office is closed (re-notices count office time)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import format_day, to_jst

if TYPE_CHECKING:
    from bot.triage.core import CoreDeps


def next_renotice(deps: CoreDeps, wait_minutes: int, severity: str, *, again: bool = True) -> str:
    """When a re-notice (`again`) or the next level's notice comes, if the wait runs past a closed office."""
    # 「30 分ごと（開庁時間で数えます）」 read on a Saturday night promises a page in half an hour; the next one comes
    # when the office has been open that long (Tuesday after a holiday Monday), and the reader is told when.
    now = deps.clock.now()
    due = deps.escalation.calendar.add_minutes(now, wait_minutes, severity)
    if due - now <= timedelta(minutes=wait_minutes):
        return ""
    cat = deps.catalog
    return cat.t("escalate.off_hours" if again else "escalate.off_hours_next", day=format_day(due, cat.locale),
                 time=f"{to_jst(due):%-H:%M}")


__all__ = ["next_renotice"]
