"""What every use case needs: dependencies, loading, recording events, building views."""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, make_transient_to_detached, object_session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bot.clock import Clock, to_jst
from bot.i18n import Catalog, listed
from bot.ports import Actor, ConversationRef, IncidentView, Notification
from bot.triage.access import AccessPolicy, PermissionDenied
from bot.triage.actors import keep_name
from bot.triage.classify import Classifier
from bot.triage.escalation import EscalationPlan
from bot.triage.intake_limit import RateLimit
from bot.triage.off_hours import next_renotice
from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile
from storage.models import Incident, IncidentReporter, StepState
from storage.timeline import Event, append_event, append_events

T = TypeVar("T")
S = TypeVar("S")
log = logging.getLogger(__name__)
# Built once and executed with parameters: compiled once, no per-call statement construction or cache key.
ADD_REPORTER = insert(IncidentReporter.__table__)
ROLES = select(IncidentReporter.user_id, IncidentReporter.granted).where(
    IncidentReporter.incident_id == bindparam("iid")).order_by(IncidentReporter.id)
GRANTED = select(IncidentReporter.user_id).where(
    IncidentReporter.incident_id == bindparam("iid"), IncidentReporter.granted.is_(True)).order_by(IncidentReporter.id)
LOAD = select(Incident).where(Incident.id == bindparam("iid"))
LOAD_LOCKED = LOAD.with_for_update()
TOUCH = update(Incident.__table__).where(Incident.__table__.c.id == bindparam("iid")).values(
    updated_at=bindparam("touched"))


class IncidentNotFound(Exception):
    """No incident with that id."""

    def __init__(self, incident_id: int) -> None:
        super().__init__(f"incident {incident_id} not found")
        self.incident_id = incident_id


class InvalidRequest(Exception):
    """A request the core cannot carry out; the message is already localised for the user."""


class WrongKind(InvalidRequest):
    """A control of the playbook the incident left (its kind was corrected): nothing was done."""


class StorageUnavailable(InvalidRequest):
    """The database cannot be written right now (locked, restarting); nothing was half-written."""


@dataclass(frozen=True)
class CoreDeps:
    """Everything the use cases share, wired once by the composition root."""

    sessions: sessionmaker[Session]
    library: PlaybookLibrary
    profile: Profile
    access: AccessPolicy
    clock: Clock
    catalog: Catalog
    escalation: EscalationPlan
    classifier: Classifier
    rate_limit: RateLimit = field(default_factory=lambda: RateLimit(0, 60))
    # Claims made before this belong to a process that has died: set to the start of this process when the
    # database serves one instance only (SQLite), so a restart finishes a crashed post at once, not a lease later.
    orphaned_before: datetime | None = None


MAX_INCIDENT_ID = 2**31 - 1  # PostgreSQL's INTEGER


def incident_ref(incident_id: int) -> str:
    """The human reference of an incident."""
    return f"INC-{incident_id:04d}"


def load_incident(session: Session, incident_id: int, *, lock: bool = False) -> Incident:
    """The incident row, locked for update when asked, or IncidentNotFound."""
    if not 0 < incident_id <= MAX_INCIDENT_ID:  # typed numbers beyond the column's range are simply not found
        raise IncidentNotFound(incident_id)
    incident = session.execute(LOAD_LOCKED if lock else LOAD, {"iid": incident_id}).scalar_one_or_none()
    if incident is None:
        raise IncidentNotFound(incident_id)
    return incident


def attach(session: Session, row: Row[Any]) -> Incident:
    """An incident row read by a Core statement as the ORM would have loaded it: persistent, nothing to flush (a
    Core read of a row is ~3x cheaper than the ORM's, most of all when it finds nothing)."""
    known = session.identity_map.get(identity_key(Incident, row.id))
    if known is not None:
        return known  # type: ignore[no-any-return]
    incident = Incident(**row._mapping)
    make_transient_to_detached(incident)
    session.add(incident)
    return incident


def reporter_ids(session: Session, incident_id: int) -> list[str]:
    """User ids of the reporters holding the reporter role, first reporter first."""
    session.flush()  # reporters added through the ORM count (a Core read does not autoflush)
    return list(session.connection().execute(GRANTED, {"iid": incident_id}).scalars())


def reporter_roles(session: Session, incident_id: int) -> dict[str, bool]:
    """Every reporter of the incident (first reporter first) -> whether they hold the reporter role."""
    session.flush()  # reporters added through the ORM count (a Core read does not autoflush)
    return {user: bool(granted) for user, granted in session.connection().execute(ROLES, {"iid": incident_id})}


