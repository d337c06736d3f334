"""Ending an incident from its control (bot/delivery/controls.py end, offering_end): one rule for every platform,
the real core, the plan checked as data and run through the fake port."""

from __future__ import annotations

import pytest

from bot.delivery import closing, controls, plan
from bot.delivery import content as c
from bot.delivery.content import Place
from bot.ports import Actor, Outcome
from bot.triage.access import PermissionDenied
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_controls import NOW, when
from tests.delivery.test_delivery_plan import FLAMING, LEAK, make_runner, origin, report
from tests.helpers import answers_for

STAFF_ACTOR = Actor(STAFF, "担当 山田", "fake")


def _reported(runtime: Runtime, port: FakePort, text: str, n: int) -> int:
    outcome = report(runtime, text.format(n=n), key=f"ev{n}")
    assert outcome.incident is not None
    make_runner(runtime, port).run(plan.report(outcome, origin()))
    return outcome.incident.id


def _walk(runtime: Runtime, incident_id: int, skip: bool = False) -> controls.AfterControl:
    """Every step answered (or skipped) by the reporter; what followed the last one."""
    triage = runtime.triage
    after = None
    while (step := triage.steps.current(incident_id, STAFF)) is not None:
        outcome = triage.steps.complete(incident_id, step.step_id, STAFF_ACTOR, skip=skip,
                                        answers=None if skip else answers_for(step))
        after = controls.step_done(triage, outcome, STAFF_ACTOR, incident_id, step.step_id, NOW, "fake", when=when)
    assert after is not None
    return after


def _offers(steps: plan.Plan | None) -> list[c.NoticeAcknowledged]:
    assert steps is not None
    return [op.content for op in steps.ops if isinstance(op, plan.UpdateNotices)
            and isinstance(op.content, c.NoticeAcknowledged) and op.content.end]


def test_a_leak_finished_by_its_reporter_offers_the_end_on_the_acknowledged_notices(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, LEAK, 1)
    controls.acknowledge(runtime.triage, incident_id, Actor(PR, "広報 佐藤", "fake"), when)
    after = _walk(runtime, incident_id)
    assert after.outcome.finished and after.outcome.incident is not None
    assert after.outcome.incident.status == "responding"
    [offer] = _offers(after.plan)
    assert offer.by == "広報 佐藤" and offer.when.startswith("at ") and "手順はすべて終わりました" in offer.text
    said = after.outcome.messages[-1]
    assert "対応完了にするのは広報担当または情報セキュリティ担当です。このままお待ちください" in said
    assert not any(isinstance(op, (plan.Upload, plan.Post)) and op.purpose == closing.REVIEW_INVITE
                   for op in after.plan.ops)  # type: ignore[union-attr]
    # Only the platforms that can show the control pass `when`; the offer is never a public post.
    assert all(isinstance(op, plan.UpdateNotices) or op.where != plan.SECTION  # type: ignore[union-attr]
               for op in after.plan.ops if isinstance(op, (plan.Post, plan.UpdateNotices)))


def test_finished_before_the_ack_the_acknowledgement_brings_the_control(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING, 2)
    after = _walk(runtime, incident_id)
    assert after.outcome.incident is not None and after.outcome.incident.status == "responding"
    assert _offers(after.plan) == []  # nobody has acknowledged: the notice still asks for that first
    assert "広報担当の確認のあとで対応完了になります" in after.outcome.messages[-1]
    acked = controls.acknowledge(runtime.triage, incident_id, Actor(PR, "広報 佐藤", "fake"), when)
    assert [o.by for o in _offers(acked.plan)] == ["広報 佐藤"]


def test_a_reporter_who_may_end_it_ends_it_with_no_control(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING, 3)
    acked = controls.acknowledge(runtime.triage, incident_id, Actor(PR, "広報 佐藤", "fake"), when)
    assert _offers(acked.plan) == []  # no step done yet
    after = _walk(runtime, incident_id)
    assert after.outcome.incident is not None and after.outcome.incident.status == "resolved"
    assert _offers(after.plan) == []


def test_required_steps_skipped_leave_the_end_to_pr_with_the_control(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING, 5)
    controls.acknowledge(runtime.triage, incident_id, Actor(PR, "広報 佐藤", "fake"), when)
    after = _walk(runtime, incident_id, skip=True)
    assert after.outcome.incident is not None and after.outcome.incident.status == "responding"
    assert len(_offers(after.plan)) == 1
    assert "必須の手順がスキップされています" in after.outcome.messages[-1]
    assert "対応完了にします" in after.outcome.messages[-1]  # who ends it, whatever held it open


