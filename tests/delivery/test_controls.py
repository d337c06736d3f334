"""What follows a click on an incident's controls, kept once for every platform (bot/delivery/controls.py):
the real core, the plan checked as data and run through the fake port (no platform, no HTTP)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.clock import format_jst
from bot.delivery import content as c
from bot.delivery import controls, plan
from bot.delivery.content import Place, Posted
from bot.ports import Actor
from bot.triage.access import PermissionDenied
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, PR_CH, REPORT_CH, make_runner, origin, report

NOW = "12月5日 10:00"


def when(at: datetime | None) -> str:
    return "at " + format_jst(at, "ja") if at else NOW


def reported(runtime: Runtime, port: FakePort, n: int = 1) -> int:
    """A flaming report, its posts delivered; the incident id."""
    outcome = report(runtime, FLAMING.format(n=n), key=f"ev{n}")
    assert outcome.incident is not None
    make_runner(runtime, port).run(plan.report(outcome, origin()))
    return outcome.incident.id


def test_a_step_done_posts_the_next_step_and_closes_the_clicked_one_and_a_repeat_finishes_the_same(
        runtime: Runtime) -> None:
    port = FakePort()
    incident_id = reported(runtime, port)
    triage, staff = runtime.triage, Actor(STAFF, "担当 山田", "fake")
    first = triage.steps.current(incident_id, STAFF)
    assert first is not None
    clicked = Posted(REPORT_CH, "200.1")
    outcome = triage.steps.complete(incident_id, first.step_id, staff, skip=True)
    after = controls.step_done(triage, outcome, staff, incident_id, first.step_id, NOW, "fake", at=clicked)
    assert after.plan is not None and not after.duplicate
    # Nothing else until the end (the next step's copy for the presser is posted only if they hold the card's copy).
    expected = plan.progress(outcome, "担当 山田", NOW, at=clicked, presser=STAFF)
    # … and last the mark that all of it was shown (resume.py replays a press without it).
    assert after.plan.ops[:-1] == expected.ops and isinstance(after.plan.ops[-1], controls.Told)
    assert after.plan.ops[-1].purpose == f"step_told:flaming:{first.step_id}:skipped"
    again = triage.steps.complete(incident_id, first.step_id, staff, skip=True)  # a double click
    repeat = controls.step_done(triage, again, staff, incident_id, first.step_id, NOW, "fake", at=clicked)
    assert again.duplicate and repeat.duplicate and repeat.plan is not None  # the ledger skips what was shown
    assert [(type(op), getattr(op, "purpose", None)) for op in repeat.plan.ops] == [
        (type(op), getattr(op, "purpose", None)) for op in after.plan.ops]
    # The repeat's card names who finished the step as the incident recorded them (the report was made under the
    # user's id as its name here) and when, not the clicker at the time of the click (session 14 Teams walk #3).
    [redrawn] = [op for op in repeat.plan.ops if isinstance(op, plan.UpdateStep)]
    assert redrawn.content.by == STAFF and redrawn.content.when != NOW  # type: ignore[union-attr]
    runner = make_runner(runtime, port)
    runner.run(after.plan)
    posted = len(port.posts())
    runner.run(repeat.plan)
    assert len(port.posts()) == posted
    closed = [s for s in port.of("update") if isinstance(s.content, c.StepClosed)]
    assert closed and {s.content.by for s in closed} <= {"担当 山田", STAFF}  # type: ignore[union-attr]


def test_a_kind_correction_is_planned_from_the_incident_as_it_was(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = reported(runtime, port, 3)
    triage, staff = runtime.triage, Actor(STAFF, STAFF, "fake")
    named: list[str] = []

    def name_of(user: str) -> str:
        named.append(user)
        return "担当 山田"

    after, before = controls.correct_kind(triage, incident_id, "leak", staff, name_of, home_is_private=False)
    assert before.kind == "flaming" and not before.restricted and named == [STAFF]
    assert after.plan is not None and after.outcome.incident is not None and after.outcome.incident.restricted
    first = after.plan.ops[0]
    assert isinstance(first, plan.UpdateNotices) and isinstance(first.content, c.NoticeRedacted)  # redact first
    assert any(isinstance(op, plan.MovePrivate) for op in after.plan.ops)  # the conversation goes private
    private, _ = controls.correct_kind(triage, incident_id, "leak", Actor(PR, PR, "fake"), name_of,
                                       home_is_private=True)
    assert private.duplicate and private.plan is not None  # chosen again: the redaction again, nothing moves
    assert not any(isinstance(op, plan.MovePrivate) for op in private.plan.ops)


def test_an_acknowledgement_names_who_and_when_and_a_repeat_plans_the_same(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = reported(runtime, port, 4)
    triage = runtime.triage
    with pytest.raises(PermissionDenied):  # the core decides who may
        controls.acknowledge(triage, incident_id, Actor(STAFF, STAFF, "fake"), when)
    pr = Actor(PR, "広報 佐藤", "fake")
    after = controls.acknowledge(triage, incident_id, pr, when)
    assert after.plan is not None and not after.duplicate and after.outcome.messages
    done = [op for op in after.plan.ops if isinstance(getattr(op, "content", None), c.NoticeAcknowledged)]
    assert done and all(op.content.by == "広報 佐藤" and op.content.when.startswith("at ")  # type: ignore[attr-defined]
                        for op in done)
    repeat = controls.acknowledge(triage, incident_id, pr, when)
    assert repeat.duplicate and repeat.plan is not None  # clicked again: who and when, and the plan finishes
    assert [(op.content.by, op.content.when) for op in repeat.plan.ops  # type: ignore[attr-defined]
            if isinstance(op, plan.UpdateNotices)] == [(op.content.by, op.content.when) for op in done]
    make_runner(runtime, port).run(after.plan)
    told = port.posts(REPORT_CH)[-1]
    assert told.place == Place(REPORT_CH, "100.1") and "広報 佐藤" in told.content.texts[0]  # type: ignore[union-attr]
    assert port.posts(PR_CH)
