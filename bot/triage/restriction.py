"""Restricting an ordinary incident: who keeps the reporter role, and PR told of those who lose it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.ports import Actor, Notification, Outcome
from bot.triage.actors import actor_names, require_as
from bot.triage.command_hints import how, platform_of
from bot.triage.core import (
    CoreDeps,
    build_view,
    incident_ref,
    load_incident,
    record,
    reporter_ids,
    reporter_rows,
    section_notice,
    transaction,
)
from bot.triage.flareup import REOPENED_HERE
from bot.triage.notices_sent import LEAK_SUSPECTED, ROLES_REVOKED, on_record
from bot.triage.privacy_cues import exposes_personal_data
from bot.triage.replays import KEY
from bot.triage.report_messages import FOLLOWUP_HERE, MESSAGE
from bot.triage.roles import ROLE_GRANTED_EVENT
from bot.triage.sanitize import storable
from bot.triage.status_told import DECLINED_HERE
from bot.triage.steps import StepRunner
from storage.models import Incident, IntakeKey, TimelineEvent

# The topic of what the incident's own conversation is told when a merged report restricted it: posted there by the
# delivery plan (where it moves, private), never to a section. HERE: every such topic (a follow-up's line too).
RESTRICTED_HERE = "restricted_here"
HERE = (REOPENED_HERE, RESTRICTED_HERE, FOLLOWUP_HERE, DECLINED_HERE)
# The topic of PR's 【閲覧制限】 notice when a report, an edit or a follow-up restricted the incident: posted once
# (a ledger purpose of its own), so resume can post it when a crash cut the plan short.
RESTRICTED_NOTICE = "restricted_notice"
CO_REPORT = "co_report"  # PR told of a co-reporter without the role (how to grant it): said once per co-reporter
# What restricted an ordinary incident after its report -> the suffix of the words PR and the conversation get.
VIAS = {"report": "", "edit": "_edit", "followup": "_followup", "reply": "_reply", "step": "_step"}
NOTE_LIMIT = 40_000  # incidents.MAX_TEXT, as add_note clips a note
# And what the one whose words restricted it is told:
SAID = {"report": "report.merged_restricted", "edit": "report.edit_restricted",
        "followup": "report.followup_restricted", "reply": "report.reply_restricted"}


def restrict(session: Session, deps: CoreDeps, incident: Incident, actor: Actor, ref: str,
             kind_label: str, *, keeps: bool = True, **data: Any) -> tuple[Notification, ...]:
    """Restrict the incident; co-reporters who took their role by reporting lose it until PR or security grant it.
    `keeps`: whether the actor keeps a role (false for a report that restricts it: reporting gives no role)."""
    granted = set(session.execute(select(TimelineEvent.new_value).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.type == ROLE_GRANTED_EVENT)).scalars())
    # Roles are granted, never taken: on an ordinary incident a report of the same post gave the role, which must
    # not carry over to a leak. The first reporter, explicit grants and the one correcting the kind keep theirs.
    keep = {incident.reporter_id} | ({actor.user_id} if keeps else set()) | {str(user) for user in granted if user}
    revoked = [row for row in reporter_rows(session, incident.id).values() if row.granted and row.user_id not in keep]
    for row in revoked:
        row.granted = False
    incident.restricted = True
    record(session, deps, incident.id, "restricted", actor.user_id, old=False, new=True,
           revoked=[row.user_id for row in revoked], **data)
    return co_reporters_told(session, deps, incident, ref, kind_label,
                             [(row.user_id, row.name, platform_of(row.user_id)) for row in revoked], ROLES_REVOKED)


def co_reporters_told(session: Session, deps: CoreDeps, incident: Incident, ref: str, kind_label: str,
                      people: list[tuple[str, str | None, str]], reason: str) -> tuple[Notification, ...]:
    """co_report_notes, each message on record (`reason`, bot/triage/notices_sent.py)."""
    return tuple(on_record(session, deps, incident, list(co_report_notes(deps, incident.id, ref, kind_label, people)),
                           reason))


def co_report_notes(deps: CoreDeps, incident_id: int, ref: str, kind_label: str,
                    people: list[tuple[str, str | None, str]]) -> tuple[Notification, ...]:
    """PR told of each co-reporter (id, name, platform) without the reporter role, with how to grant it."""
    cat = deps.catalog
    notes = (section_notice(deps, incident_id, CO_REPORT, cat.t("coreport.title", ref=ref, kind=kind_label),
                            cat.t("coreport.body", reporter=name or user, user=user)
                            + how(cat, "grant", platform, ref=ref, id=incident_id, user=user))
             for user, name, platform in people)
    return tuple(note for note in notes if note)


def restricts(deps: CoreDeps, incident: Incident, kind: str, text: str) -> bool:
    """Whether a report merged into `incident` restricts it: the creation rule's twin (its kind's playbook is
    restricted, or its text exposes personal data) for an incident that is not restricted yet."""
    return not incident.restricted and (deps.library.playbook(kind).restricted or exposes_personal_data(text))


def restricted_by_report(session: Session, deps: CoreDeps, incident: Incident, kind: str, text: str,
                         reporter: Actor, key: str | None, via: str = "report",
                         message: str | None = None) -> tuple[Notification, ...] | None:
    """A report merged into an open ordinary incident reads as a leak: the incident restricted before the merge
    (so the report gives its reporter no role), and PR told why, without her text, and asked to check the kind.
    The kind stays: personal data in a flaming or impersonating post does not make it the city's leak, and the
    kind of a restricted incident is PR's and security's to correct (as a new incident's, restricted by its text).
    The event carries the report's delivery key: a redelivery finds that its merge restricted the incident.
    `via`: VIAS, what restricted it (a report of the same post, a reported message edited, a follow-up naming it),
    as PR and the conversation are told; `message`: where those words are (report_messages.MESSAGE), when the
    event that carries them does not say it. None when the report does not restrict it (`restricts`)."""
    if not restricts(deps, incident, kind, text):
        return None
    data = ({KEY: key[:200]} if key else {}) | ({MESSAGE: message[:300]} if message else {})
    cat, ref = deps.catalog, incident_ref(incident.id)
    kind = cat.label("kind", incident.kind)
    revoked = restrict(session, deps, incident, reporter, ref, kind, keeps=False, by_report=True, via=via, **data)
    said = VIAS[via]
    note = _restricted_notice(deps, incident.id, kind, via, reporter.display_name)
    here = section_notice(deps, incident.id, RESTRICTED_HERE, cat.t(f"report.restricted_here{said}", ref=ref), "")
    return revoked + tuple(on_record(session, deps, incident, [note] if note else [], LEAK_SUSPECTED)) + (
        (here,) if here else ())


def restricted_by_answer(session: Session, deps: CoreDeps, incident: Incident, actor: Actor, step_id: str,
                         answers: dict[str, str]) -> tuple[Notification, ...] | None:
    """A step answered saying personal data is exposed (a choice marked `restricts: true` in the playbook, such as
    個人情報の有無 = 含まれる) on an ordinary incident: restricted in the step's transaction as restricted_by_report
    does (the kind stays; the one who answered keeps their role), PR told why and the conversation told where it
    continues. None when the answers do not restrict it."""
    if incident.restricted or not exposing_answer(deps, incident.kind, step_id, answers):
        return None
    cat, ref = deps.catalog, incident_ref(incident.id)
    kind = cat.label("kind", incident.kind)
    revoked = restrict(session, deps, incident, actor, ref, kind, by_report=True, via="step", step=step_id)
    note = _restricted_notice(deps, incident.id, kind, "step", actor.display_name)
    here = section_notice(deps, incident.id, RESTRICTED_HERE, cat.t("report.restricted_here_step", ref=ref), "")
    return revoked + tuple(on_record(session, deps, incident, [note] if note else [], LEAK_SUSPECTED)) + (
        (here,) if here else ())


def exposing_answer(deps: CoreDeps, kind: str, step_id: str, answers: dict[str, str]) -> bool:
    """Whether the answers to a step choose one of its choices marked `restricts: true` (Slack walk s21 #4: the same
    fact as words exposing personal data, so it restricts the incident as they do)."""
    try:
        step = deps.library.playbook(kind).step(step_id)
    except KeyError:
        return False
    return any(answers.get(item.id) == choice.value for item in step.inputs for choice in item.choices
               if choice.restricting(item.id))


def _restricted_notice(deps: CoreDeps, incident_id: int, kind: str, via: str, author: str) -> Notification | None:
    """PR's 【閲覧制限】 notice: the incident (its kind's label) restricted by `author`'s words (`via`), not shown."""
    cat, ref, said = deps.catalog, incident_ref(incident_id), VIAS.get(via, "")
    return section_notice(deps, incident_id, RESTRICTED_NOTICE,
                          cat.t(f"coreport.restricted_title{said}", ref=ref, kind=kind),
                          cat.t(f"coreport.restricted_body{said}", reporter=author, ref=ref, kind=kind))


