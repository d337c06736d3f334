"""Granting roles: a co-reporter of a restricted incident holds none until PR or security grants it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import identity
from bot.ports import Actor, Outcome
from bot.triage.actors import require_as
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
from storage.models import IncidentReporter

ROLE_GRANTED_EVENT = "role_granted"
MAX_USER_ID = 120


class RoleDesk:
    """Grants the reporter role of one incident to a colleague, as a PR member or security officer."""

    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    def grant_reporter(self, incident_id: int, user_id: str, actor: Actor) -> Outcome:
        """Give `user_id` the reporter role on the incident (recorded); refused unless the actor may grant."""
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
            ref = build_view(self.deps, incident, reporters, actor.user_id).ref
            if row is not None and row.granted:
                return Outcome(incident=build_view(self.deps, incident, reporters, actor.user_id), duplicate=True,
                               messages=(cat.t("grant.already", ref=ref, user=user_id),))
            now = self.deps.clock.now()
            if row is None:
                session.add(IncidentReporter(incident_id=incident_id, user_id=user_id, name="", reported_at=now,
                                             granted=True))
            else:
                row.granted = True
            incident.updated_at = now
            session.flush()
            record(session, self.deps, incident_id, ROLE_GRANTED_EVENT, actor.user_id, new=user_id, role="reporter")
            view = build_view(self.deps, incident, reporter_ids(session, incident_id), actor.user_id)
            return Outcome(incident=view, messages=(cat.t("grant.done", ref=ref, user=user_id),))

        return transaction(self.deps, work)


def names_someone(user_id: str) -> bool:
    """Whether an id can be a user's: `console:` alone or `;;;` named nobody and was granted a role all the same."""
    local = user_id
    while local.partition(":")[0] in identity.PLATFORMS and local.partition(":")[1]:
        local = local.partition(":")[2]  # the console qualifies what was typed: console:slack: is still nobody
    return any(ch.isalnum() for ch in local) and not any(ch.isspace() for ch in local)
