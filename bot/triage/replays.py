"""What a delivery already handled led to, rebuilt from the database: how the use cases answer a repeat.

A redelivered report (same idempotency key) or a second click on 「確認」 gets the outcome the first one had, marked
duplicate, so an adapter runs the same delivery plan again and the ledger shows only what a crash left unposted.
Nothing here writes: a repeat adds no timeline event and counts as no new report.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from bot.clock import format_jst
from bot.ports import IncidentView, Outcome, ReportInput
from bot.triage import classifier_intake as intake
from bot.triage import earlier
from bot.triage.core import CoreDeps, build_view, load_incident, notification, reporter_ids
from bot.triage.coreported import reported_too
from bot.triage.flareup import same_post_outcome
from bot.triage.notice import deferred_message, told_whom
from bot.triage.report_messages import FOLLOWUP
from bot.triage.steps import StepRunner
from storage.models import Escalation, Incident, TimelineEvent

KEY = "delivery_key"  # event data: the delivery key of the report that led to the event
# Built once and executed with parameters: compiled once, no per-call statement construction or cache key. The
# types are equalities, not IN: an IN list is an expanding parameter, its SQL rewritten on every execution.
REPORT_EVENTS = select(TimelineEvent.type, TimelineEvent.data).where(
    TimelineEvent.incident_id == bindparam("iid"), TimelineEvent.actor == bindparam("actor"),
    or_(*(TimelineEvent.type == bindparam(f"type_{n}", type_)
          for n, type_ in enumerate(("reported", "merged_report", "reported_again", FOLLOWUP))))
).order_by(TimelineEvent.seq.desc())


def repeated_report(deps: CoreDeps, steps: StepRunner, session: Session, incident_id: int | None,
                    report: ReportInput) -> Outcome:
    """The outcome of the report whose key is already handled: created, merged or same-as-resolved, as the
    reporter may see it now (a restricted incident shows its details only to members)."""
    if incident_id is None:
        return Outcome(incident=None, duplicate=True)
    actor = report.reporter.user_id
    incident = load_incident(session, incident_id)
    led_to, data = _report_event(session, incident, report)
    if led_to == "reported":
        return created_outcome(deps, steps, session, incident, actor)
    reporters = reporter_ids(session, incident.id)
    view = build_view(deps, incident, reporters, actor)
    cat = deps.catalog
    if led_to == "reported_again":
        return same_post_outcome(deps, view, report.reporter.platform, duplicate=True,  # PR was told the first time
                                 reporter=actor, reporters=tuple(reporters))
    followup = led_to == FOLLOWUP  # news about the incident: said as such again (followups.said_to_poster)
    message = (cat.t("report.followup_restricted_case" if incident.restricted else "report.followup", ref=view.ref)
               if followup else cat.t("report.merged", ref=view.ref, count=len(reporters)) if view.details_visible
               or not incident.restricted else cat.t("report.merged_pending", ref=view.ref))
    if not _restricted_by(session, incident, report):  # PR's notice named its poster: redrawn again, in place
        told = reported_too(session, deps, incident, report.reporter.display_name, len(reporters)) if (
            led_to == "merged_report" and data.get("added")) else ()
        if followup and isinstance(data.get("text"), str):  # PR and the conversation told of it as they were
            from bot.triage.followups import announced  # here: followups imports restriction, which imports KEY

            told = announced(deps, incident, view.ref, report.reporter.display_name or actor, data["text"])
        elif led_to == "merged_report" and data.get("added") and not (data.get("granted") or view.details_visible):
            from bot.triage.restriction import co_report_notes  # here: restriction imports KEY

            told = co_report_notes(deps, incident.id, view.ref, view.kind_label, [  # PR told of its reporter, as then
                (actor, report.reporter.display_name, report.reporter.platform)])
        return Outcome(incident=view, merged=True, followup=followup, duplicate=True, messages=(message,),
                       notifications=told)
    # Its merge restricted the incident: the redaction and the move may not have happened (the plan finishes them).
    said = "report.followup_restricted" if followup else "report.merged_restricted"
    return Outcome(incident=view, merged=True, followup=followup, duplicate=True, became_restricted=True,
                   messages=(message, cat.t(said, ref=view.ref)),
                   step=steps.current_view(session, incident, incident.reporter_id))


def _restricted_by(session: Session, incident: Incident, report: ReportInput) -> bool:
    """Whether the report with this key restricted the incident as it merged (bot/triage/restriction.py)."""
    key = (report.idempotency_key or "")[:200]
    data = session.execute(select(TimelineEvent.data).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.type == "restricted",
        TimelineEvent.actor == report.reporter.user_id)).scalars()
    return bool(key) and any((found or {}).get(KEY) == key for found in data)


def created_outcome(deps: CoreDeps, steps: StepRunner, session: Session, incident: Incident,
                    viewer: str) -> Outcome:
    """The outcome of the report that created the incident, as `viewer` may see it now."""
    view = build_view(deps, incident, reporter_ids(session, incident.id), viewer)
    cat = deps.catalog
    classified = session.execute(select(TimelineEvent.data).where(TimelineEvent.incident_id == incident.id,
                                                                  TimelineEvent.type == "classified")).scalar()
    chosen = bool((classified or {}).get("hinted"))  # the kind the reporter picked, said as theirs again
    messages = [intake.created(cat, view, incident.classifier_confidence, chosen=chosen)]
    history = earlier.again(deps, session, incident.id)
    messages += [history] if history else []
    if incident.restricted:
        messages.append(cat.t("report.restricted"))
    first = session.execute(select(Escalation).where(Escalation.incident_id == incident.id,
                                                     Escalation.level == 1)).scalar_one_or_none()
    note = notification(deps, incident, 1) if first is not None and first.status == "sent" else None
    if first is None and (deferred := deferred_message(deps, incident)) is not None:
        messages.append(deferred)  # the first notice waits for the guideline's condition, as the report said
    elif note is not None and (told := told_whom(deps, (note,))) is not None:
        messages.append(told)  # as the report said
    return Outcome(incident=view, step=steps.current_view(session, incident, viewer),
                   notifications=earlier.noted((note,) if note else (), history), created=True, duplicate=True,
                   messages=tuple(messages))


def acknowledged_outcome(deps: CoreDeps, incident: Incident, view: IncidentView) -> Outcome:
    """The outcome the recorded acknowledgement had (who, when)."""
    assert incident.acknowledged_at is not None
    cat = deps.catalog
    return Outcome(incident=view, duplicate=True, messages=(cat.t(
        "ack.done", ref=view.ref, who=incident.acknowledged_by or "",
        when=format_jst(incident.acknowledged_at, cat.locale)),))


def _report_event(session: Session, incident: Incident, report: ReportInput) -> tuple[str, dict[str, Any]]:
    """What the report with this key led to: reported (it created the incident), merged_report, reported_again or
    followup, with its event's data. Its event carries the key; events written before keys were recorded (or
    erased) are told apart by the conversation the report came from, else by who reported first."""
    events = session.connection().execute(REPORT_EVENTS, {"iid": incident.id,
                                                          "actor": report.reporter.user_id}).all()
    key = (report.idempotency_key or "")[:200]
    for type_, data in events:
        if (data or {}).get(KEY) == key:
            return str(type_), dict(data)
    where = report.conversation
    if where is not None and incident.conversation_channel is not None:
        created = (where.platform, where.channel, where.thread) == (
            incident.conversation_platform, incident.conversation_channel, incident.conversation_thread)
    else:
        created = incident.reporter_id == report.reporter.user_id
    merges = [str(type_) for type_, _ in events if type_ != "reported"]
    return ("reported" if created else (merges[0] if merges else "merged_report")), {}
