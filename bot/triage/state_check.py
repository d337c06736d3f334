"""The tables against the chain: every security-relevant column must be what the hashed events say.

verify_chain proves the events were not edited; this replays them per incident (kind, status, restricted,
severity, acknowledgement, reporters and their roles, step states) and compares the result with the rows, so
editing ``incidents.restricted`` or deleting an ``incident_reporters`` row without a matching event is found.
For an erased incident the blanked events are replaced by the state its erasure event recorded, and the erasure
itself must be legitimate: the incident had ended and its retention period was over when it was erased.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import Catalog
from bot.identity import namespaced
from bot.triage.core import incident_ref
from bot.triage.severity import default_severity
from storage.models import Incident, IncidentReporter, StepState, TimelineEvent
from storage.timeline import ERASURE_EVENT


class Problem(str):
    """One difference found, in English (logs, tests) and as a catalog key with its values (state_problem.<key>),
    which operators read in their locale (`worded`)."""

    key: str
    params: dict[str, object]

    def __new__(cls, english: str, key: str, **params: object) -> Problem:
        made = super().__new__(cls, english)
        made.key, made.params = key, params
        return made

    def worded(self, catalog: Catalog) -> str:
        """The problem in the catalogue's locale."""
        return catalog.t(f"state_problem.{self.key}", **self.params)

ENDED = frozenset({"closed", "declined", "merged"})
# When the personal data of an incident of this kind that ended then may be erased (None: never).
ExpiresAt = Callable[[str, datetime], "datetime | None"]


@dataclass
class _Replayed:
    """What the chain says about one incident."""

    kind: str | None = None
    first_kind: str | None = None
    status: str | None = None
    restricted: bool | None = None
    severity: str | None = None
    acknowledged: tuple[str, str | None, datetime] | None = None  # (user id, name, at)
    reporters: dict[str, bool] = field(default_factory=dict)
    steps: dict[str, tuple[str, str]] = field(default_factory=dict)  # "kind/step" -> (status, actor)
    blanked: set[str] = field(default_factory=set)  # event types whose payload was erased
    last_status_at: datetime | None = None
    erasures: list[tuple[TimelineEvent, datetime | None]] = field(default_factory=list)  # (event, last status at)


def _events(session: Session, batch: int = 2000) -> Iterator[TimelineEvent]:
    last = 0
    while True:
        rows = session.execute(select(TimelineEvent).where(
            TimelineEvent.seq > last, TimelineEvent.incident_id.is_not(None)).order_by(TimelineEvent.seq)
            .limit(batch)).scalars().all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def _apply(state: _Replayed, event: TimelineEvent, replayed: dict[int, _Replayed]) -> None:
    """Fold one event into the incident's replayed state."""
    data: dict[str, Any] = event.data or {}
    kind = event.type
    if kind == "status_changed" or kind == "reported":
        state.last_status_at = event.at
    if event.erased:
        state.blanked.add(kind)
        if kind == "reported":
            state.reporters.setdefault(event.actor, True)
        return
    if kind == "reported":
        state.status, state.restricted = str(event.new_value), bool(data.get("restricted"))
        state.reporters.setdefault(event.actor, True)
    elif kind in ("classified", "kind_corrected"):
        state.kind = str(event.new_value)
        state.first_kind = state.first_kind or state.kind
    elif kind == "restricted":
        state.restricted = bool(event.new_value)
        for user in data.get("revoked") or ():  # co-reporters whose role did not carry over (restriction.py)
            state.reporters[str(user)] = False
    elif kind == "status_changed":
        state.status = str(event.new_value)
    elif kind == "severity_changed":
        state.severity = str(event.new_value)
    elif kind == "acknowledged":
        state.acknowledged = (str(event.new_value), data.get("name"), event.at)
    elif kind in ("merged_report", "reported_again"):
        if data.get("added", event.actor not in state.reporters):
            state.reporters[event.actor] = bool(data.get("granted", True))
    elif kind == "role_granted":
        state.reporters[str(event.new_value)] = True
    elif kind == "merged":
        moved = data.get("reporters")
        if isinstance(moved, list):
            for user, granted in moved:
                state.reporters.setdefault(str(user), bool(granted))
        else:  # recorded before the moved reporters were: everyone the source had, with the role
            source = replayed.get(int(data.get("source") or event.new_value or 0))
            for user in source.reporters if source else {}:
                state.reporters.setdefault(user, True)
    elif kind in ("step_completed", "step_skipped"):
        state.steps[f"{state.kind}/{data.get('step')}"] = (str(event.new_value), event.actor)
    elif kind == ERASURE_EVENT:
        state.erasures.append((event, state.last_status_at))


def replay(session: Session) -> dict[int, _Replayed]:
    """Every incident's state as the chain tells it."""
    replayed: dict[int, _Replayed] = {}
    for event in _events(session):
        assert event.incident_id is not None
        _apply(replayed.setdefault(event.incident_id, _Replayed()), event, replayed)
    return replayed


def _snapshot(state: _Replayed) -> dict[str, Any] | None:
    for erasure, _ in reversed(state.erasures):
        snapshot = (erasure.data or {}).get("state")
        if isinstance(snapshot, dict):
            return snapshot
    return None


def _ids_as_stored(platform: str | None, reporters: dict[str, bool],
                   steps: dict[str, tuple[str, str]]) -> tuple[dict[str, bool], dict[str, tuple[str, str]]]:
    """User ids by migration 0006's rule (bot.identity.namespaced): events keep the form they were hashed with."""
    return ({namespaced(user, platform): granted for user, granted in reporters.items()},
            {key: (status, namespaced(actor, platform)) for key, (status, actor) in steps.items()})