def merge_restricted(deps: CoreDeps, steps: StepRunner, session: Session, incident: Incident, merged: Outcome,
                     told: tuple[Notification, ...] | None, via: str = "report") -> Outcome:
    """The merge's outcome once it restricted the incident (`told`, else None: the merge as it was): PR's notices,
    the reporter told (`via`: as restricted_by_report), and the first reporter's current step, shown again where
    her conversation moves."""
    if told is None:
        return merged
    said = deps.catalog.t(SAID[via], ref=incident_ref(incident.id))
    return replace(merged, notifications=told + merged.notifications, messages=(*merged.messages, said),
                   became_restricted=True, step=steps.current_view(session, incident, incident.reporter_id))


def restricted_by_key(session: Session, incident_id: int, key: str) -> bool:
    """Whether what came with this delivery key restricted the incident (its redelivery finishes the plan)."""
    data = session.execute(select(TimelineEvent.data).where(TimelineEvent.incident_id == incident_id,
                                                            TimelineEvent.type == "restricted")).scalars()
    return any((found or {}).get(KEY) == key[:200] for found in data)


def edit_noted(deps: CoreDeps, steps: StepRunner, incident_id: int, actor: Actor, note: str, text: str,
               key: str, message: str | None = None) -> Outcome:
    """A reported message edited: its note (`note`) on the timeline once per edit (`key`), and the incident
    restricted in the same transaction when the edited `text` exposes personal data, by restricted_by_report's rule
    (session 18 Teams walk #5). A redelivered edit that restricted it says so again: its plan finishes the
    redaction and the move. The outcome carries words only when it restricted the incident."""
    def work(session: Session) -> Outcome:
        incident = load_incident(session, incident_id, lock=True)
        require_as(deps.access, session, "add_note", actor, incident.id, restricted=incident.restricted,
                   reporters=reporter_ids(session, incident_id))
        told: tuple[Notification, ...] | None
        duplicate = session.get(IntakeKey, key[:200]) is not None
        if duplicate:  # nothing new to tell PR; restricted by this edit: the plan finishes what a crash left
            told = () if restricted_by_key(session, incident_id, key) else None
        else:
            session.execute(insert(IntakeKey), {"key": key[:200], "incident_id": incident_id,
                                                "created_at": deps.clock.now()})
            # Restricted before the note is written: the personal data lands on a restricted timeline only.
            told = restricted_by_report(session, deps, incident, incident.kind, text, actor, key, via="edit",
                                        message=message)
            record(session, deps, incident_id, "note", actor.user_id, text=storable(note)[:NOTE_LIMIT], edited=True,
                   recorded_at=deps.clock.now().isoformat())
        view = build_view(deps, incident, reporter_ids(session, incident_id), actor.user_id)
        return merge_restricted(deps, steps, session, incident, Outcome(incident=view, duplicate=duplicate), told,
                                via="edit")

    return transaction(deps, work)


