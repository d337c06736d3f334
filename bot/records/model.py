"""What the record exports read about one incident, loaded once for one viewer (restricted details dropped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import to_jst
from bot.ports import DraftView, IncidentView
from bot.records.integrity import row_mismatches, suspect_seqs
from bot.triage.actors import actor_names
from bot.triage.core import CoreDeps, all_answers, load_incident, render_context, reporter_ids, step_states
from bot.triage.queries import IncidentQueries, TimelineEntry
from storage.models import Incident, IncidentReporter, TimelineEvent

REVIEW_EVENT = "review_recorded"


@dataclass(frozen=True)
class StepRecord:
    """A playbook step as the report lists it: done, skipped, or pending (neither: 未実施)."""

    step_id: str
    status: str  # done, skipped or pending
    actor: str = ""
    at: datetime | None = None
    drafts: tuple[DraftView, ...] = ()


@dataclass(frozen=True)
class IncidentRecord:
    """One incident with its timeline, as a given viewer may see it."""

    view: IncidentView
    entries: tuple[TimelineEntry, ...]
    names: dict[str, str] = field(default_factory=dict)
    steps: tuple[StepRecord, ...] = ()
    cause: str = ""
    prevention: str = ""
    erased_at: datetime | None = None
    erasure: dict[str, int] | None = None
    closed_at: datetime | None = None
    suspect: tuple[int, ...] = ()  # chain problems around its events: the file must say so
    mismatch: tuple[str, ...] = ()  # the incident's row differs from its chain (edited behind it): said too


def load_record(deps: CoreDeps, incident_id: int, viewer: str | None) -> IncidentRecord:
    """The incident, timeline, names, steps and review as the viewer (None: operator) may see them."""
    # The caller checks the right to export or receive; this only drops what the viewer may not see.
    queries = IncidentQueries(deps)
    view = queries.view(incident_id, viewer)
    entries = tuple(queries.timeline(incident_id, viewer))
    with deps.sessions.begin() as session:
        incident = load_incident(session, incident_id)
        visible = view.details_visible
        names = _names(session, incident) if visible else {}
        steps = _steps(deps, session, incident) if visible else ()
        suspect = suspect_seqs(session, incident_id)
    with deps.sessions.begin() as session:  # its own session: the replay reads every event in batches
        mismatch = row_mismatches(session, incident_id, deps.catalog)
    review = next((e for e in reversed(entries) if e.type == REVIEW_EVENT and not e.redacted and e.data), None)
    erasure = next((e for e in reversed(entries) if e.type == "erased"), None)
    return IncidentRecord(
        view=view, entries=entries, names=names, steps=steps,
        cause=str(review.data.get("cause") or "") if review else "",
        prevention=str(review.data.get("prevention") or "") if review else "",
        erased_at=incident.erased_at,
        erasure={k: int(v) for k, v in erasure.data.items() if isinstance(v, int)} if erasure else None,
        closed_at=incident.closed_at,
        suspect=suspect,
        mismatch=mismatch,
    )


def _names(session: Session, incident: Incident) -> dict[str, str]:
    names = actor_names(session, incident.id)  # colleagues who acted; a reporter's own name wins below
    if incident.reporter_name:
        names[incident.reporter_id] = incident.reporter_name
    for user_id, name in session.execute(select(IncidentReporter.user_id, IncidentReporter.name).where(
            IncidentReporter.incident_id == incident.id)):
        if name:
            names[user_id] = name
    # Who acknowledged is kept by name on the incident (what PR sees): the report names them, not their id.
    acknowledger = session.execute(select(TimelineEvent.actor).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.type == "acknowledged")
        .order_by(TimelineEvent.seq.desc()).limit(1)).scalar_one_or_none()
    if acknowledger and incident.acknowledged_by and acknowledger not in names:
        names[acknowledger] = incident.acknowledged_by
    # Who merged another incident into this one acted on that one: their name is kept there (the merger only).
    for actor, source in session.execute(select(TimelineEvent.actor, TimelineEvent.new_value).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.type == "merged")):
        if actor not in names and isinstance(source, int):
            named = actor_names(session, source).get(actor)
            if named:
                names[actor] = named
    return names


def _steps(deps: CoreDeps, session: Session, incident: Incident) -> tuple[StepRecord, ...]:
    """Steps of the current kind in playbook order: done and skipped ones, and the applicable ones left untouched
    (a clerk filing the report must see what was not considered), with the drafts of the done ones."""
    states = step_states(session, incident)
    answers = all_answers(states)
    context = render_context(deps, incident, answers)
    applicable = {step.id for step in deps.library.applicable_steps(incident.kind, deps.profile, context)}
    locale = deps.catalog.locale
    records = []
    for step in deps.library.playbook(incident.kind).steps:
        state = states.get(step.id)
        if state is None or state.status not in ("done", "skipped"):
            if step.id in applicable:
                records.append(StepRecord(step.id, "pending"))
            continue
        drafts: tuple[DraftView, ...] = ()
        if state.status == "done" and step.drafts and step.applies_to(deps.profile.base or deps.profile.id):
            # Dated the day its step was done (what was issued then), not the day the record is made.
            dated = {**context, "now": to_jst(state.updated_at)}
            drafts = deps.library.render_step(incident.kind, step.id, deps.profile, dated, locale).drafts
        records.append(StepRecord(step.id, state.status, state.actor, state.updated_at, drafts))
    return tuple(records)


def reporter_names(deps: CoreDeps, incident_id: int) -> dict[str, str]:
    """Reporter user ids mapped to the names they gave (empty once erased)."""
    with deps.sessions.begin() as session:
        return _names(session, load_incident(session, incident_id))


def reporters_of(deps: CoreDeps, incident_id: int) -> list[str]:
    """The incident's reporters (for access checks made outside a use case)."""
    with deps.sessions.begin() as session:
        return reporter_ids(session, incident_id)
