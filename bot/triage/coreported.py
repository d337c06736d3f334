"""PR's notices drawn again when a colleague's report of the same post is merged into an ordinary incident: their
報告者 line names the reporters (core.reporters_named), so PR sees who else saw the post (walk s17 #11)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.ports import Notification
from bot.triage.core import CoreDeps
from bot.triage.url_correction import redrawn
from storage.models import Incident


def reported_too(session: Session, deps: CoreDeps, incident: Incident, who: str,
                 count: int) -> tuple[Notification, ...]:
    """The notices sent so far redrawn with `who` (the `count`th reporter) said on top; none once acknowledged (its
    redraw would have to say again who acknowledged it and when, which a report's plan does not know, and PR has it
    in hand) or restricted (redrawn() gives none: its notices carry no report). Not on record as a notice_resent:
    drawn in place only (plan.report), it sends no new message; the merged_report event records the report."""
    if incident.acknowledged_at is not None:
        return ()
    return tuple(redrawn(session, deps, incident, deps.catalog.t("notify.reported_too", who=who, count=count)))


__all__ = ["reported_too"]
