"""An edit that restricts its incident, planned on a platform's runner (bot/delivery/edits.py restricted_edit_plan):
the port says which conversations are private, and only the first delivery of the edit advises earlier repliers."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.content import Place
from bot.delivery.edits import advises_earlier_repliers, record_edit, restricted_edit_plan
from bot.ports import Actor, ConversationRef, ReportInput
from bot.wiring import Runtime
from tests.conftest import STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, REPORT_CH, make_runner, origin

PERSONAL = "。晒されているのは申請者の携帯 090-1234-5678 です"


class DmPort(FakePort):
    """A port whose private conversations are the DMs ("D-…")."""

    def is_private(self, channel: str) -> bool:
        return channel.startswith("D-")


def _reported(runtime: Runtime, port: FakePort, n: int, channel: str = REPORT_CH):
    ts = f"{n}.1"
    text = FLAMING.format(n=n)
    outcome = runtime.triage.incidents.report(ReportInput(
        text, Actor(STAFF, STAFF, "fake"), idempotency_key=f"ev{n}", explicit=True,
        conversation=ConversationRef("fake", channel, ts)))
    runner = make_runner(runtime, port)
    runner.run(plan.report(outcome, origin(ts=ts) if channel == REPORT_CH else plan.Origin(
        "message", Place(channel, ts), STAFF, STAFF, public=False)))
    return runner, text, ts


def _edit(runtime: Runtime, text: str, channel: str, ts: str):  # noqa: ANN202
    return record_edit(runtime.triage, "fake", channel, ts, Actor(STAFF, STAFF, "fake"), text, edited_at="9.9",
                       t=runtime.triage.catalog.t)


def test_a_public_reports_restricting_edit_moves_it_private_and_advises_once(runtime: Runtime) -> None:
    port = DmPort()
    runner, text, ts = _reported(runtime, port, 2121)
    edited = _edit(runtime, text + PERSONAL, REPORT_CH, ts)
    assert edited is not None
    steps = restricted_edit_plan(edited, Place(REPORT_CH, ts), STAFF, runner, lambda who: "山田")
    assert steps is not None and any(isinstance(op, plan.MovePrivate) for op in steps.ops)
    assert advises_earlier_repliers(steps, edited)
    # The same edit delivered again before the move ran (a crash): it moves, but its repliers were advised already.
    again = _edit(runtime, text + PERSONAL, REPORT_CH, ts)
    assert again is not None and again.outcome.duplicate
    repeat = restricted_edit_plan(again, Place(REPORT_CH, ts), STAFF, runner, lambda who: "山田")
    assert repeat is not None and any(isinstance(op, plan.MovePrivate) for op in repeat.ops)
    assert not advises_earlier_repliers(repeat, again)
    assert runner.run(steps).failures == []
    assert [type(s.content) for s in port.posts(REPORT_CH)][-1] == c.PrivateLine


def test_an_ordinary_edit_plans_nothing(runtime: Runtime) -> None:
    port = DmPort()
    runner, text, ts = _reported(runtime, port, 2122)
    edited = _edit(runtime, text + "（追記）", REPORT_CH, ts)
    assert edited is not None and not edited.outcome.became_restricted
    assert restricted_edit_plan(edited, Place(REPORT_CH, ts), STAFF, runner, lambda who: "山田") is None


def test_a_report_in_a_private_conversation_is_not_moved(runtime: Runtime) -> None:
    port = DmPort()
    dm = f"D-{STAFF}"
    runner, text, ts = _reported(runtime, port, 2123, channel=dm)
    edited = _edit(runtime, text + PERSONAL, dm, ts)
    assert edited is not None and edited.outcome.became_restricted
    steps = restricted_edit_plan(edited, Place(dm, ts), STAFF, runner, lambda who: "山田")
    assert steps is not None and not any(isinstance(op, plan.MovePrivate) for op in steps.ops)
    assert not advises_earlier_repliers(steps, edited)
