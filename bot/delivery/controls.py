"""What follows a click on an incident's controls on every platform (step done or skipped, kind corrected,
acknowledged, ended): the core's answer turned into the delivery plan, kept once as intake.py is for reports. The
adapter translates the click, tells the clicker its own way and runs the plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import format_jst
from bot.delivery import closing, plan
from bot.delivery.content import Posted
from bot.delivery.ledger import step_told_purpose
from bot.ports import Actor, IncidentView, Outcome, StepView
from bot.records.service import RecordsDesk
from bot.triage import lifecycle
from bot.triage.lifecycle import IllegalTransition
from bot.triage.service import Triage

When = Callable[[datetime | None], str]  # a moment as people read it


@dataclass(frozen=True)
class Told(plan.Mark):
    """A mark recorded only when everything before it went through (the runner skips it otherwise): resume.py
    replays what has none."""

    needs_previous: bool = True


@dataclass(frozen=True)
class AfterControl:
    """The plan to run (`None`: nothing to show) and what the core said; `duplicate`: the click was a repeat."""

    plan: plan.Plan | None
    outcome: Outcome
    duplicate: bool = False


def step_done(triage: Triage, outcome: Outcome, actor: Actor, incident_id: int, step_id: str, now: str,
              platform: str, at: Posted | None = None, when: When | None = None,
              name_of: Callable[[str], str] | None = None, home_is_private: bool | None = None) -> AfterControl:
    """After steps.complete: a repeat (double click, a click after a crash) replays the first completion so the
    plan finishes its missing posts; the next step, the closed one updated in place (`at`: the clicked message),
    and at the end the closing review invitation and the records (closing.py), or, when the one who finished
    may not end it, the control that ends it on the acknowledged section notices (`when`: their time)."""
    duplicate = outcome.duplicate
    if duplicate:
        outcome = triage.steps.replay(incident_id, step_id, actor)
    view = outcome.incident
    if view is None:
        return AfterControl(None, outcome, duplicate)
    acked = when(view.acknowledged_at) if when is not None and view.acknowledged_at else None
    by = actor.display_name
    if outcome.completed_by is not None:  # a repeat: the card says who finished the step and when, not the clicker
        by, now = outcome.completed_by[0], format_jst(outcome.completed_by[1], triage.catalog.locale)
    # An answer that restricted it: `name_of` (the first reporter's name) and `home_is_private` as a merge's plan.
    reporter = name_of(view.reporter_id) if name_of is not None and outcome.became_restricted else ""
    steps = plan.progress(outcome, by, now, at=at, acked=acked, presser=actor.user_id, reporter_name=reporter,
                          home_is_private=home_is_private)
    if when is not None:
        steps = offering_end(triage, steps, outcome, when)
    steps = closing.at_end(steps, RecordsDesk(triage.deps), view, platform, ender=actor.user_id)
    done = outcome.completed_step
    if done is not None:  # last: all of it shown, or resume.py replays the press (the ledger posts what is missing)
        told = Told(view.id, step_told_purpose(view.kind, done.step_id, done.status), "")
        steps = plan.Plan(steps.incident_id or view.id, (*steps.ops, told), steps.severity, steps.lane,
                          steps.coalesce, steps.once)
    return AfterControl(steps, outcome, duplicate)


def offering_end(triage: Triage, steps: plan.Plan, outcome: Outcome, when: When) -> plan.Plan:
    """`steps` followed, when the last step is done, by what the acknowledged section notices now say: the control
    that ends it while it is still open (the one who finished it may not end it), or that it is 対応完了."""
    view = outcome.incident
    if view is None or not outcome.finished or view.acknowledged_at is None:
        return steps
    if awaits_end(view):
        offer = plan.end_offered(view, when(view.acknowledged_at), end_offer_text(triage, view))
    elif view.status == lifecycle.RESOLVED:  # ended by the last step: PR, who closes it, reads so on the notices
        said = triage.catalog.t("status_change.done", ref=view.ref, status=view.status_label)
        offer = plan.resolved_said(view, when(view.acknowledged_at), said)
    else:
        return steps
    return plan.Plan(steps.incident_id or view.id, steps.ops + (offer,), steps.severity, steps.lane,
                     steps.coalesce, steps.once)


def awaits_end(view: IncidentView) -> bool:
    """Whether an open incident's notices can carry the end control (they do once PR has acknowledged it)."""
    return lifecycle.is_open(view.status) and view.acknowledged_at is not None