def add_reporter(session: Session, incident_id: int, actor: Actor, now: datetime, *, granted: bool) -> None:
    """A reporter row for the actor (Core INSERT: no ORM unit of work)."""
    session.connection().execute(ADD_REPORTER, {"incident_id": incident_id, "user_id": actor.user_id,
                                                "name": actor.display_name, "reported_at": now, "granted": granted})


def touch(session: Session, incident: Incident, now: datetime) -> None:
    """Set updated_at with a Core UPDATE; the loaded object gets the value with nothing left to flush."""
    session.connection().execute(TOUCH, {"iid": incident.id, "touched": now})
    set_committed_value(incident, "updated_at", now)


def reporter_rows(session: Session, incident_id: int) -> dict[str, IncidentReporter]:
    """Every reporter row of the incident (granted or waiting for a grant), by user id."""
    rows = session.execute(select(IncidentReporter).where(IncidentReporter.incident_id == incident_id)
                           .order_by(IncidentReporter.id)).scalars().all()
    return {row.user_id: row for row in rows}


def record_delivery_error(deps: CoreDeps, incident_id: int, *, platform: str, action: str, error: str) -> None:
    """A chat platform's failure (e.g. channel_not_found) on the incident's timeline, in its own transaction."""

    def work(session: Session) -> None:
        load_incident(session, incident_id)
        record(session, deps, incident_id, "delivery_failed", "bot", platform=platform, action=action[:80],
               error=error[:300])

    transaction(deps, work)


def record(session: Session, deps: CoreDeps, incident_id: int | None, type_: str, actor: str,
           *, old: Any = None, new: Any = None, at: datetime | None = None, **data: Any) -> None:
    """Append a timeline event in the current transaction."""
    append_event(session, incident_id=incident_id, type_=type_, actor=actor, at=at or deps.clock.now(),
                 old_value=old, new_value=new, data=data)


def event(deps: CoreDeps, incident_id: int | None, type_: str, actor: str, *, old: Any = None, new: Any = None,
          at: datetime | None = None, **data: Any) -> Event:
    """A timeline event as `record` appends it, timed now, for `record_all`."""
    return Event(incident_id, type_, actor, at or deps.clock.now(), old, new, data)


def record_all(session: Session, events: list[Event]) -> None:
    """Append several events in order in the current transaction (one INSERT statement)."""
    append_events(session, events)


def step_states(session: Session, incident: Incident) -> dict[str, StepState]:
    """Step progress for the incident's current kind, by step id."""
    rows = session.execute(
        select(StepState).where(StepState.incident_id == incident.id, StepState.kind == incident.kind)
    ).scalars().all()
    return {row.step_id: row for row in rows}


def all_answers(states: dict[str, StepState]) -> dict[str, str]:
    """Every answer given so far, merged across steps (later steps win)."""
    merged: dict[str, str] = {}
    for state in sorted(states.values(), key=lambda s: (s.updated_at, s.id or 0)):
        merged.update({k: str(v) for k, v in (state.answers or {}).items()})
    return merged


def platform_name(catalog: Catalog, raw: str) -> str:
    """The service as a public draft names it (「x」→「X」); a name the catalogue does not know stays as typed."""
    key = unicodedata.normalize("NFKC", raw).strip().lower()
    named = catalog.label("draft_platform", key)
    return raw if named == key else named


def render_context(deps: CoreDeps, incident: Incident, answers: dict[str, str]) -> dict[str, Any]:
    """The Jinja2 context playbook steps and drafts are rendered with."""
    cat = deps.catalog
    sections = {key: section.name_for(cat.locale) for key, section in deps.profile.sections.items()}
    return {
        "incident": {
            "ref": incident_ref(incident.id),
            "kind": incident.kind,
            "kind_label": cat.label("kind", incident.kind),
            "severity": incident.severity,
            "severity_label": cat.label("severity", incident.severity),
            "source_url": incident.source_url or "",
            "platform": platform_name(cat, incident.platform or ""),
            "department": incident.department or "",
            "reported_at": to_jst(incident.created_at),
            "reporter_name": incident.reporter_name or incident.reporter_id,
        },
        "profile": deps.profile,
        "sections": sections,
        # The intake answer wins over the incident's platform in drafts, so it is named the same way.
        "answers": {**answers, **({"platform": platform_name(cat, answers["platform"])}
                                  if answers.get("platform") else {})},
        "severity": incident.severity,
        "now": to_jst(deps.clock.now()),
        "locale": cat.locale,
    }


