"""Who acted on an incident: the access check for an action, and the actor's name kept for the records."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ports import Actor
from bot.triage.access import AccessPolicy, PermissionDenied
from storage.models import Incident, IncidentActor, IncidentReporter


def require_as(access: AccessPolicy, session: Session, action: str, actor: Actor, incident_id: int | None, *,
               restricted: bool, reporters: Iterable[str] = ()) -> None:
    """`AccessPolicy.require` for an actor: a refusal carries their name; an allowed non-reporter's name is kept."""
    reporters = list(reporters)
    try:
        access.require(action, actor.user_id, incident_id, restricted=restricted,  # type: ignore[arg-type]
                       reporters=reporters)
    except PermissionDenied as denied:
        denied.name = actor.display_name  # the refused attempt is recorded after a rollback: keep who it was
        raise
    if actor.user_id not in reporters:  # reporters are named by their own rows; their steps cost nothing here
        keep_name(session, incident_id, actor.user_id, actor.display_name)


def keep_name(session: Session, incident_id: int | None, user_id: str, name: str) -> None:
    """Keep (or update) the name a colleague acts under on an incident, in the caller's transaction."""
    if incident_id is None or not name:
        return
    row = session.execute(select(IncidentActor).where(IncidentActor.incident_id == incident_id,
                                                      IncidentActor.user_id == user_id)).scalar_one_or_none()
    if row is None:
        session.add(IncidentActor(incident_id=incident_id, user_id=user_id, name=name))
    elif row.name != name:
        row.name = name


def actor_names(session: Session, incident_id: int) -> dict[str, str]:
    """Colleagues' names on an incident by user id (blank once erased: left out)."""
    return {user: name for user, name in session.execute(select(IncidentActor.user_id, IncidentActor.name).where(
        IncidentActor.incident_id == incident_id)) if name}


def acted_as(session: Session, incident: Incident, user_id: str) -> str:
    """The name a user acted under on an incident: as a reporter, else as a colleague who acted (the id if none)."""
    if user_id == incident.reporter_id and incident.reporter_name:
        return incident.reporter_name
    named = session.execute(select(IncidentReporter.name).where(IncidentReporter.incident_id == incident.id,
                                                                IncidentReporter.user_id == user_id)).scalar()
    return named or actor_names(session, incident.id).get(user_id) or user_id
