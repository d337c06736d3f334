"""Resume finishes a step press the process died after (session 14 Teams walk #7), platform-free: the press's
plan replayed once through the platform's runner, for presses by that platform's users only; the harness with a
real SIGKILL is tests/reliability/test_step_resume.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.resume import resume_all, resume_steps
from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, make_runner, origin


@pytest.mark.parametrize(("platform", "finds"), [("slack", True), ("teams", False), ("lineworks", False)])
def test_a_press_whose_posts_a_crash_cut_is_finished_once_by_resume(runtime: Runtime, platform: str,
                                                                    finds: bool) -> None:
    port = FakePort(platform=platform, finds_posted=finds)
    runner = make_runner(runtime, port)
    triage = runtime.triage
    user = f"{platform}:staff-1"
    actor = Actor(user, "担当 山田", platform)
    outcome = triage.incidents.report(ReportInput(text=FLAMING.format(n=31), reporter=actor, idempotency_key="e31"))
    assert outcome.incident is not None and outcome.step is not None
    incident_id = outcome.incident.id
    runner.run(plan.report(outcome, origin(user)))
    [card] = [call.posted for call in port.posts() if isinstance(call.content, c.Step)]
    triage.steps.complete(incident_id, outcome.step.step_id, actor, skip=True)  # then the process died
    later = triage.deps.clock.now() + timedelta(minutes=30)
    assert resume_steps(triage, "console", later, lambda who: who, runner.run) == 0  # another platform's users
    assert resume_all(triage, platform, later, show=lambda o: None, tell=lambda i, u: None,
                      name_of=lambda who: "担当 山田", run=runner.run) == 1
    steps = [call for call in port.posts() if isinstance(call.content, c.Step)]
    assert [call.content.step.step_id for call in steps] == ["intake", "report"]
    closed = [call for call in port.of("update") if call.posted == card]
    assert len(closed) == 1 and isinstance(closed[0].content, c.StepClosed)
    assert "担当 山田" in closed[0].content.by  # who pressed it, as the database has it
    assert resume_steps(triage, platform, later, lambda who: who, runner.run) == 0  # finished: nothing again
    assert len([call for call in port.posts() if isinstance(call.content, c.Step)]) == 2
