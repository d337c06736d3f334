"""Read-side use cases: incident views, lists, timelines, and adapter references."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, bindparam, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from bot import identity
from bot.lease import Lease
from bot.ports import IncidentView, Outcome
from bot.triage import lifecycle
from bot.triage.core import CoreDeps, build_view, connection_transaction, load_incident, reporter_ids, transaction
from bot.triage.replays import created_outcome
from bot.triage.report_messages import joined_by_message
from bot.triage.roles import ROLE_GRANTED_EVENT, granted_purpose
from bot.triage.steps import StepRunner
from storage.models import Incident, IncidentReporter, PlatformRef, StepState, TimelineEvent

REFS = PlatformRef.__table__
# The ledger's statements, built once: Core (no ORM unit of work), compiled once, executed with parameters.
_READ_REFS = select(REFS.c.id, REFS.c.purpose, REFS.c.channel, REFS.c.ts, REFS.c.created_at).where(
    REFS.c.incident_id == bindparam("iid"), REFS.c.platform == bindparam("pf")).with_for_update()
_REF_PLACES = select(REFS.c.purpose, REFS.c.channel, REFS.c.ts).where(
    REFS.c.incident_id == bindparam("iid"), REFS.c.platform == bindparam("pf"),
    REFS.c.purpose.in_(bindparam("purposes", expanding=True))).with_for_update()
_ADD_REFS = insert(REFS)
_RENEW_CLAIM = update(REFS).where(REFS.c.id == bindparam("rid")).values(created_at=bindparam("renewed"))
# A claim renewed by the one who made it: only while nobody posted it or took it over (its time unchanged).
_RENEW_OWN = update(REFS).where(REFS.c.id == bindparam("rid"), REFS.c.ts.is_(None),
                                REFS.c.created_at == bindparam("claimed")).values(created_at=bindparam("renewed"))
_RENEW_HELD = update(REFS).where(REFS.c.incident_id == bindparam("iid"), REFS.c.platform == bindparam("pf"),
                                 REFS.c.purpose == bindparam("ref_purpose"), REFS.c.ts.is_(None),
                                 REFS.c.created_at == bindparam("claimed")).values(created_at=bindparam("renewed"))
_PUT_CLAIMED = update(REFS).where(REFS.c.incident_id == bindparam("iid"), REFS.c.platform == bindparam("pf"),
                                  REFS.c.purpose == bindparam("ref_purpose"), REFS.c.ts.is_(None)).values(
    channel=bindparam("new_channel"), ts=bindparam("new_ts"))
# Payload fields that may carry report text or personal data; hidden from viewers without access.
_COUNT_EVENTS = select(func.count()).select_from(TimelineEvent).where(
    TimelineEvent.incident_id == bindparam("iid"), TimelineEvent.type == bindparam("type"))
SENSITIVE_TYPES = frozenset({"note", "followup", "step_completed", "step_skipped", "details_changed", "reported"})


@dataclass(frozen=True)
class RefClaim:
    """The answer to IncidentQueries.claim_ref: new, posted, busy or taken_over, with the stored place."""

    state: Literal["new", "posted", "busy", "taken_over"]
    channel: str
    ts: str | None
    at: datetime | None = None  # new or taken over: the claim's time, which only its holder knows (see renew_ref)


@dataclass(frozen=True)
class TimelineEntry:
    """One timeline event as a viewer may see it."""

    seq: int
    incident_id: int | None
    at: datetime
    type: str
    actor: str
    old: Any
    new: Any
    data: dict[str, Any]
    hash: str
    redacted: bool = False


class IncidentQueries:
    """Reads incidents for a viewer; None as the viewer means the operator (CLI with database access)."""

    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    def _allowed(self, session: Session, incident: Incident, viewer: str | None) -> bool:
        if viewer is None:
            return True
        return self.deps.access.allows("view_details", viewer, restricted=incident.restricted,
                                       reporters=reporter_ids(session, incident.id))

    def view(self, incident_id: int, viewer: str | None) -> IncidentView:
        """One incident as the viewer may see it."""
        with self.deps.sessions.begin() as session:
            incident = load_incident(session, incident_id)
            reporters = reporter_ids(session, incident_id)
            return build_view(self.deps, incident, reporters, viewer, operator=viewer is None)

    def list(self, viewer: str | None, *, open_only: bool = False, limit: int = 200) -> list[IncidentView]:
        """Recent incidents, newest first."""
        with self.deps.sessions.begin() as session:
            stmt = select(Incident).order_by(Incident.id.desc()).limit(limit)
            if open_only:
                stmt = stmt.where(Incident.status.in_(lifecycle.OPEN_STATUSES))
            incidents = session.execute(stmt).scalars().all()
            ids = [i.id for i in incidents]
            reporters: dict[int, list[str]] = {i: [] for i in ids}
            for incident_id, user_id in session.execute(
                    select(IncidentReporter.incident_id, IncidentReporter.user_id)
                    .where(IncidentReporter.incident_id.in_(ids)).order_by(IncidentReporter.id)):
                reporters[incident_id].append(user_id)
            return [build_view(self.deps, incident, reporters[incident.id], viewer, operator=viewer is None)
                    for incident in incidents]

    def timeline(self, incident_id: int, viewer: str | None) -> list[TimelineEntry]:
        """The incident's events in order; payloads of restricted incidents hidden from outsiders."""
        with self.deps.sessions.begin() as session:
            incident = load_incident(session, incident_id)
            allowed = self._allowed(session, incident, viewer)
            rows = session.execute(select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
                                   .order_by(TimelineEvent.seq)).scalars().all()
            entries = []
            for row in rows:
                hide = not allowed and row.type in SENSITIVE_TYPES
                entries.append(TimelineEntry(
                    seq=row.seq, incident_id=row.incident_id, at=row.at, type=row.type, actor=row.actor,
                    old=None if hide else row.old_value, new=None if hide else row.new_value,
                    data={} if hide else dict(row.data or {}), hash=row.hash, redacted=hide))
            return entries

    def export(self, incident_id: int, viewer: str | None, fmt: str = "md") -> str:
        """The timeline export (bot/triage/export.py) for a viewer the access matrix lets export ("export": PR
        and security officers), or for the operator (None); anyone else is refused and the attempt recorded."""
        from bot.triage.export import export_timeline

        if viewer is not None:
            def check(session: Session) -> None:
                incident = load_incident(session, incident_id)
                self.deps.access.require("export", viewer, incident_id, restricted=incident.restricted,
                                         reporters=reporter_ids(session, incident_id))

            transaction(self.deps, check)  # a refusal is recorded on the timeline there
        return export_timeline(self.view(incident_id, viewer), self.timeline(incident_id, viewer), fmt,
                               self.deps.catalog, deps=self.deps)

    def by_conversation(self, platform: str, channel: str, thread: str) -> int | None:
        """The incident whose report thread this is, if any."""
        with self.deps.sessions.begin() as session:
            found = session.execute(select(Incident.id).where(
                Incident.conversation_platform == platform, Incident.conversation_channel == channel,
                Incident.conversation_thread == thread).order_by(Incident.id)).first()
            if found:
                return int(found[0])
            ref = session.execute(select(PlatformRef.incident_id).where(
                PlatformRef.platform == platform, PlatformRef.channel == channel, PlatformRef.ts == thread)).first()
            return int(ref[0]) if ref else None

    def by_report_message(self, platform: str, channel: str, message: str) -> int | None:
        """The incident a message reported: as its first report (its conversation), or as one that joined it."""
        found = self.by_conversation(platform, channel, message)
        if found is not None:
            return found
        with self.deps.sessions.begin() as session:
            return joined_by_message(session, platform, channel, message)

    def get_ref(self, incident_id: int, platform: str, purpose: str) -> tuple[str, str | None] | None:
        """(channel, ts) an adapter stored for this incident and purpose."""
        with self.deps.sessions.begin() as session:
            row = session.execute(select(PlatformRef).where(
                PlatformRef.incident_id == incident_id, PlatformRef.platform == platform,
                PlatformRef.purpose == purpose)).scalar_one_or_none()
            return (row.channel, row.ts) if row else None

    def refs(self, incident_id: int, platform: str) -> list[tuple[str, str, str | None]]:
        """Every (purpose, channel, ts) an adapter stored for this incident on `platform`."""
        with self.deps.sessions.begin() as session:
            return [(row.purpose, row.channel, row.ts) for row in session.execute(select(PlatformRef).where(
                PlatformRef.incident_id == incident_id, PlatformRef.platform == platform)).scalars()]

    def count_events(self, incident_id: int, event_type: str) -> int:
        """How many timeline events of a type the incident has (e.g. merged reports)."""
        with self.deps.sessions.begin() as session:
            return int(session.connection().execute(_COUNT_EVENTS, {"iid": incident_id, "type": event_type})
                       .scalar_one())

    def put_ref(self, incident_id: int, platform: str, purpose: str, channel: str, ts: str) -> bool:
        """Remember where an adapter put something; False if another delivery stored it first."""
        return purpose in self.put_refs(incident_id, platform, {purpose: (channel, ts)})

    def claim_ref(self, incident_id: int, platform: str, purpose: str, channel: str, *, lease: Lease) -> RefClaim:
        """Claim the right to post something once per (incident, purpose), for an adapter about to post it.

        "new": the claim is yours, post and then put_ref the ts. "posted": it is already at (channel, ts).
        "busy": another delivery holds the claim and its lease runs (it is presumably posting it now).
        "taken_over": the lease of a claim whose holder never recorded a ts ran out (it crashed, before or after
        posting); the claim is now yours: look for the message on the platform before posting it again.
        """
        return self.claim_refs(incident_id, platform, {purpose: channel}, lease=lease)[1][purpose]

    def claim_refs(self, incident_id: int, platform: str, wanted: dict[str, str], *, lease: Lease,
                   record: dict[str, tuple[str, str]] | None = None, count_type: str | None = None,
                   own: tuple[datetime, frozenset[str]] | None = None
                   ) -> tuple[dict[str, tuple[str, str | None]], dict[str, RefClaim], int]:
        """`claim_refs_on` in a transaction of its own."""
        return connection_transaction(self.deps, lambda connection: self.claim_refs_on(
            connection, incident_id, platform, wanted, lease=lease, record=record, count_type=count_type, own=own))

    def claim_refs_on(self, connection: Connection, incident_id: int, platform: str, wanted: dict[str, str], *,
                      lease: Lease, record: dict[str, tuple[str, str]] | None = None, count_type: str | None = None,
                      own: tuple[datetime, frozenset[str]] | None = None, now: datetime | None = None,
                      fresh: bool = False) -> tuple[dict[str, tuple[str, str | None]], dict[str, RefClaim], int]:
        """On the caller's transaction: every ref of the incident, a claim (as claim_ref) for each wanted purpose ->
        channel, places to `record` (purpose -> (channel, ts)) stored unless already there, and how many
        `count_type` timeline events the incident has. `own` (claimed at, purposes): claims this caller made earlier
        are its own again, renewed, unless posted or taken over meanwhile; `now`: the claims' time (default: the
        clock's); `fresh`: the incident was created in this transaction, so it has no refs to read. Returns (refs,
        claims, count)."""
        now = now or self.deps.clock.now()
        # Core statements, not ORM objects: one SELECT, one INSERT for every new row, an UPDATE per takeover.
        rows = {} if fresh else {purpose: (ident, channel, ts, created) for ident, purpose, channel, ts, created
                                 in connection.execute(_READ_REFS, {"iid": incident_id, "pf": platform})}
        places = {purpose: (row[1], row[2]) for purpose, row in rows.items()}
        new: list[dict[str, Any]] = []

        def add(purpose: str, channel: str, ts: str | None) -> None:
            places[purpose] = (channel, ts)
            new.append({"incident_id": incident_id, "platform": platform, "purpose": purpose,
                        "channel": channel, "ts": ts, "created_at": now})

        for purpose, (channel, ts) in (record or {}).items():
            if purpose not in places:
                add(purpose, channel, ts)
        claims: dict[str, RefClaim] = {}
        for purpose, channel in wanted.items():
            row = rows.get(purpose)
            if purpose not in places:
                add(purpose, channel, None)
                claims[purpose] = RefClaim("new", channel, None, now)
            elif row is None:  # recorded just above by this call
                claims[purpose] = RefClaim("posted" if places[purpose][1] is not None else "busy",
                                           *places[purpose])
            elif row[2] is not None:
                claims[purpose] = RefClaim("posted", row[1], row[2])
            elif own is not None and purpose in own[1] and connection.execute(
                    _RENEW_OWN, {"rid": row[0], "renewed": now, "claimed": own[0]}).rowcount == 1:
                claims[purpose] = RefClaim("new", row[1], None, now)  # still as this caller claimed it: its own again
            elif not lease.expired(row[3], now) and not self.orphaned(row[3]):
                claims[purpose] = RefClaim("busy", row[1], None)
            else:  # the claim's age restarts with its new holder
                connection.execute(_RENEW_CLAIM, {"rid": row[0], "renewed": now})
                claims[purpose] = RefClaim("taken_over", row[1], None, now)
        if new:
            connection.execute(_ADD_REFS, new)
        count = 0
        if count_type is not None:
            count = int(connection.execute(_COUNT_EVENTS, {"iid": incident_id, "type": count_type}).scalar_one())
        return places, claims, count

    def orphaned(self, claimed_at: datetime) -> bool:
        """Whether a claim was made by a process that has died (before this one started, on a one-instance database)."""
        return self.deps.orphaned_before is not None and claimed_at < self.deps.orphaned_before

    def put_refs(self, incident_id: int, platform: str, places: dict[str, tuple[str, str]]) -> set[str]:
        """Record several places at once, each only where no ts is stored yet (one transaction); returns the
        purposes recorded here (the others another delivery stored first)."""
        if not places:
            return set()

        def work(connection: Connection) -> set[str]:
            # Usually every place was claimed by the caller and is still empty: one UPDATE records them all.
            # Only where no ts is stored yet (a row lock on PostgreSQL): another delivery's record stands.
            done = connection.execute(_PUT_CLAIMED, [{"iid": incident_id, "pf": platform, "ref_purpose": purpose,
                                                      "new_channel": channel, "new_ts": ts}
                                                     for purpose, (channel, ts) in places.items()])
            if done.rowcount == len(places):
                return set(places)
            # Some were stored first by another delivery, or never claimed (added now): read what stands.
            rows = {purpose: (channel, ts) for purpose, channel, ts in connection.execute(
                _REF_PLACES, {"iid": incident_id, "pf": platform, "purposes": list(places)})}
            now = self.deps.clock.now()
            new = [{"incident_id": incident_id, "platform": platform, "purpose": purpose, "channel": channel,
                    "ts": ts, "created_at": now} for purpose, (channel, ts) in places.items() if purpose not in rows]
            if new:
                connection.execute(_ADD_REFS, new)
            return {row["purpose"] for row in new} | {p for p in places if rows.get(p) == places[p]}

        return connection_transaction(self.deps, work)

    def unfinished_reports(self, platform: str, purpose: str, *, created_after: datetime, created_before: datetime,
                           limit: int = 100) -> list[Outcome]:
        """The outcomes (as each reporter saw them, duplicate=True) of incidents reported through `platform` in the
        window whose `purpose` ref has no ts yet: an adapter's work for them was never finished (e.g. the process
        died after the report was stored). Oldest first; nothing is written."""
        with self.deps.sessions.begin() as session:
            candidates = _untold(session, platform, purpose, Incident.created_at, created_after, created_before, limit)
            if not candidates:
                return []
            reported = session.execute(select(TimelineEvent.incident_id, TimelineEvent.data).where(
                TimelineEvent.incident_id.in_(candidates), TimelineEvent.type == "reported")).all()
            steps = StepRunner(self.deps)
            outcomes = []
            for incident_id in sorted(found for found, data in reported if (data or {}).get("platform") == platform):
                incident = load_incident(session, incident_id)
                outcomes.append(created_outcome(self.deps, steps, session, incident, incident.reporter_id))
            return outcomes

    def unfinished_acknowledgements(self, platform: str, purpose: str, *, after: datetime, before: datetime,
                                    limit: int = 100) -> list[tuple[int, str]]:
        """(incident, acknowledger's user id) of incidents reported through `platform` and acknowledged in the
        window whose `purpose` ref has no ts yet: the acknowledgement was stored but never told. Nothing written."""
        with self.deps.sessions.begin() as session:
            candidates = _untold(session, platform, purpose, Incident.acknowledged_at, after, before, limit)
            if not candidates:
                return []
            events = session.execute(select(TimelineEvent.incident_id, TimelineEvent.type, TimelineEvent.actor,
                                            TimelineEvent.data).where(
                TimelineEvent.incident_id.in_(candidates),
                TimelineEvent.type.in_(("reported", "acknowledged")))).all()
            here = {found for found, kind, _, data in events if kind == "reported"
                    and (data or {}).get("platform") == platform}
            by = {found: str(actor) for found, kind, actor, _ in events if kind == "acknowledged"}
            return [(found, by[found]) for found in sorted(here) if found in by]

    def unfinished_steps(self, platform: str, prefix: str, *, after: datetime, before: datetime,
                         limit: int = 100) -> list[tuple[int, str, str]]:
        """(incident, step, who pressed it) of steps done or skipped in the window by a user of `platform`, in the
        incident's current playbook, whose `prefix:<kind>:<step>:<status>` ref has no ts yet: the press was stored
        but what follows it (the next step, the card closed) never finished. Oldest first; nothing written."""
        told = literal(prefix + ":") + StepState.kind + ":" + StepState.step_id + ":" + StepState.status
        finished = select(PlatformRef.id).where(
            PlatformRef.incident_id == StepState.incident_id, PlatformRef.platform == platform,
            PlatformRef.purpose == told, PlatformRef.ts.is_not(None))
        with self.deps.sessions.begin() as session:
            return [(found, str(step), str(actor)) for found, step, actor in session.execute(
                select(StepState.incident_id, StepState.step_id, StepState.actor)
                .join(Incident, (Incident.id == StepState.incident_id) & (Incident.kind == StepState.kind))
                .where(StepState.status != "pending", StepState.updated_at >= after, StepState.updated_at <= before,
                       StepState.actor.startswith(f"{platform}:"), ~finished.exists())
                .order_by(StepState.updated_at, StepState.id).limit(limit))]

    def renew_ref(self, incident_id: int, platform: str, purpose: str, claimed: datetime, now: datetime) -> bool:
        """Renew a claim made at `claimed` as its holder's own until `now` + lease; False if it was posted or taken
        over meanwhile (a takeover restarts the claim's time, so no other holder has `claimed`)."""
        return connection_transaction(self.deps, lambda connection: connection.execute(_RENEW_HELD, {
            "iid": incident_id, "pf": platform, "ref_purpose": purpose, "claimed": claimed,
            "renewed": now}).rowcount == 1)

    def untold_grants(self, platform: str, *, after: datetime, before: datetime,
                      limit: int = 100) -> list[tuple[int, str, str]]:
        """(incident, grantee, granter) of roles granted in the window to users of `platform` whose note was never
        posted (bot/triage/roles.py granted_purpose). Nothing written."""
        with self.deps.sessions.begin() as session:
            events = session.execute(select(TimelineEvent.incident_id, TimelineEvent.new_value, TimelineEvent.actor)
                                     .where(TimelineEvent.type == ROLE_GRANTED_EVENT, TimelineEvent.at >= after,
                                            TimelineEvent.at <= before).order_by(TimelineEvent.seq).limit(limit)).all()
            mine = [(int(found), str(user), str(actor)) for found, user, actor in events
                    if found is not None and identity.split(str(user))[0] == platform]
            if not mine:
                return []
            told = set(session.execute(select(PlatformRef.incident_id, PlatformRef.purpose).where(
                PlatformRef.platform == platform, PlatformRef.ts.is_not(None),
                PlatformRef.incident_id.in_({found for found, _, _ in mine}))).tuples())
            return [(found, user, actor) for found, user, actor in mine if (found, granted_purpose(user)) not in told]

    def drop_ref(self, incident_id: int, platform: str, purpose: str) -> None:
        """Release a claim whose post failed (ts still empty), so a later delivery can post it."""

        def work(session: Session) -> None:
            session.execute(delete(PlatformRef).where(
                PlatformRef.incident_id == incident_id, PlatformRef.platform == platform,
                PlatformRef.purpose == purpose, PlatformRef.ts.is_(None)))

        transaction(self.deps, work)

    def forget_ref(self, incident_id: int, platform: str, purpose: str) -> None:
        """Remove a mark (posted or not): what it marked is to be done again (a reopened incident's end)."""
        transaction(self.deps, lambda session: session.execute(delete(PlatformRef).where(
            PlatformRef.incident_id == incident_id, PlatformRef.platform == platform, PlatformRef.purpose == purpose)))


def _untold(session: Session, platform: str, purpose: str, when: Any, after: datetime, before: datetime,
            limit: int) -> list[int]:
    """Incidents whose `when` is in the window and whose `purpose` ref on `platform` has no ts yet, oldest first."""
    finished = select(PlatformRef.incident_id).where(
        PlatformRef.platform == platform, PlatformRef.purpose == purpose, PlatformRef.ts.is_not(None))
    return list(session.execute(select(Incident.id).where(when >= after, when <= before, Incident.id.not_in(finished))
                                .order_by(Incident.id).limit(limit)).scalars())
