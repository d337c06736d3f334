"""An incident's standing for one asker (状況 INC-0002): its steps and who did them, who was told and who
acknowledged; only for those the access policy lets see its details (a refusal is recorded as every refusal is)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ports import Actor, IncidentView, StepView
from bot.triage import lifecycle
from bot.triage.access import PermissionDenied
from bot.triage.actors import acted_as
from bot.triage.core import CoreDeps, build_view, load_incident, reporter_ids, transaction
from bot.triage.steps import StepRunner
from storage.models import StepState, TimelineEvent

NOTICE_EVENTS = ("notified", "escalated")
# A section notice the platform refused: the runner's `delivery_failed` under this action, the scheduler's
# `notify_failed`. The last of them after the last notice sent means nobody may have been told (walk s21 #5).
SECTION_NOTICE = "section_notice"
FAILED_EVENTS = ("delivery_failed", "notify_failed")


@dataclass(frozen=True)
class StepDone:
    """A step done or skipped: its place in the playbook, by whom (their name) and when."""

    index: int
    title: str
    status: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Standing:
    """What the asker may read of an incident now; `can_act`: they may carry out its current step."""

    view: IncidentView
    current: StepView | None
    done: tuple[StepDone, ...]
    notified: tuple[tuple[str, datetime], ...]  # (section name, when), in order
    acknowledged: tuple[str, datetime] | None
    can_act: bool
    unreached: tuple[str, datetime] | None = None  # the sections whose last notice was refused, and when


class StandingDesk:
    """Reads an incident's standing for an asker allowed to see its details."""

    def __init__(self, deps: CoreDeps, steps: StepRunner) -> None:
        self.deps = deps
        self.steps = steps

    def standing(self, incident_id: int, actor: Actor) -> Standing:
        """The standing, or PermissionDenied (recorded) / IncidentNotFound."""
        def work(session: Session) -> tuple[IncidentView, dict[str, tuple[str, str, datetime]], list[TimelineEvent],
                                            bool]:
            incident = load_incident(session, incident_id)
            reporters = reporter_ids(session, incident_id)
            access = self.deps.access
            try:
                access.require("view_details", actor.user_id, incident_id, restricted=incident.restricted,
                               reporters=reporters)
            except PermissionDenied as denied:
                denied.name = actor.display_name  # recorded after the rollback: keep who it was
                raise
            rows = session.execute(select(StepState).where(StepState.incident_id == incident_id,
                                                           StepState.kind == incident.kind)).scalars().all()
            states = {row.step_id: (row.status, acted_as(session, incident, row.actor), row.updated_at)
                      for row in rows if row.status in ("done", "skipped")}
            events = list(session.execute(select(TimelineEvent).where(
                TimelineEvent.incident_id == incident_id, TimelineEvent.type.in_(NOTICE_EVENTS + FAILED_EVENTS))
                .order_by(TimelineEvent.seq)).scalars().all())
            can_act = lifecycle.is_open(incident.status) and access.allows(
                "answer_step", actor.user_id, restricted=incident.restricted, reporters=reporters)
            return build_view(self.deps, incident, reporters, actor.user_id), states, events, can_act

        view, states, events, can_act = transaction(self.deps, work)
        steps = self.steps.views(incident_id, actor.user_id)
        done = tuple(StepDone(step.index, step.title, states[step.step_id][0], states[step.step_id][1],
                              states[step.step_id][2]) for step in steps if step.step_id in states)
        open_ = lifecycle.is_open(view.status)
        current = next((step for step in steps if step.status == "pending"), None) if open_ else None
        acked = (view.acknowledged_by or "", view.acknowledged_at) if view.acknowledged_at else None
        sent = [event for event in events if event.type in NOTICE_EVENTS]
        failed = [event for event in events if event.type == "notify_failed" or (
            event.type == "delivery_failed" and (event.data or {}).get("action") == SECTION_NOTICE)]
        unreached = (self._told(sent[-1])[0], failed[-1].at) if (
            sent and failed and not acked and failed[-1].seq > sent[-1].seq) else None
        return Standing(view, current, done, tuple(self._told(event) for event in sent), acked, can_act, unreached)

    def _told(self, event: TimelineEvent) -> tuple[str, datetime]:
        """The sections a notice went to, by the profile's names, and when."""
        data = event.data or {}
        keys = list(data.get("sections") or []) or [str(event.new_value or "")]
        locale = self.deps.catalog.locale
        names = [self._section(key, locale) for key in keys if key]
        return "、".join(names) if locale == "ja" else ", ".join(names), event.at

    def _section(self, key: str, locale: str) -> str:
        try:
            return self.deps.profile.section_name(key, locale)
        except KeyError:  # a section app.yaml no longer names: its key, as recorded
            return key


__all__ = ["SECTION_NOTICE", "Standing", "StandingDesk", "StepDone"]
