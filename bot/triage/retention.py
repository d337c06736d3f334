"""Retention: erase the personal data of incidents kept past their municipality's period; the chain stays verifiable.

The rule, as implemented
------------------------
* Only an incident that has **ended** can expire: ``closed``, ``declined`` or ``merged``. Open incidents
  (reported, acknowledged, responding) never do, and neither does a ``resolved`` one — it can still be reopened,
  so it has to be closed first (the daily report lists resolved incidents that would otherwise be due).
* The period is ``retention.by_kind[kind]`` if given, else ``retention.default_days`` (days). ``0`` or ``null``
  means keep forever. The default is 1827 days (five years): the guidelines the profiles follow fix no period;
  each municipality's own 文書管理規程 / 情報公開・個人情報保護の規程 decides, and app.yaml says what it is.
* The period counts from when the incident ended (``count_from: ended``): ``closed_at`` for a closed incident
  (``resolved_at``, then ``updated_at`` if a row lacks it), ``updated_at`` (the decision) for a declined or merged
  one. With ``count_from: next_fiscal_year`` it counts from 1 April (Asia/Tokyo) of the fiscal year after the one
  the incident ended in, as Japanese public-record rules usually do.
* A merged incident is part of the record of the incident it was merged into: it expires only when that one
  (following further merges) has ended and expired too, and never while it is open or resolved.

What erasure does, in one transaction per incident
--------------------------------------------------
``Incident.text``, ``source_url`` (and the open-URL key) are set to NULL, ``reporter_name`` and every
``IncidentReporter.name`` to ``""``, every ``StepState.answers`` of the incident to ``{}``, every
``ClassifierExample.text`` of the incident (labelled copies kept for retraining) to NULL; every timeline event of
the incident that can carry personal data (report text, answers, notes, details: everything but the state events in
``STATE_EVENTS``, whose payloads hold only ids, statuses and kinds) gets ``erased = True`` and an empty payload
(old/new NULL, data ``{}``) while ``payload_digest``, ``prev_hash`` and ``hash`` stay as they were, so
``verify_chain`` still checks every link. ``Incident.erased_at`` is set and an ``erased`` event (actor
``retention``) is appended naming the seqs it blanked, the status the incident had ended in and a snapshot of its
security state (restricted, reporters and their roles, step states: ids and statuses only), so verification can
tell a real erasure from someone blanking rows, and can still check the tables of an erased incident.
What stays: kind, status, severity, dates, department, platform, and chat user ids (``reporter_id``, actors) —
pseudonymous ids that the hash chain covers and that the record of who did what needs. Messages already in
Slack/Teams follow the workspace's own retention settings. 「報告ではない」 examples, which have no incident, go
after ``retention.unlinked_examples_days`` in the same run (bot/triage/classifier_retention.py).

Running it again erases nothing new: an incident is only picked again if events were added to it after its
erasure (then only those are erased, under a further ``erased`` event).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.clock import JST, to_jst
from bot.config import ConfigError, RetentionSettings
from bot.triage import lifecycle
from bot.triage.classifier_intake import erase_examples
from bot.triage.classifier_retention import DEFAULT_UNLINKED_EXAMPLE_DAYS, purge_unlinked_examples
from bot.triage.core import CoreDeps, incident_ref, load_incident, record, transaction
from storage.models import Incident, IncidentActor, IncidentReporter, StepState, TimelineEvent
from storage.timeline import ERASURE_EVENT

log = logging.getLogger(__name__)
RETENTION_ACTOR = "retention"
# Statuses an incident can expire in; they are final (no transition leaves them).
ENDED_STATUSES = frozenset({lifecycle.CLOSED, lifecycle.DECLINED, lifecycle.MERGED})
MAX_MERGE_DEPTH = 50
# Events whose payloads hold no personal data (ids, statuses, kinds): kept on erasure so the incident's state can
# still be checked against the chain (bot/triage/state_check.py).
STATE_EVENTS = frozenset({
    "classified", "kind_corrected", "restricted", "status_changed", "acknowledged", "merged_report", "reported_again",
    "merged",
    "role_granted", "severity_changed", "notified", "escalated", "access_denied", "notice_resent"})


@dataclass(frozen=True)
class RetentionPolicy:
    """Retention periods by kind, in days; None keeps forever."""

    default_days: int | None
    by_kind: Mapping[str, int | None] = field(default_factory=dict)
    count_from: str = "ended"
    erase: bool = True
    # Classifier examples of no incident (「報告ではない」), days from being stored; None keeps them.
    unlinked_examples_days: int | None = DEFAULT_UNLINKED_EXAMPLE_DAYS

    @classmethod
    def from_settings(cls, settings: RetentionSettings) -> RetentionPolicy:
        return cls(default_days=settings.default_days or None,
                   by_kind={kind: days or None for kind, days in settings.by_kind.items()},
                   count_from=settings.count_from, erase=settings.erase,
                   unlinked_examples_days=settings.unlinked_examples_days or None)

    def days_for(self, kind: str) -> int | None:
        """The period for a kind in days, or None to keep forever (0 in app.yaml also means forever)."""
        days = self.by_kind.get(kind, self.default_days)
        return days or None

    def counting_start(self, ended_at: datetime) -> datetime:
        """When the period starts for an incident that ended at `ended_at`."""
        if self.count_from != "next_fiscal_year":
            return ended_at
        local = to_jst(ended_at)
        fiscal_year = local.year if local.month >= 4 else local.year - 1
        return datetime(fiscal_year + 1, 4, 1, tzinfo=JST)

    def expires_at(self, kind: str, ended_at: datetime) -> datetime | None:
        """When personal data of an incident of this kind that ended then may be erased; None: never."""
        days = self.days_for(kind)
        if days is None:
            return None
        return self.counting_start(ended_at) + timedelta(days=days)


def check_retention_kinds(settings: RetentionSettings, kinds: list[str], source: str) -> None:
    """Raise ConfigError naming retention.by_kind.<kind> for a kind no playbook defines."""
    for kind in settings.by_kind:
        if kind not in kinds:
            raise ConfigError(f"{source}: retention.by_kind.{kind}: unknown incident kind {kind!r} "
                              f"(known: {', '.join(sorted(kinds))})")


@dataclass(frozen=True)
class Due:
    """An incident whose personal data is past its retention period."""

    incident_id: int
    kind: str
    status: str
    ended_at: datetime
    expires_at: datetime

    @property
    def ref(self) -> str:
        return incident_ref(self.incident_id)


@dataclass(frozen=True)
class Erasure:
    """What erasing one incident changed (counts only)."""

    incident_id: int
    counts: Mapping[str, int]

    @property
    def ref(self) -> str:
        return incident_ref(self.incident_id)


@dataclass(frozen=True)
class RetentionReport:
    """One retention run: what was due, what was erased, what failed, what waits to be closed."""

    now: datetime
    dry_run: bool
    due: tuple[Due, ...]
    erased: tuple[Erasure, ...]
    failed: tuple[tuple[int, str], ...]
    waiting_to_close: tuple[Due, ...]
    # 「報告ではない」 examples past retention.unlinked_examples_days: purged (or, dry run, due).
    examples_purged: int = 0


@dataclass(frozen=True)
class _Row:
    id: int
    kind: str
    status: str
    closed_at: datetime | None
    resolved_at: datetime | None
    updated_at: datetime
    merged_into_id: int | None
    erased_at: datetime | None


def ended_at(row: _Row | Incident) -> datetime:
    """When an incident ended, for counting its period: closed_at (closed) or updated_at (declined, merged)."""
    if row.status == lifecycle.CLOSED:
        return row.closed_at or row.resolved_at or row.updated_at
    return row.updated_at


def _expiry(rows: Mapping[int, _Row], row: _Row, policy: RetentionPolicy) -> tuple[datetime, datetime] | None:
    """(ended_at, expires_at) of an ended incident, a merged one no earlier than its target; None: not expiring."""
    if row.status not in ENDED_STATUSES:
        return None
    end = ended_at(row)
    expires = policy.expires_at(row.kind, end)
    if expires is None:
        return None
    seen = {row.id}
    current = row
    while current.status == lifecycle.MERGED:
        target = rows.get(current.merged_into_id) if current.merged_into_id is not None else None
        if target is None or target.id in seen or len(seen) > MAX_MERGE_DEPTH:
            break  # a merge without a (readable) target: the incident's own period applies
        if target.status not in ENDED_STATUSES:
            return None  # merged into an incident that is still open or only resolved: kept with it
        target_expires = policy.expires_at(target.kind, ended_at(target))
        if target_expires is None:
            return None
        expires = max(expires, target_expires)
        seen.add(target.id)
        current = target
    return end, expires


def find_due(deps: CoreDeps, policy: RetentionPolicy, now: datetime) -> tuple[list[Due], list[Due]]:
    """Incidents due for erasure, and resolved ones that would be due if they were closed (both oldest first).

    An incident already erased is due again only if events were added to it after its erasure.
    """
    with deps.sessions.begin() as session:
        rows = {r.id: _Row(r.id, r.kind, r.status, r.closed_at, r.resolved_at, r.updated_at, r.merged_into_id,
                           r.erased_at)
                for r in session.execute(select(
                    Incident.id, Incident.kind, Incident.status, Incident.closed_at, Incident.resolved_at,
                    Incident.updated_at, Incident.merged_into_id, Incident.erased_at))}
        unerased = exists().where(TimelineEvent.incident_id == Incident.id, TimelineEvent.erased.is_(False),
                                  TimelineEvent.type != ERASURE_EVENT, TimelineEvent.type.not_in(STATE_EVENTS))
        touched_after_erasure = set(session.execute(
            select(Incident.id).where(Incident.erased_at.is_not(None), unerased)).scalars())
    due: list[Due] = []
    waiting: list[Due] = []
    for row in rows.values():
        if row.status == lifecycle.RESOLVED and row.erased_at is None:
            start = row.resolved_at or row.updated_at
            expires = policy.expires_at(row.kind, start)
            if expires is not None and expires <= now:
                waiting.append(Due(row.id, row.kind, row.status, start, expires))
            continue
        if row.erased_at is not None and row.id not in touched_after_erasure:
            continue
        found = _expiry(rows, row, policy)
        if found is not None and found[1] <= now:
            due.append(Due(row.id, row.kind, row.status, found[0], found[1]))
    def key(item: Due) -> tuple[datetime, int]:
        return item.expires_at, item.incident_id

    return sorted(due, key=key), sorted(waiting, key=key)


def erase_incident(session: Session, deps: CoreDeps, incident_id: int, now: datetime,
                   actor: str = RETENTION_ACTOR) -> Erasure | None:
    """Erase one ended incident's personal data in the caller's transaction; None if it is not ended or
    nothing was left to erase. Never touches an open (or resolved) incident."""
    incident = load_incident(session, incident_id, lock=True)
    if incident.status not in ENDED_STATUSES:
        return None
    fields = 0
    for name, blank in (("text", None), ("source_url", None), ("open_source_key", None), ("reporter_name", "")):
        if getattr(incident, name) not in (None, ""):
            setattr(incident, name, blank)
            fields += 1
    reporters = 0
    for reporter in session.execute(select(IncidentReporter).where(
            IncidentReporter.incident_id == incident_id)).scalars():
        if reporter.name:
            reporter.name = ""
            reporters += 1
    names = 0
    for colleague in session.execute(select(IncidentActor).where(IncidentActor.incident_id == incident_id)).scalars():
        if colleague.name:
            colleague.name = ""
            names += 1
    steps = 0
    snapshot_steps: dict[str, list[str]] = {}
    for state in session.execute(select(StepState).where(StepState.incident_id == incident_id)).scalars():
        snapshot_steps[f"{state.kind}/{state.step_id}"] = [state.status, state.actor]
        if state.answers:
            state.answers = {}
            steps += 1
    examples = erase_examples(session, incident_id, now)  # labelled copies of the text, leak ones included
    seqs: list[int] = []
    for event in session.execute(select(TimelineEvent).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.erased.is_(False),
            TimelineEvent.type != ERASURE_EVENT, TimelineEvent.type.not_in(STATE_EVENTS))
            .order_by(TimelineEvent.seq)).scalars():
        # payload_digest, prev_hash and hash are left alone: the chain still links every event.
        event.old_value, event.new_value, event.data, event.erased = None, None, {}, True
        seqs.append(event.seq)
    if not (fields or reporters or names or steps or examples or seqs) and incident.erased_at is not None:
        return None
    counts = {"fields": fields, "reporters": reporters, "names": names, "step_states": steps,
              "classifier_examples": examples, "timeline_events": len(seqs)}
    incident.erased_at = incident.erased_at or now
    session.flush()
    state = {"status": incident.status, "restricted": incident.restricted, "steps": snapshot_steps,
             "reporters": {row.user_id: row.granted for row in session.execute(select(IncidentReporter).where(
                 IncidentReporter.incident_id == incident_id)).scalars()}}
    record(session, deps, incident_id, ERASURE_EVENT, actor, at=now, seqs=seqs, state=state, **counts)
    return Erasure(incident_id, counts)


def run_retention(deps: CoreDeps, policy: RetentionPolicy, now: datetime | None = None, *,
                  dry_run: bool = False, actor: str = RETENTION_ACTOR) -> RetentionReport:
    """Find incidents past retention and (unless dry_run) erase each in its own transaction."""
    now = now or deps.clock.now()
    due, waiting = find_due(deps, policy, now)
    erased: list[Erasure] = []
    failed: list[tuple[int, str]] = []
    if not dry_run:
        for item in due:
            try:
                done = transaction(deps, lambda session, i=item.incident_id: erase_incident(
                    session, deps, i, now, actor))
            except Exception as exc:  # one incident's trouble must not stop the others; reported and retried
                log.exception("retention: erasing %s failed", item.ref)
                failed.append((item.incident_id, type(exc).__name__))
                continue
            if done is not None:
                erased.append(done)
                log.info("retention: erased personal data of %s", item.ref)
    purged = purge_unlinked_examples(deps, policy.unlinked_examples_days, now, dry_run=dry_run, actor=actor)
    return RetentionReport(now=now, dry_run=dry_run, due=tuple(due), erased=tuple(erased), failed=tuple(failed),
                           waiting_to_close=tuple(waiting), examples_purged=purged)
