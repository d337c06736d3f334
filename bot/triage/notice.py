"""The first notice: every first recipient the guideline names, at once, or once the guideline's condition holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.i18n import listed
from bot.ports import Actor, Notification, Outcome
from bot.triage.core import CoreDeps, event, notification, record, record_all, render_context, section_notice
from bot.triage.intake_limit import RATE_LIMITED_EVENT
from storage.models import Escalation, Incident
from storage.timeline import Event

ADD_ESCALATIONS = insert(Escalation.__table__)


def notify_first(deps: CoreDeps, session: Session, incident: Incident, now: datetime,
                 pending: list[Event] | None = None) -> tuple[Notification, ...]:
    """Level 1 is told at once; level 2 is queued as a row that fires if nobody acknowledges. `pending`: the
    caller's events not yet appended, where this one's goes (appended with them, in order)."""
    first = notification(deps, incident, 1)
    if first is None:
        return ()
    rows = [{"incident_id": incident.id, "level": 1, "section": first.audience, "due_at": now, "status": "sent",
             "sent_at": now}]
    notified = event(deps, incident.id, "notified", "bot", new=first.audience, level=1,
                     sections=list(first.audiences))
    if pending is None:
        record_all(session, [notified])
    else:
        pending.append(notified)
    due = deps.escalation.due_after(1, now, incident.severity)
    second = deps.escalation.level(2)
    if due is not None and second is not None:
        rows.append({"incident_id": incident.id, "level": 2, "section": second.section, "due_at": due,
                     "status": "pending", "sent_at": None})
    session.connection().execute(ADD_ESCALATIONS, rows)  # one Core statement for both rows
    return (first,)


def first_notice(deps: CoreDeps, session: Session, incident: Incident, now: datetime, events: list[Event]
                 ) -> tuple[tuple[Notification, ...], str | None]:
    """A new incident's first notice and what its reporter is told of it: who was notified (`told_whom`), or why
    it waits (`deferred_message`); `events` (the caller's, not yet appended) go first, one INSERT for all."""
    deferred = deferred_message(deps, incident)
    notifications = () if deferred else notify_first(deps, session, incident, now, events)
    if deferred:
        events.append(event(deps, incident.id, "notice_deferred", "bot"))
    record_all(session, events)
    return notifications, deferred or told_whom(deps, notifications)


def told_whom(deps: CoreDeps, notifications: tuple[Notification, ...]) -> str | None:
    """「広報広聴課に通知しました。」: whom the first notice went to (a reporter alone at night cannot see it)."""
    first = next((note for note in notifications if note.level == 1 and note.topic is None), None)
    return None if first is None else deps.catalog.t("report.notified", sections=first.section_name)


def deferred_message(deps: CoreDeps, incident: Incident) -> str | None:
    """When the guideline tells its first recipients only in some cases: what the reporter is told instead."""
    rule = deps.library.first_notice(incident.kind, deps.profile)
    if rule is None:
        return None
    locale = deps.catalog.locale
    # app.yaml's own first recipients are not whom the clause names: the clause gives the condition, not them.
    key = "notify.deferred_own" if deps.profile.first_report_own else "notify.deferred"
    return deps.catalog.t(key, recipients=deps.profile.first_recipients(locale),
                          condition=rule.condition.get(locale),
                          basis=listed(locale, (deps.profile.cite(c, locale) for c in rule.clauses)))


def first_notice_withheld(deps: CoreDeps, session: Session, incident: Incident) -> bool:
    """Whether the guideline's first recipients are not to be told yet (旭川市 7(3)イ: only when 悪質)."""
    if deps.library.first_notice(incident.kind, deps.profile) is None:
        return False
    return session.execute(select(Escalation.id).where(Escalation.incident_id == incident.id,
                                                       Escalation.level == 1)).first() is None


def queue_when_due(deps: CoreDeps, session: Session, incident: Incident, answers: dict[str, str]) -> str | None:
    """After new answers: queue a deferred first notice once its condition holds (the escalation job sends it)."""
    rule = deps.library.first_notice(incident.kind, deps.profile)
    if rule is None:
        return None
    sent = session.execute(select(Escalation.id).where(Escalation.incident_id == incident.id,
                                                       Escalation.level == 1)).first()
    if sent is not None:
        return None
    if not deps.library.first_notice_holds(incident.kind, deps.profile, render_context(deps, incident, answers)):
        return None
    level = deps.escalation.level(1)
    if level is None:
        return None
    now = deps.clock.now()
    session.add(Escalation(incident_id=incident.id, level=1, section=level.section, due_at=now, status="pending"))
    record(session, deps, incident.id, "notice_queued", "bot", new=level.section, level=1)
    return deps.catalog.t("notify.queued", recipients=level.section_name)


def rate_limited(session: Session, deps: CoreDeps, actor: Actor, now: datetime) -> Outcome:
    """Refuse a new incident over the per-reporter limit: the user is told, PR once per window."""
    limit, cat = deps.rate_limit, deps.catalog
    told = limit.already_told(session, actor.user_id, now)
    record(session, deps, None, RATE_LIMITED_EVENT, actor.user_id, platform=actor.platform,
           max_new=limit.max_new, window_minutes=limit.window_minutes, pr_told=not told)
    note = None if told else section_notice(
        deps, 0, RATE_LIMITED_EVENT,
        cat.t("rate.title", reporter=actor.display_name or actor.user_id, max=limit.max_new,
              window=limit.window_minutes),
        cat.t("rate.body", user=actor.user_id))
    message = cat.t("rate.limited", max=limit.max_new, window=limit.window_minutes)
    return Outcome(incident=None, notifications=(note,) if note else (), messages=(message,))
