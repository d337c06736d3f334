"""Granting roles: a co-reporter of a restricted incident holds none until PR or security grants it; the grantee is
told privately (a note with topic GRANTED, addressed to them: bot/delivery/plan.py posts it once in their DM)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import identity
from bot.ports import Actor, IncidentView, Notification, Outcome
from bot.triage import command_hints
from bot.triage.actors import actor_names, require_as
from bot.triage.core import (
    CoreDeps,
    InvalidRequest,
    build_view,
    load_incident,
    record,
    reporter_ids,
    reporter_rows,
    transaction,
)
from bot.triage.sanitize import storable
from bot.triage.short_input import fold
from storage.models import IncidentReporter, TimelineEvent

ROLE_GRANTED_EVENT = "role_granted"
GRANTED = "role_granted"  # the topic of the note to the grantee (audience: their user id, not a section)
MAX_USER_ID = 120


class RoleDesk:
    """Grants the reporter role of one incident to a colleague, as a PR member or security officer."""

    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    def require_grant(self, incident_id: int, actor: Actor) -> None:
        """Raise PermissionDenied (recorded, with the actor's name) unless the actor may grant on the incident: asked
        before a platform says how to name the grantee, so one who may not is refused first."""
        def check(session: Session) -> None:
            incident = load_incident(session, incident_id)
            require_as(self.deps.access, session, "grant", actor, incident_id, restricted=incident.restricted,
                       reporters=reporter_ids(session, incident_id))

        transaction(self.deps, check)

    def reporters_named(self, incident_id: int, actor: Actor, typed: str) -> tuple[bool, list[tuple[str, str]]]:
        """The incident's reporters (id, name) a typed name means: (True, those named exactly so, spaces ignored),
        else (False, those whose name holds it). Asked only by one who may grant: others are refused (recorded)."""
        key = "".join(fold(typed).lstrip("@").split())

        def work(session: Session) -> tuple[bool, list[tuple[str, str]]]:
            incident = load_incident(session, incident_id)
            require_as(self.deps.access, session, "grant", actor, incident_id, restricted=incident.restricted,
                       reporters=reporter_ids(session, incident_id))
            rows = [(row.user_id, row.name) for row in reporter_rows(session, incident_id).values() if row.name]
            exact = [(user, name) for user, name in rows if "".join(fold(name).split()) == key]
            return (True, exact) if exact else (False, [(user, name) for user, name in rows
                                                        if key and key in "".join(fold(name).split())])

        return transaction(self.deps, work)

    def require_report(self, actor: Actor) -> None:
        """Raise PermissionDenied (recorded) unless the actor may report at all: asked before a platform opens a
        report form, so an outsider (a guest, another organisation) is refused before typing into it."""
        transaction(self.deps, lambda session: require_as(self.deps.access, session, "report", actor, None,
                                                          restricted=False))

    def grant_reporter(self, incident_id: int, user_id: str, actor: Actor, name: str = "") -> Outcome:
        """Give `user_id` (called `name` on their platform) the reporter role on the incident (recorded); refused
        unless the actor may grant."""
        user_id = storable(user_id).strip()
        cat = self.deps.catalog
        if not names_someone(user_id) or len(user_id) > MAX_USER_ID:
            raise InvalidRequest(cat.t("grant.usage"))

        def work(session: Session) -> Outcome:
            incident = load_incident(session, incident_id, lock=True)
            reporters = reporter_ids(session, incident_id)
            require_as(self.deps.access, session, "grant", actor, incident_id, restricted=incident.restricted,
                       reporters=reporters)
            if user_id in self.deps.access.outsiders:
                raise InvalidRequest(cat.t("grant.outsider", user=user_id))
            row = reporter_rows(session, incident_id).get(user_id)
            view = build_view(self.deps, incident, reporters, actor.user_id)
            who = name or (row.name if row is not None else "") or user_id
            if row is not None and row.granted:
                # A retry after a crash: the grantee is told again unless the ledger says they were (once only).
                told = self._told(session, view, user_id, who, actor) if granted_before(session, view.id,
                                                                                        user_id) else ()
                return Outcome(incident=view, duplicate=True, notifications=told,
                               messages=(cat.t("grant.already", ref=view.ref, user=who),))
            now = self.deps.clock.now()
            if row is None:
                session.add(IncidentReporter(incident_id=incident_id, user_id=user_id, name=name, reported_at=now,
                                             granted=True))
            else:
                row.granted = True
            incident.updated_at = now
            session.flush()
            record(session, self.deps, incident_id, ROLE_GRANTED_EVENT, actor.user_id, new=user_id, role="reporter")
            view = build_view(self.deps, incident, reporter_ids(session, incident_id), actor.user_id)
            return Outcome(incident=view, notifications=self._told(session, view, user_id, who, actor),
                           messages=(cat.t("grant.done", ref=view.ref, user=who),))

        return transaction(self.deps, work)

    def told_again(self, incident_id: int, user_id: str, actor: Actor) -> Outcome:
        """The note to a grantee whose grant by `actor` a crash left untold (bot/delivery/resume.py), as the grant
        made it; nothing is recorded. No incident when `user_id` was never granted the role."""

        def work(session: Session) -> Outcome:
            incident = load_incident(session, incident_id)
            if not granted_before(session, incident_id, user_id):
                return Outcome(incident=None)
            row = reporter_rows(session, incident_id).get(user_id)
            view = build_view(self.deps, incident, reporter_ids(session, incident_id), user_id)
            who = (row.name if row is not None else "") or user_id
            named = actor_names(session, incident_id).get(actor.user_id)  # as the granter was named when granting
            by = Actor(actor.user_id, named, actor.platform) if named else actor
            return Outcome(incident=view, duplicate=True, notifications=self._told(session, view, user_id, who, by))

        return transaction(self.deps, work)

    def _told(self, session: Session, view: IncidentView, user_id: str, who: str,
              actor: Actor) -> tuple[Notification, ...]:
        """What the grantee reads in their own private chat: the incident (ref, kind), what the role lets them do,
        and where its conversation is; a restricted incident's report and conversation stay where they are."""
        cat = self.deps.catalog
        by = actor.display_name or actor.user_id
        body = [cat.t("grant.told_body", ref=view.ref, kind=view.kind_label, by=by),
                cat.platform_word("grant.told_private" if view.restricted else "grant.told_where",
                                  command_hints.platform_of(user_id))
                + command_hints.how(cat, "status", command_hints.platform_of(user_id), ref=view.ref, id=view.id)]
        return (Notification(incident_id=view.id, audience=user_id, level=1, section_name=who, mention=None,
                             title=cat.t("grant.told_title", ref=view.ref, kind=view.kind_label),
                             body="\n".join(body), acknowledgeable=False, topic=GRANTED),)


def granted_purpose(user_id: str) -> str:
    """The ledger purpose of the note telling `user_id` of their grant (hashed: an id may be longer than a purpose)."""
    return f"{GRANTED}:{hashlib.sha256(user_id.encode('utf-8')).hexdigest()[:24]}"


def granted_before(session: Session, incident_id: int, user_id: str) -> bool:
    """Whether someone granted `user_id` the role on the incident (not a reporter's own role)."""
    granted = session.execute(select(TimelineEvent.new_value).where(  # JSON: compared here, not in SQL
        TimelineEvent.incident_id == incident_id, TimelineEvent.type == ROLE_GRANTED_EVENT)).scalars()
    return user_id in {str(user) for user in granted}


def names_someone(user_id: str) -> bool:
    """Whether an id can be a user's: `console:` alone or `;;;` named nobody and was granted a role all the same."""
    local = user_id
    while local.partition(":")[0] in identity.PLATFORMS and local.partition(":")[1]:
        local = local.partition(":")[2]  # the console qualifies what was typed: console:slack: is still nobody
    return any(ch.isalnum() for ch in local) and not any(ch.isspace() for ch in local)
