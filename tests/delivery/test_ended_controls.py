"""An ended incident's controls withdrawn (plan.WithdrawControls, bot/delivery/withdrawing.py): the kind card and
the pending step's cards, once per end through the ledger; a failed redraw is done again by the next delivery."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery import controls, plan
from bot.delivery.content import DeliveryError
from bot.ports import Actor
from bot.triage import lifecycle
from bot.wiring import Runtime
from tests.conftest import PR
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, make_runner, origin, report


def _declined(runtime: Runtime, port: FakePort) -> plan.Plan:
    outcome = report(runtime, FLAMING.format(n=1))
    assert outcome.incident is not None
    make_runner(runtime, port).run(plan.report(outcome, origin()))
    triage = runtime.triage
    ended = triage.incidents.change_status(outcome.incident.id, lifecycle.DECLINED, Actor(PR, "広報 太郎", "fake"),
                                          reason="いたずらでした")
    return plan.notices(ended, PR, controls.open_steps(triage, ended.incident))


def _withdrawn(port: FakePort) -> list[c.ControlsWithdrawn]:
    return [sent.content for sent in port.of("update") if isinstance(sent.content, c.ControlsWithdrawn)]


def test_a_declined_incidents_kind_card_and_pending_step_are_withdrawn_once(runtime: Runtime) -> None:
    port = FakePort()
    steps = _declined(runtime, port)
    [op] = [op for op in steps.ops if isinstance(op, plan.WithdrawControls)]
    assert op.steps[0].index == 1 and {step.status for step in op.steps} == {"pending"}  # none done
    runner = make_runner(runtime, port)
    assert runner.run(steps).failures == []
    withdrawn = _withdrawn(port)
    assert [w.step.index if w.step else None for w in withdrawn] == [None, 1]  # the intro's and step 1's card
    assert runner.run(steps).failures == []  # a redelivery: the ledger's mark says it was done
    assert len(_withdrawn(port)) == 2


def test_a_failed_redraw_is_done_again_by_the_next_delivery(runtime: Runtime) -> None:
    port = FakePort()
    steps = _declined(runtime, port)
    runner = make_runner(runtime, port)
    port.fail("update", DeliveryError("ratelimited_not"), times=3)  # the notices' redraw and the intro's
    assert runner.run(steps).failures
    runner.run(steps)
    assert [w.step.index if w.step else None for w in _withdrawn(port)] == [None, 1]


def test_the_end_control_withdraws_the_kind_card_and_any_pending_step(runtime: Runtime) -> None:
    """対応完了にする (controls.end): the same withdrawal as a command's end, the steps still pending included."""
    port = FakePort()
    outcome = report(runtime, FLAMING.format(n=2), key="ev2")
    assert outcome.incident is not None
    runner = make_runner(runtime, port)
    runner.run(plan.report(outcome, origin()))
    after = controls.end(runtime.triage, outcome.incident.id, Actor(PR, "広報 太郎", "fake"), lambda at: "10:00",
                         "fake")
    assert after.plan is not None and after.outcome.incident is not None
    assert after.outcome.incident.status == lifecycle.RESOLVED
    runner.run(after.plan)
    assert [w.step.index if w.step else None for w in _withdrawn(port)] == [None, 1]
    assert all(w.view.status_label == "対応完了" for w in _withdrawn(port))