def build_view(deps: CoreDeps, incident: Incident, reporters: list[str], viewer_id: str | None, *,
               operator: bool = False) -> IncidentView:
    """The incident as the viewer may see it; restricted details are dropped for everyone else.

    operator: the CLI user with database access, who sees everything (viewer_id is then ignored).
    """
    cat = deps.catalog
    visible = operator or (viewer_id is not None and deps.access.allows(
        "view_details", viewer_id, restricted=incident.restricted, reporters=reporters))
    conversation = None
    if incident.conversation_platform and incident.conversation_channel:
        conversation = ConversationRef(incident.conversation_platform, incident.conversation_channel,
                                       incident.conversation_thread)
    return IncidentView(
        id=incident.id,
        ref=incident_ref(incident.id),
        kind=incident.kind,
        kind_label=cat.label("kind", incident.kind),
        status=incident.status,
        status_label=cat.label("status", incident.status),
        severity=incident.severity,
        severity_label=cat.label("severity", incident.severity),
        restricted=incident.restricted,
        details_visible=visible,
        reporter_id=incident.reporter_id,
        reporters=tuple(reporters),
        text=incident.text if visible and incident.erased_at is None else None,
        source_url=incident.source_url if visible else None,
        # Free text (a step answer may fill it): as hidden as the report itself from those who may not see it.
        platform=incident.platform if visible else None,
        department=incident.department if visible else None,
        created_at=incident.created_at,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        resolved_at=incident.resolved_at,
        profile=incident.profile,
        conversation=conversation,
    )


def notice_title(deps: CoreDeps, level: int, ref: str, kind: str, severity: str) -> str:
    """The title of a chain level's notice (kind and severity as labels): the first notice's, or the re-notice's
    naming the level's section; an adapter drawing a notice again keeps it."""
    cat, chain_level = deps.catalog, deps.escalation.level(level)
    if level == 1 or chain_level is None:
        return cat.t("notify.title", ref=ref, kind=kind, severity=severity)
    if chain_level.repeat:
        return cat.t("escalate.renotice", ref=ref, kind=kind, section=chain_level.section_name,
                     count=chain_level.repeat, limit=deps.escalation.renotice_limit)
    # app.yaml's own level: the municipality's setting, not a guideline clause
    added = [each.level for each in deps.escalation.levels[1:]]  # after the first recipients, app.yaml's own
    n = added.index(level) + 1 if level in added else 1
    return cat.t("escalate.title" if len(added) == 1 else "escalate.title_nth", ref=ref, kind=kind, n=n,
                 total=len(added), section=chain_level.section_name)


def notification(deps: CoreDeps, incident: Incident, level: int, *,
                 escalation_id: int | None = None) -> Notification | None:
    """What a chain level is told about an incident (no report text for restricted ones); None past the chain."""
    chain_level = deps.escalation.level(level)
    if chain_level is None:
        return None
    cat = deps.catalog
    title = notice_title(deps, level, incident_ref(incident.id), cat.label("kind", incident.kind),
                         cat.label("severity", incident.severity))
    reporter = reporters_named(deps, incident)
    if incident.restricted:
        where = incident.conversation_platform  # the report's place, in the words of the platform it was made on
        body = cat.t("notify.body_restricted", reporter=reporter, place=cat.platform_word("place.report", where),
                     private=cat.platform_word("place.reporter_chat", where))
    else:
        body = cat.t("notify.body", reporter=reporter, text=incident.text or "", url=incident.source_url or "—")
    if chain_level.origin == "municipal":
        basis = cat.t("notify.basis", basis=cat.t("notify.own_setting"))
    else:
        clauses, specific = deps.library.first_notice_basis(incident.kind, deps.profile)
        cited = listed(cat.locale, (deps.profile.cite(c, cat.locale) for c in clauses))
        basis = cat.t("notify.basis", basis=cited if specific else cat.t("notify.other_trouble", basis=cited))
    renotice = "" if incident.acknowledged_at is not None else renotice_line(deps, level, incident.severity)
    return Notification(incident_id=incident.id, audience=chain_level.section, level=level,
                        section_name=chain_level.section_name, mention=chain_level.mention, title=title,
                        body="\n".join(filter(None, (body, basis, renotice))), renotice=renotice,
                        escalation_id=escalation_id,
                        audiences=chain_level.sections or (chain_level.section,))