def steps_finished(triage: Triage, view: IncidentView) -> bool:
    """Whether every step of the open incident is done or skipped (read as its first reporter sees it); only an
    incident in progress can be, so any other status costs no read."""
    return view.status == lifecycle.RESPONDING and triage.steps.current(view.id, view.reporter_id) is None


def open_steps(triage: Triage, view: IncidentView | None) -> tuple[StepView, ...]:
    """An ended incident's steps still pending (as its first reporter sees them): their cards still carry controls
    to withdraw. An open incident's (or none) cost no read."""
    if view is None or lifecycle.is_open(view.status):
        return ()
    return tuple(step for step in triage.steps.views(view.id, view.reporter_id) if step.status == "pending")


def end_offer_text(triage: Triage, view: IncidentView) -> str:
    """The notice's words next to the end control."""
    return triage.catalog.t("end.offer", ref=view.ref)


def end(triage: Triage, incident_id: int, actor: Actor, when: When, platform: str) -> AfterControl:
    """The end control (対応完了にする): the core's change_status decides (a bystander is refused and recorded);
    the conversation told once, the control taken off the notices, then the closing review and the records as
    at any end. A click again (a double click, a redelivery) ends nothing twice and finishes what a crash left."""
    cat = triage.catalog
    try:
        outcome, duplicate = triage.incidents.change_status(incident_id, lifecycle.RESOLVED, actor), False
    except IllegalTransition:
        view = triage.queries.view(incident_id, actor.user_id)
        if not closing.has_ended(view):
            raise
        said = cat.t("error.already_status", ref=view.ref, status=view.status_label)
        outcome, duplicate = Outcome(incident=view, duplicate=True, messages=(said,)), True
    view = outcome.incident
    if view is None:
        return AfterControl(None, outcome, duplicate)
    text = cat.t("status_change.done", ref=view.ref, status=view.status_label)  # closed meanwhile: said so
    steps = plan.ended(view, text, actor.user_id, when(view.acknowledged_at), open_steps(triage, view))
    return AfterControl(closing.at_end(steps, RecordsDesk(triage.deps), view, platform, ender=actor.user_id),
                        outcome, duplicate)


def correct_kind(triage: Triage, incident_id: int, kind: str, actor: Actor, name_of: Callable[[str], str], *,
                 home_is_private: bool) -> tuple[AfterControl, IncidentView]:
    """The kind corrected, with what the plan needs from before (the old kind and pending step, the reporter's
    name) and whether the conversation already lives privately; also the incident as it was."""
    before = triage.queries.view(incident_id, None)
    old_step = triage.steps.current(incident_id, actor.user_id)
    outcome = triage.incidents.correct_kind(incident_id, kind, actor)
    if outcome.incident is None:
        return AfterControl(None, outcome, outcome.duplicate), before
    view = outcome.incident
    acked = format_jst(view.acknowledged_at, triage.catalog.locale) if view.acknowledged_at else None
    steps = plan.kind_corrected(before, old_step, outcome, name_of(before.reporter_id),
                                home_is_private=home_is_private, acked=acked)
    return AfterControl(steps, outcome, outcome.duplicate), before


def acknowledge(triage: Triage, incident_id: int, actor: Actor, when: When, at: Posted | None = None) -> AfterControl:
    """The PR acknowledgement (the core decides who may): the reporters told, then the controls replaced, naming
    who acknowledged first and when (a repeat names them too, and finishes what a crash left); the steps already
    done, by the control that ends the incident; `at`: the card clicked (plan.UpdateNotices.clicked)."""
    outcome = triage.incidents.acknowledge(incident_id, actor)
    view = outcome.incident
    if view is None or not outcome.messages:
        return AfterControl(None, outcome, outcome.duplicate)
    steps = plan.acknowledged(outcome, view.acknowledged_by or actor.display_name, when(view.acknowledged_at),
                              end=steps_finished(triage, view), at=at)
    return AfterControl(steps, outcome, outcome.duplicate)


__all__ = ["AfterControl", "When", "step_done", "correct_kind", "acknowledge", "end", "offering_end", "awaits_end",
           "steps_finished", "end_offer_text", "open_steps"]
