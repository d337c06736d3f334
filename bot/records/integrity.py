"""Whether the chain still vouches for one incident's records, checked before a file is made from them."""

from __future__ import annotations

import ast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.i18n import Catalog
from bot.triage.core import incident_ref
from bot.triage.state_check import Problem, check_state
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


# The incident columns state_check compares, by the label group their values are said with ("" : yes/no).
COLUMNS = {"kind": "kind", "status": "status", "severity": "severity", "restricted": ""}


def row_mismatches(session: Session, incident_id: int, catalog: Catalog) -> tuple[str, ...]:
    """Where the incident's row disagrees with what its chain says (a severity lowered, an acknowledgement set by
    hand), in the reader's words: the chain can be sound while the table a file is made from was edited."""
    ref = incident_ref(incident_id)
    return tuple(_worded(problem, catalog) for problem in check_state(session) if problem.params.get("ref") == ref)


def _worded(problem: Problem, catalog: Catalog) -> str:
    params = problem.params
    column = str(params.get("column", ""))
    if problem.key == "column" and column in COLUMNS:
        table, chain = (_value(catalog, COLUMNS[column], params.get(side)) for side in ("table", "chain"))
        return catalog.t("records.mismatch.column", field=catalog.t(f"records.mismatch.field.{column}"),
                         table=table, chain=chain)
    if problem.key in ("ack_unrecorded", "ack_differs", "reporters", "steps"):
        return catalog.t(f"records.mismatch.{problem.key}")
    return problem.worded(catalog)


def _value(catalog: Catalog, group: str, said: object) -> str:
    """A value state_check gives as repr ('low', True) as the files say it (低, あり)."""
    try:
        value = ast.literal_eval(str(said))
    except (ValueError, SyntaxError):
        return str(said)
    if isinstance(value, bool) or not group:
        return catalog.t("records.flag_yes" if value else "records.flag_no")
    return catalog.label(group, str(value))