def reporters_named(deps: CoreDeps, incident: Incident, shown: int = 3) -> str:
    """Who reported the incident's post, as PR's notice names them: the first reporter, then colleagues whose
    reports of the same post were merged, `shown` at most and 「ほか N 名」 (walk s17 #11)."""
    first = incident.reporter_name or incident.reporter_id
    session = object_session(incident)  # a new incident is not attached (one reporter): no query
    if session is None:
        return first
    names = [first] + [row.name or user for user, row in reporter_rows(session, incident.id).items()
                       if user != incident.reporter_id]
    listed_names = listed(deps.catalog.locale, names[:shown])
    if len(names) <= shown:
        return listed_names
    return deps.catalog.t("notify.reporters_more", names=listed_names, more=len(names) - shown)


def renotice_line(deps: CoreDeps, level: int, severity: str = "") -> str:
    """What happens if this notice is not acknowledged either; the interval and the count are app.yaml's."""
    plan, cat = deps.escalation, deps.catalog
    current, following = plan.level(level), plan.level(level + 1)
    if current is None or not plan.renotice_limit:
        return ""
    if following is None:
        return cat.t("escalate.last", limit=plan.renotice_limit)
    again = bool(following.repeat)  # else the next level is a section of its own: named, with when it is told
    return cat.t("escalate.again" if again else "escalate.next", minutes=current.wait_minutes,
                 limit=plan.renotice_limit, section=following.section_name) + next_renotice(
        deps, current.wait_minutes, severity, again=again)


def section_notice(deps: CoreDeps, incident_id: int, topic: str, title: str, body: str) -> Notification | None:
    """An informational message for the first level of the chain (PR): nothing to acknowledge. Addressed to every
    section that level tells at once (浦臼町 5(3) 所属課局長及び総務課), as the first notice was."""
    first = deps.escalation.level(1)
    if first is None:
        return None
    return Notification(incident_id=incident_id, audience=first.section, level=1, section_name=first.section_name,
                        mention=None, title=title, body=body, acknowledgeable=False, topic=topic,
                        audiences=first.sections or (first.section,))


def _retried(deps: CoreDeps, begin: Callable[[], AbstractContextManager[S]], work: Callable[[S], T],
             attempts: int, backoff: float) -> T:
    """Run work in what `begin` opens; a unique-key race (another instance, a retry) reruns it; refusals are logged."""
    for attempt in range(attempts):
        try:
            with begin() as handle:
                return work(handle)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
        except OperationalError as exc:
            # Locked or unreachable database: the transaction rolled back whole; try again, then tell the user.
            if attempt == attempts - 1:
                log.warning("storage unavailable after %d attempts (%s); nothing was written", attempts,
                            type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
                raise StorageUnavailable(deps.catalog.t("error.storage")) from exc
            time.sleep(backoff * (attempt + 1))
        except PermissionDenied as denied:
            # Logged in its own transaction once the refused one is rolled back: the attempt stays on record.
            with deps.sessions.begin() as session:
                record(session, deps, denied.incident_id, "access_denied", denied.user_id, action=denied.action)
                keep_name(session, denied.incident_id, denied.user_id, denied.name)
            raise
    raise AssertionError("unreachable")


def transaction(deps: CoreDeps, work: Callable[[Session], T], attempts: int = 3,
                backoff: float = 0.2) -> T:
    """Run work in one Session transaction, retried and logged as `_retried` says."""
    return _retried(deps, deps.sessions.begin, work, attempts, backoff)


def connection_transaction(deps: CoreDeps, work: Callable[[Connection], T], attempts: int = 3,
                           backoff: float = 0.2) -> T:
    """`transaction` for work made of Core statements alone (no ORM objects, no timeline events): on a Connection,
    without a Session's bookkeeping; the same retries and the same refusal."""
    engine = deps.sessions.kw.get("bind")
    if not isinstance(engine, Engine):  # sessions bound otherwise (e.g. to a connection): the Session's way
        return transaction(deps, lambda session: work(session.connection()), attempts, backoff)
    return _retried(deps, engine.begin, work, attempts, backoff)


def open_key_free(session: Session, key: str | None) -> bool:
    """Whether no open incident already holds this source key."""
    if not key:
        return False
    return session.execute(select(Incident.id).where(Incident.open_source_key == key)).first() is None
