"""A reporter's next top-level message in their private chat with the bot, naming no incident and linking no post,
while the one open incident they reported is under a day old: asked whether it is news on it or a new report.

People write on in the same chat (「さっきのアカウント、凍結されたみたいです」); read as a report it opened a second
incident and paged PR again (walk s21 #5). Nothing is opened or recorded until they choose: 続報 records it on the
incident as a named follow-up does (followups.py, no role taken), 新しい報告 reports it as today. Both choices are
keyed by the one message, so the buttons work once and a redelivery replays the first choice's outcome.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ports import Outcome, ReopenOrNew, ReportInput
from bot.triage import followups, lifecycle, replays
from bot.triage.core import CoreDeps, build_view, transaction
from bot.triage.sanitize import storable_report
from bot.triage.short_input import named_incidents
from bot.triage.urls import first_url
from storage.models import Incident, IntakeKey

if TYPE_CHECKING:
    from bot.triage.incidents import IncidentDesk

MAX_TEXT = 40_000  # incidents.MAX_TEXT (which imports this module)
RECENT = timedelta(hours=24)  # a reporter's message after a day is not taken for news on the earlier one


def key_of(channel: str, ts: str) -> str:
    """The one delivery key of both answers to the question about the message at (`channel`, `ts`)."""
    return f"followup_or_new:{channel}:{ts}"


def asked(deps: CoreDeps, report: ReportInput, text: str) -> Outcome | None:
    """The question, when `report` is such a message (ReportInput.private); None otherwise (reported as ever)."""
    if (not report.private or report.force_new or report.kind_hint is not None or report.source_url
            or first_url(text) or named_incidents(text) or not text.strip()):
        return None
    key = (report.idempotency_key or "")[:200]
    with deps.sessions.begin() as session:
        if key and (seen := session.execute(select(IntakeKey.incident_id).where(IntakeKey.key == key)).first()):
            # A redelivery: of a message that was reported, its outcome replays; of one asked about, nothing again.
            return None if seen[0] is not None else Outcome(incident=None, duplicate=True)
        mine = session.scalars(select(Incident).where(
            Incident.reporter_id == report.reporter.user_id,
            Incident.status.in_(sorted(lifecycle.OPEN_STATUSES))).limit(2)).all()
        if len(mine) != 1 or deps.clock.now() - mine[0].created_at > RECENT:
            return None
        view = build_view(deps, mine[0], [report.reporter.user_id], report.reporter.user_id)
        if key:  # asked once: the delivery key kept with no incident (the answers have their own key)
            session.add(IntakeKey(key=key, incident_id=None, created_at=deps.clock.now()))
    cat = deps.catalog
    choice = ReopenOrNew(view.id, cat.t("report.followup_or_new", ref=view.ref),
                         cat.t("report.followup_choice", ref=view.ref), cat.t("report.new_report_choice"),
                         neither=cat.t("report.neither_choice"))
    return Outcome(incident=None, messages=(choice.question,), followup_or_new=choice)


def answered(desk: IncidentDesk, incident_id: int, report: ReportInput, *, followup: bool | None) -> Outcome:
    """The reporter's choice: the message recorded as a follow-up on `incident_id` (reported anew if that one has
    ended meanwhile: nothing is lost), reported as a new incident, or (None) neither: nothing recorded, as the
    question's 「報告ではない」. An answer after one that recorded the message replays that one's outcome."""
    report = storable_report(report)
    deps, text = desk.deps, report.text[:MAX_TEXT]
    with deps.sessions.begin() as session:
        seen = session.scalar(select(IntakeKey.incident_id).where(IntakeKey.key == str(report.idempotency_key)))
        if seen is not None:
            return replays.repeated_report(deps, desk.steps, session, seen, report)
    if followup is None:
        return Outcome(incident=None, messages=(deps.catalog.t("report.neither_done"),))
    if followup:
        def work(session: Session) -> Outcome | None:
            incident = session.scalars(select(Incident).where(Incident.id == incident_id).with_for_update()).first()
            if incident is None or not lifecycle.is_open(incident.status):
                return None
            deps.access.require("report", report.reporter.user_id, None, restricted=incident.restricted)
            return followups.followed_up(deps, desk.steps, session, incident, report, text, deps.clock.now(),
                                         desk._claim_key)
        outcome = transaction(deps, work)
        if outcome is not None:
            return outcome
    return desk.report(replace(report, force_new=True, private=False))


__all__ = ["RECENT", "answered", "asked", "key_of"]
