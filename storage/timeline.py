"""Append-only, hash-chained timeline: append inside the caller's transaction, verify the whole chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.models import ChainHead, TimelineEvent

GENESIS_HASH = "0" * 64
HEAD_ID = 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Appended when an incident's personal data is erased (bot/triage/retention.py); its data["seqs"] names the
# events it blanked, so verify_chain can tell erasure from someone blanking rows (older ones only count them).
ERASURE_EVENT = "erased"


def canonical_json(value: Any) -> str:
    """Stable JSON used for digests (sorted keys, no whitespace, UTF-8 kept)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def payload_digest(old_value: Any, new_value: Any, data: dict[str, Any]) -> str:
    """Digest of an event's payload."""
    blob = canonical_json({"old": old_value, "new": new_value, "data": data})
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def event_hash(prev_hash: str, seq: int, incident_id: int | None, type_: str, actor: str, at: datetime,
               digest: str) -> str:
    """Hash linking an event to the one before it."""
    # Microseconds since the epoch: independent of the zone the database hands the value back in.
    at_text = str((at - EPOCH) // timedelta(microseconds=1))
    blob = "|".join([prev_hash, str(seq), str(incident_id or ""), type_, actor, at_text, digest])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_HEAD_KEY = "incident_bot_chain_head"
# Built once: executed with parameters, they are compiled once and need no per-call cache key of literal values.
_EVENTS, _HEADS = TimelineEvent.__table__, ChainHead.__table__
_READ_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.id == HEAD_ID).with_for_update()
_NEW_HEAD = insert(_HEADS)
_INSERT_EVENT = insert(_EVENTS)
_MOVE_HEAD = update(_HEADS).where(_HEADS.c.id == HEAD_ID).values(seq=bindparam("head_seq"),
                                                                  hash=bindparam("head_hash"))


