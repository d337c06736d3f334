"""Whether the chain still vouches for one incident's records, checked before a file is made from them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import TimelineEvent
from storage.timeline import GENESIS_HASH, event_hash, payload_digest


def suspect_seqs(session: Session, incident_id: int) -> tuple[int, ...]:
    """Sequence numbers that break the chain around the incident's events: edited, relinked or missing rows.

    Only the incident's events and their predecessors are read (a file is made often, `timeline verify` checks
    everything); a row deleted anywhere shows as a gap, and may have been one of this incident's.
    """
    events = session.execute(select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
                             .order_by(TimelineEvent.seq)).scalars().all()
    if not events:
        return ()
    before = {seq: hash_ for seq, hash_ in session.execute(
        select(TimelineEvent.seq, TimelineEvent.hash).where(TimelineEvent.seq.in_([e.seq - 1 for e in events])))}
    suspect: set[int] = set()
    for event in events:
        expected_prev = GENESIS_HASH if event.seq == 1 else before.get(event.seq - 1)
        if event.prev_hash != expected_prev:
            suspect.add(event.seq)
        if not event.erased and payload_digest(event.old_value, event.new_value, event.data) != event.payload_digest:
            suspect.add(event.seq)
        if event_hash(event.prev_hash, event.seq, event.incident_id, event.type, event.actor, event.at,
                      event.payload_digest) != event.hash:
            suspect.add(event.seq)
    count, last = session.execute(select(func.count(TimelineEvent.seq), func.max(TimelineEvent.seq))).one()
    if last is not None and count != last:  # rows were deleted: name the gaps
        present = set(session.execute(select(TimelineEvent.seq)).scalars())
        suspect.update(seq for seq in range(1, last + 1) if seq not in present)
    return tuple(sorted(suspect))
