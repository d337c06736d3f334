"""What follows a click on an incident's controls on every platform (step done or skipped, kind corrected,
acknowledged): the core's answer turned into the delivery plan, kept once as intake.py is for reports. The adapter
translates the click, tells the clicker its own way and runs the plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.delivery import closing, plan
from bot.delivery.content import Posted
from bot.ports import Actor, IncidentView, Outcome
from bot.records.service import RecordsDesk
from bot.triage.service import Triage

When = Callable[[datetime | None], str]  # a moment as people read it


@dataclass(frozen=True)
class AfterControl:
    """The plan to run (`None`: nothing to show) and what the core said; `duplicate`: the click was a repeat."""

    plan: plan.Plan | None
    outcome: Outcome
    duplicate: bool = False


def step_done(triage: Triage, outcome: Outcome, actor: Actor, incident_id: int, step_id: str, now: str,
              platform: str, at: Posted | None = None) -> AfterControl:
    """After steps.complete: a repeat (double click, a click after a crash) replays the first completion so the
    plan finishes its missing posts; the next step, the closed one updated in place (`at`: the clicked message),
    and at the end the closing review invitation and the records (closing.py)."""
    duplicate = outcome.duplicate
    if duplicate:
        outcome = triage.steps.replay(incident_id, step_id, actor)
    if outcome.incident is None:
        return AfterControl(None, outcome, duplicate)
    steps = plan.progress(outcome, actor.display_name, now, at=at)
    return AfterControl(closing.at_end(steps, RecordsDesk(triage.deps), outcome.incident, platform,
                                       ender=actor.user_id), outcome, duplicate)


def correct_kind(triage: Triage, incident_id: int, kind: str, actor: Actor, name_of: Callable[[str], str], *,
                 home_is_private: bool) -> tuple[AfterControl, IncidentView]:
    """The kind corrected, with what the plan needs from before (the old kind and pending step, the reporter's
    name) and whether the conversation already lives privately; also the incident as it was."""
    before = triage.queries.view(incident_id, None)
    old_step = triage.steps.current(incident_id, actor.user_id)
    outcome = triage.incidents.correct_kind(incident_id, kind, actor)
    if outcome.incident is None:
        return AfterControl(None, outcome, outcome.duplicate), before
    steps = plan.kind_corrected(before, old_step, outcome, name_of(before.reporter_id),
                                home_is_private=home_is_private)
    return AfterControl(steps, outcome, outcome.duplicate), before


def acknowledge(triage: Triage, incident_id: int, actor: Actor, when: When) -> AfterControl:
    """The PR acknowledgement (the core decides who may): the reporters told, then the controls replaced, naming
    who acknowledged first and when (a repeat names them too, and finishes what a crash left)."""
    outcome = triage.incidents.acknowledge(incident_id, actor)
    view = outcome.incident
    if view is None or not outcome.messages:
        return AfterControl(None, outcome, outcome.duplicate)
    steps = plan.acknowledged(outcome, view.acknowledged_by or actor.display_name, when(view.acknowledged_at))
    return AfterControl(steps, outcome, outcome.duplicate)


__all__ = ["AfterControl", "When", "step_done", "correct_kind", "acknowledge"]