def restricted_between(deps: CoreDeps, after: datetime, before: datetime) -> list[int]:
    """The incidents restricted in (after, before] and restricted still, oldest restriction first."""
    with deps.sessions.begin() as session:
        found = session.execute(
            select(TimelineEvent.incident_id).join(Incident, Incident.id == TimelineEvent.incident_id)
            .where(TimelineEvent.type == "restricted", TimelineEvent.at > after, TimelineEvent.at <= before,
                   Incident.restricted.is_(True)).order_by(TimelineEvent.seq)).scalars()
        return list(dict.fromkeys(incident_id for incident_id in found if incident_id is not None))


@dataclass(frozen=True)
class Restriction:
    """A restriction as resume finishes it (restriction_outcome): the outcome its plan needs, and for one made by a
    colleague's words after the report, whose (`author`) and where they were posted (`message`: MESSAGE), if known."""

    outcome: Outcome
    author: str | None = None
    message: str | None = None
    said: str | None = None  # what `author` was told their words did (SAID)
    advised: bool = False  # `said` carries the advice to delete their words (a thread reply's: reply_leak.py)


def restriction_outcome(deps: CoreDeps, steps: StepRunner, incident_id: int) -> Restriction:
    """What a restriction's plan needs again when a crash cut it short (bot/delivery/resume.py): the incident as its
    first reporter sees it, her current step and, when a report, an edit or a follow-up restricted it (a kind
    correction's plan says its own), PR's 【閲覧制限】 notice and the words its conversation is told, as they were."""
    with deps.sessions.begin() as session:
        incident = load_incident(session, incident_id)
        event = session.execute(select(TimelineEvent).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.type == "restricted").order_by(
            TimelineEvent.seq.desc())).scalars().first()
        data = (event.data if event is not None else None) or {}
        view = build_view(deps, incident, reporter_ids(session, incident_id), incident.reporter_id)
        step = steps.current_view(session, incident, incident.reporter_id)
        rows = reporter_rows(session, incident_id)  # PR told of those who lost the role by it, as restrict() told
        lost = co_report_notes(deps, incident_id, view.ref, view.kind_label, [
            (str(user), rows[user].name if user in rows else None, platform_of(str(user)))
            for user in data.get("revoked") or ()])
        if event is None or not data.get("by_report"):
            return Restriction(Outcome(incident=view, became_restricted=True, step=step, notifications=lost))
        via, author = str(data.get("via")), event.actor
        said = deps.catalog.t(f"report.restricted_here{VIAS.get(via, '')}", ref=view.ref)
        row = rows.get(author)
        name = (row.name if row is not None else None) or actor_names(session, incident_id).get(author) or author
        notes = (_restricted_notice(deps, incident_id, view.kind_label, via, name),
                 section_notice(deps, incident_id, RESTRICTED_HERE, said, ""))
        message = data.get(MESSAGE) or session.execute(  # a merged report's or follow-up's: on its own event
            select(TimelineEvent.data[MESSAGE].as_string()).where(
                TimelineEvent.incident_id == incident_id, TimelineEvent.seq > event.seq,
                TimelineEvent.actor == author, TimelineEvent.data[MESSAGE].as_string().is_not(None))
            .order_by(TimelineEvent.seq).limit(1)).scalar()
        return Restriction(Outcome(incident=view, became_restricted=True, step=step,
                                   notifications=lost + tuple(note for note in notes if note)), author, message,
                           deps.catalog.t(SAID[via], ref=view.ref) if via in SAID else None, via == "reply")