def test_the_core_decides_who_ends_it_once_and_the_records_follow(runtime: Runtime) -> None:
    port = FakePort()
    triage = runtime.triage
    incident_id = _reported(runtime, port, LEAK, 4)
    controls.acknowledge(triage, incident_id, Actor(PR, "広報 佐藤", "fake"), when)
    _walk(runtime, incident_id)
    for refused in (OTHER, STAFF):  # a bystander, and the restricted incident's own reporter
        with pytest.raises(PermissionDenied):
            controls.end(triage, incident_id, Actor(refused, refused, "slack"), when, "slack")
    events = [e.type for e in triage.queries.timeline(incident_id, None)]
    assert events.count("access_denied") == 2 and triage.queries.view(incident_id, None).status == "responding"

    security = Actor(SECURITY, "情報 守", "slack")
    after = controls.end(triage, incident_id, security, when, "slack")  # the records go to slack: users' DMs
    assert not after.duplicate and after.plan is not None and after.outcome.incident is not None
    assert after.outcome.incident.status == "resolved"
    ops = after.plan.ops
    told, notices = ops[0], ops[1]
    assert isinstance(told, plan.Post) and told.purpose == plan.ENDED_TOLD and told.where == plan.HOME
    assert isinstance(notices, plan.UpdateNotices) and isinstance(notices.content, c.NoticeAcknowledged)
    assert not notices.content.end  # the control taken off
    invite = [op for op in ops if isinstance(op, plan.Post) and op.purpose == closing.REVIEW_INVITE]
    assert [op.where for op in invite] == [Place(SECURITY)]  # asked of the one who ended it, in private
    uploads = [op for op in ops if isinstance(op, plan.Upload)]
    assert uploads and all(op.where != plan.SECTION for op in uploads)  # restricted: DMs only
    runner = make_runner(runtime, port)
    runner.run(after.plan)
    made = len(port.calls)

    assert port.posts() and [s for s in port.calls if s.method == "upload"]
    again = controls.end(triage, incident_id, security, when, "slack")  # a second click, a redelivery
    assert again.duplicate and isinstance(again.outcome, Outcome) and again.plan is not None
    assert "すでに「対応完了」です" in again.outcome.messages[0]
    runner.run(again.plan)  # what a crash left would be finished; here everything was shown already
    assert [s for s in port.calls[made:] if s.method in ("post", "upload")] == []  # nothing posted twice
    events = [e.type for e in triage.queries.timeline(incident_id, None)]
    assert events.count("status_changed") == 3  # acknowledged, responding, resolved: resolved once


def test_resolved_by_the_last_step_the_acknowledged_notices_say_so(runtime: Runtime) -> None:
    """Session 17 Slack walk #1: the reporter finished the last step and the incident became 対応完了, but PR's
    notice still read only 「確認しました」: PR, who closes it (終結), was not told it awaited that."""
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING, 7)
    controls.acknowledge(runtime.triage, incident_id, Actor(PR, "広報 佐藤", "fake"), when)
    after = _walk(runtime, incident_id)
    assert after.outcome.incident is not None and after.outcome.incident.status == "resolved"
    said = [op.content for op in after.plan.ops if isinstance(op, plan.UpdateNotices)  # type: ignore[union-attr]
            and isinstance(op.content, c.NoticeAcknowledged)]
    assert [(n.by, n.end) for n in said] == [("広報 佐藤", False)]
    assert said[0].note == f"INC-{incident_id:04d} の状態を「対応完了」にしました。" and said[0].when.startswith("at ")
    make_runner(runtime, port).run(after.plan)
    assert any(s.method == "update" and isinstance(s.content, c.NoticeAcknowledged) for s in port.calls)


def test_resolved_by_the_last_step_before_any_ack_leaves_the_notices_asking_for_it(runtime: Runtime) -> None:
    """Without an acknowledgement there is nothing to redraw: the notice keeps its acknowledge control."""
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING, 8)
    triage = runtime.triage
    pr = Actor(PR, "広報 佐藤", "fake")
    after = None
    while (step := triage.steps.current(incident_id, PR)) is not None:
        outcome = triage.steps.complete(incident_id, step.step_id, pr, answers=answers_for(step))
        after = controls.step_done(triage, outcome, pr, incident_id, step.step_id, NOW, "fake", when=when)
    assert after is not None and after.outcome.incident is not None
    assert after.outcome.incident.status == "resolved" and after.outcome.incident.acknowledged_at is None
    assert not any(isinstance(op, plan.UpdateNotices) for op in after.plan.ops)  # type: ignore[union-attr]