def _compare(ref: str, row: Incident, state: _Replayed, reporters: dict[str, bool],
             steps: dict[str, tuple[str, str]]) -> list[Problem]:
    problems: list[Problem] = []
    snapshot = _snapshot(state) or {}
    platform = row.conversation_platform
    reporters, steps = _ids_as_stored(platform, reporters, steps)
    replayed_reporters, replayed_steps = _ids_as_stored(platform, state.reporters, state.steps)
    expected: dict[str, Any] = {"kind": state.kind, "status": state.status}
    expected["restricted"] = snapshot.get("restricted") if "reported" in state.blanked else state.restricted
    if state.restricted is True:  # a "restricted" event after a blanked report still binds
        expected["restricted"] = True
    if state.first_kind is not None:
        expected["severity"] = state.severity or default_severity(state.first_kind)
    for name, value in expected.items():
        if value is not None and getattr(row, name) != value:
            table, chain = repr(getattr(row, name)), repr(value)
            problems.append(Problem(f"{ref}: incidents.{name} is {table}, the timeline says {chain}", "column",
                                    ref=ref, column=name, table=table, chain=chain))
    if state.acknowledged is None and "acknowledged" not in state.blanked:
        if row.acknowledged_at is not None or row.acknowledged_by is not None:
            problems.append(Problem(f"{ref}: incidents.acknowledged_* set, but the timeline has no acknowledgement",
                                    "ack_unrecorded", ref=ref))
    elif state.acknowledged is not None:
        _, name, at = state.acknowledged
        if row.acknowledged_at != at or (name is not None and row.acknowledged_by != name):
            problems.append(Problem(f"{ref}: incidents.acknowledged_* differ from the acknowledgement on the timeline",
                                    "ack_differs", ref=ref))
    if not {"merged_report", "reported_again"} & state.blanked and reporters != replayed_reporters:
        problems.append(Problem(f"{ref}: incident_reporters (user: role granted) are {reporters}, "
                                f"the timeline says {replayed_reporters}", "reporters", ref=ref,
                                table=reporters, chain=replayed_reporters))
    step_events = {"step_completed", "step_skipped"} & state.blanked
    want_steps = (_ids_as_stored(platform, {}, {k: (str(v[0]), str(v[1])) for k, v in snapshot["steps"].items()})[1]
                  if step_events and isinstance(snapshot.get("steps"), dict) else None if step_events
                  else replayed_steps)
    if want_steps is not None and steps != want_steps:
        problems.append(Problem(f"{ref}: step_states differ from the step events on the timeline", "steps", ref=ref))
    return problems


def _check_erasures(ref: str, row: Incident, state: _Replayed, expires_at: ExpiresAt | None) -> list[Problem]:
    """An erasure is legitimate only for an ended incident whose retention period was over."""
    problems: list[Problem] = []
    for erasure, ended_at in state.erasures:
        recorded = (erasure.data or {}).get("state")
        recorded_status = recorded.get("status") if isinstance(recorded, dict) else row.status
        if row.status not in ENDED or recorded_status not in ENDED:
            problems.append(Problem(f"{ref}: erased (seq {erasure.seq}) although it had not ended ({row.status})",
                                    "erased_open", ref=ref, seq=erasure.seq, status=row.status))
        elif expires_at is not None and ended_at is not None and row.kind:
            due = expires_at(row.kind, ended_at)
            if due is None or due > erasure.at:
                problems.append(Problem(f"{ref}: erased (seq {erasure.seq}) before its retention period was over",
                                        "erased_early", ref=ref, seq=erasure.seq))
    if row.erased_at is not None and not state.erasures:
        problems.append(Problem(f"{ref}: marked erased, but no erasure is recorded on the timeline",
                                "erasure_unrecorded", ref=ref))
    return problems


def check_state(session: Session, expires_at: ExpiresAt | None = None) -> list[Problem]:
    """Every difference between the tables and the chain, one line each (references and column names only)."""
    replayed = replay(session)
    rows = {row.id: row for row in session.execute(select(Incident).order_by(Incident.id)).scalars()}
    reporters: dict[int, dict[str, bool]] = {}
    for reporter in session.execute(select(IncidentReporter)).scalars():
        reporters.setdefault(reporter.incident_id, {})[reporter.user_id] = reporter.granted
    steps: dict[int, dict[str, tuple[str, str]]] = {}
    for step in session.execute(select(StepState)).scalars():
        steps.setdefault(step.incident_id, {})[f"{step.kind}/{step.step_id}"] = (step.status, step.actor)
    problems: list[Problem] = []
    for incident_id, row in rows.items():
        ref = incident_ref(incident_id)
        state = replayed.get(incident_id)
        if state is None or (state.status is None and "reported" not in state.blanked):
            problems.append(Problem(f"{ref}: the incident is not on the timeline (no report event)", "no_report",
                                    ref=ref))
            continue
        problems += _compare(ref, row, state, reporters.get(incident_id, {}), steps.get(incident_id, {}))
        problems += _check_erasures(ref, row, state, expires_at)
    problems += [Problem(f"{incident_ref(i)}: on the timeline, but its incidents row is missing", "row_missing",
                         ref=incident_ref(i)) for i in sorted(replayed.keys() - rows.keys())]
    return problems
