"""Colleagues who had replied in a report's public thread before it became restricted: the rule every platform
shares (bot/delivery/earlier_replies.py), with a fake port: who is noted, who is advised, once, and where from."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery import earlier_replies as er
from bot.delivery import plan
from bot.ports import Actor, ConversationRef, ReportInput
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, REPORT_CH, make_runner, origin

COLLEAGUE = "U_COLLEAGUE"


def _is_dm(channel: str) -> bool:
    return channel.startswith("D-")


def _reported(runtime: Runtime, port: FakePort, n: int):
    runner = make_runner(runtime, port)
    ts = f"{n}.1"
    outcome = runtime.triage.incidents.report(ReportInput(
        text=FLAMING.format(n=n), reporter=Actor(STAFF, STAFF, "fake"), idempotency_key=f"ev{n}",
        conversation=ConversationRef("fake", REPORT_CH, ts)))
    runner.run(plan.report(outcome, origin(ts=ts)))
    assert outcome.incident is not None
    return runner, outcome.incident, ts


def _to_leak(runtime: Runtime, runner, before) -> plan.Plan:
    old_step = runtime.triage.steps.current(before.id, STAFF)
    corrected = runtime.triage.incidents.correct_kind(before.id, "leak", Actor(PR, PR, "fake"))
    steps = plan.kind_corrected(before, old_step, corrected, STAFF, home_is_private=False)
    runner.run(steps)
    return steps


def _advised(port: FakePort) -> list[str]:
    return [s.place.channel for s in port.posts() if s.place and isinstance(s.content, c.Texts)
            and any("閲覧制限付き" in text and "削除" in text for text in s.content.texts)]


def test_noted_repliers_but_the_reporter_are_advised_once_after_the_move(runtime: Runtime) -> None:
    port = FakePort()
    runner, before, ts = _reported(runtime, port, 2111)
    queries = runtime.triage.queries
    assert er.note_replier(queries, runner.ledger, "fake", REPORT_CH, ts, COLLEAGUE, "r1")
    assert er.note_replier(queries, runner.ledger, "fake", REPORT_CH, ts, STAFF, "r2")
    assert not er.note_replier(queries, runner.ledger, "fake", REPORT_CH, "other.1", COLLEAGUE, "r3")
    assert er.advise_noted_repliers(runner, "fake", before.id, runtime.triage.catalog.t) == 0  # not restricted yet
    steps = _to_leak(runtime, runner, before)
    assert er.moved_private(steps) and not er.moved_private(None)
    assert not er.note_replier(queries, runner.ledger, "fake", REPORT_CH, ts, "U_LATE", "r4")  # advised at once
    assert er.advise_noted_repliers(runner, "fake", before.id, runtime.triage.catalog.t) == 1
    er.advise_noted_repliers(runner, "fake", before.id, runtime.triage.catalog.t)  # again: posted once only
    assert _advised(port) == [f"D-{COLLEAGUE}"]


def test_the_former_public_thread_is_found_only_for_a_restricted_public_report(runtime: Runtime) -> None:
    port = FakePort()
    runner, before, ts = _reported(runtime, port, 2112)
    queries = runtime.triage.queries
    assert er.former_thread(queries, "fake", before.id, _is_dm) is None  # not restricted
    _to_leak(runtime, runner, before)
    found = er.former_thread(queries, "fake", before.id, _is_dm)
    assert found is not None and found[1:] == (REPORT_CH, ts) and found[0].restricted
    assert er.former_thread(queries, "fake", before.id, lambda channel: True) is None  # a private report
    assert "INC-" in er.advice(found[0], runtime.triage.catalog.t)


def test_each_replier_is_advised_once_and_never_a_reporter() -> None:
    assert er.to_advise(["U1", "U2", "U1", "U3", "U2"], ["U3"]) == ["U1", "U2"]
    assert er.to_advise(iter(["U1"]), iter(["U1"])) == []
