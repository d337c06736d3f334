"""A report-like message that names one open incident and no post is a follow-up on it, not a new incident.

Staff who see 「INC-0004」 in chat write updates under that name in the report channel (「INC-0004 のなりすまし
アカウント、凍結されました」). Read as a report, such a message opened a second incident and paged PR again; it is
recorded on the incident it names instead (the poster joins as a co-reporter, as for a report of the same post).
A message with a post URL is decided by its URL, and `新規` (force_new) still opens a new incident.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ports import Outcome, ReportInput
from bot.triage import lifecycle
from bot.triage.core import CoreDeps, record
from bot.triage.restriction import merge_restricted, restricted_by_report
from bot.triage.short_input import named_incidents
from bot.triage.steps import StepRunner
from storage.models import Incident

Merge = Callable[[Session, Incident, ReportInput, datetime], Outcome]  # IncidentDesk._merge_report


def named_open(session: Session, text: str) -> Incident | None:
    """The one open incident a text names, locked for the merge; None when it names none, several, or a shut one."""
    numbers = named_incidents(text)
    if len(numbers) != 1:
        return None
    incident = session.scalars(select(Incident).where(Incident.id == numbers.pop()).with_for_update()).first()
    return incident if incident is not None and lifecycle.is_open(incident.status) else None


def recorded(deps: CoreDeps, session: Session, merged: Outcome, report: ReportInput, text: str) -> Outcome:
    """The follow-up's words on the incident's timeline, in the merge's transaction, and the poster told so."""
    view = merged.incident
    assert view is not None
    # A note, as メモ are (erased at retention); a restricted incident's timeline shows it to its readers only.
    record(session, deps, view.id, "note", report.reporter.user_id, text=text, followup=True,
           recorded_at=deps.clock.now().isoformat())
    # A leak the colleague may not read yet: the words also say who grants the role (PR is asked by the merge).
    key = "report.followup" if view.details_visible else "report.followup_pending"
    return Outcome(incident=view, merged=True, notifications=merged.notifications,
                   messages=(deps.catalog.t(key, ref=view.ref),))



def followed_up(deps: CoreDeps, steps: StepRunner, session: Session, incident: Incident, report: ReportInput,
                text: str, now: datetime, merge: Merge) -> Outcome:
    """The follow-up merged (`merge`, at `now`) and recorded. One that exposes personal data
    (「INC-0001 の件、リプ欄に申請者の住所が載っています」) first restricts the incident as a merged leak report
    does (restriction.py): its poster takes no role by it, PR is told, and the plan redacts and takes the
    conversation private. Only the text decides: the incident's own kind is not a restricted one, and a
    follow-up's kind is not the incident's."""
    told = restricted_by_report(session, deps, incident, incident.kind, text, report.reporter,
                                report.idempotency_key, via="followup")
    followed = recorded(deps, session, merge(session, incident, report, now), report, text)
    return merge_restricted(deps, steps, session, incident, followed, told, via="followup")


__all__ = ["followed_up", "named_incidents", "named_open", "recorded"]