def _locked_head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the chain head, read (and locked) once per transaction, then kept in session.info."""
    transaction = session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached[0] is transaction:
        return cached[1], cached[2]
    # FOR UPDATE serialises appenders on PostgreSQL; SQLite writers are already serialised by BEGIN IMMEDIATE.
    row = session.connection().execute(_READ_HEAD).first()
    if row is None:
        session.connection().execute(_NEW_HEAD, {"id": HEAD_ID, "seq": 0, "hash": GENESIS_HASH})
        return 0, GENESIS_HASH
    return int(row[0]), str(row[1])


def write_head(session: Session) -> None:
    """Store the chain head this transaction's appends moved (the session factory calls it before each commit):
    one UPDATE per transaction, not one per event; the row stays locked from the first append on."""
    cached = session.info.pop(_HEAD_KEY, None)
    if cached is not None and cached[0] is session.get_transaction():
        session.connection().execute(_MOVE_HEAD, {"head_seq": cached[1], "head_hash": cached[2]})


class Appended(NamedTuple):
    """Where an appended event sits in the chain."""

    seq: int
    hash: str
    at: datetime


def append_event(
    session: Session,
    *,
    incident_id: int | None,
    type_: str,
    actor: str,
    at: datetime,
    old_value: Any = None,
    new_value: Any = None,
    data: dict[str, Any] | None = None,
) -> Appended:
    """Append one event in the caller's transaction (Core INSERT, no ORM unit of work); the head is written when
    the transaction commits (`write_head`)."""
    return append_events(session, [Event(incident_id, type_, actor, at, old_value, new_value, data)])[0]


class Event(NamedTuple):
    """An event to append (see append_events)."""

    incident_id: int | None
    type_: str
    actor: str
    at: datetime
    old_value: Any = None
    new_value: Any = None
    data: dict[str, Any] | None = None


def append_events(session: Session, events: list[Event]) -> list[Appended]:
    """Append events in order in the caller's transaction with one INSERT (several rows: one statement, not one
    per event); chained and stored exactly as one `append_event` after another."""
    session.flush()  # rows the events refer to (a new incident) go first; nothing to do when clean
    head_seq, head_hash = _locked_head(session)
    rows: list[dict[str, Any]] = []
    appended: list[Appended] = []
    for incident_id, type_, actor, at, old_value, new_value, data in events:
        # Round-trip through JSON so what we hash is exactly what the database will give back.
        old_value, new_value, data = json.loads(canonical_json([old_value, new_value, dict(data or {})]))
        seq = head_seq + 1
        digest = payload_digest(old_value, new_value, data)
        digest_hash = event_hash(head_hash, seq, incident_id, type_, actor, at, digest)
        rows.append({"seq": seq, "incident_id": incident_id, "type": type_, "actor": actor, "at": at,
                     "old_value": old_value, "new_value": new_value, "data": data, "payload_digest": digest,
                     "erased": False, "prev_hash": head_hash, "hash": digest_hash})
        appended.append(Appended(seq, digest_hash, at))
        head_seq, head_hash = seq, digest_hash
    if not rows:
        return appended
    session.connection().execute(_INSERT_EVENT, rows if len(rows) > 1 else rows[0])
    session.info[_HEAD_KEY] = (session.get_transaction(), head_seq, head_hash)
    return appended


@dataclass(frozen=True)
class ChainProblem:
    """One inconsistency found by verify_chain."""

    seq: int
    problem: str  # English reason, stable for scripts and tests
    kind: str = ""  # machine-readable kind; the CLI words it per locale (verify_problem.<kind>)
    incident_id: int | None = None
    named_seq: int | None = None


@dataclass(frozen=True)
class ChainReport:
    """Result of verifying the whole chain."""

    events: int
    head_seq: int
    head_hash: str
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _iter_events(session: Session, batch: int = 2000) -> Iterator[TimelineEvent]:
    last = 0
    while True:
        rows = session.execute(
            select(TimelineEvent).where(TimelineEvent.seq > last).order_by(TimelineEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def _match_erasure(event: TimelineEvent, waiting: dict[int | None, list[int]]) -> list[ChainProblem]:
    """Take the rows an erasure event names off its incident's waiting list; what it names wrongly is a problem.

    An erasure event names the seqs it blanked (data["seqs"]); one written before that was recorded counts them
    (data["timeline_events"]) and covers that many of the incident's earliest unnamed erased rows.
    """
    data = event.data or {}
    pending = waiting.get(event.incident_id, [])
    seqs = data.get("seqs")
    if not isinstance(seqs, list):
        counted = data.get("timeline_events", 0)
        waiting[event.incident_id] = pending[counted if isinstance(counted, int) else 0:]
        return []
    named = {seq for seq in seqs if isinstance(seq, int)}
    problems = [ChainProblem(event.seq, f"erasure names seq {seq}, which is not an erased event of incident "
                                        f"{event.incident_id} before it", "erasure_names_other",
                                        event.incident_id, seq)
                for seq in sorted(named - set(pending))]
    waiting[event.incident_id] = [seq for seq in pending if seq not in named]
    return problems


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash; report edited, deleted, reordered or truncated events."""
    problems: list[ChainProblem] = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    waiting: dict[int | None, list[int]] = {}  # incident -> erased rows no erasure event has named yet
    for event in _iter_events(session):
        count += 1
        if event.erased:
            if event.old_value is not None or event.new_value is not None or event.data:
                problems.append(ChainProblem(event.seq, "erased event still carries a payload", "erased_payload"))
            waiting.setdefault(event.incident_id, []).append(event.seq)
        elif event.type == ERASURE_EVENT:
            problems.extend(_match_erasure(event, waiting))
        while event.seq > expected_seq:
            problems.append(ChainProblem(expected_seq, "missing (deleted)", "missing"))
            expected_seq += 1
        if event.prev_hash != prev_hash:
            problems.append(ChainProblem(event.seq, "prev_hash does not match the previous event", "prev_hash"))
        if not event.erased and payload_digest(event.old_value, event.new_value, event.data) != event.payload_digest:
            problems.append(ChainProblem(event.seq, "payload edited (digest mismatch)", "payload_edited"))
        recomputed = event_hash(event.prev_hash, event.seq, event.incident_id, event.type, event.actor, event.at,
                                event.payload_digest)
        if recomputed != event.hash:
            problems.append(ChainProblem(event.seq, "event edited (hash mismatch)", "event_edited"))
        prev_hash = event.hash
        expected_seq = event.seq + 1
    for incident_id, seqs in waiting.items():
        problems.extend(ChainProblem(seq, f"marked erased, but no erasure event of incident {incident_id} names it",
                                     "erased_unnamed", incident_id) for seq in seqs)
    problems.sort(key=lambda p: p.seq)
    head = session.get(ChainHead, HEAD_ID)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq >= expected_seq:
        for seq in range(expected_seq, head_seq + 1):
            problems.append(ChainProblem(seq, "missing (deleted)", "missing"))
    elif head_seq != expected_seq - 1:
        problems.append(ChainProblem(head_seq, "chain head is behind the last event", "head_behind"))
    if head_seq == expected_seq - 1 and head_hash != prev_hash:
        problems.append(ChainProblem(head_seq, "chain head hash does not match the last event", "head_hash"))
    return ChainReport(events=count, head_seq=head_seq, head_hash=head_hash, problems=tuple(problems))
