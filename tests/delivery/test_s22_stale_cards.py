"""Shrunk from the s22 scenario generator: a step card outside a restricted incident's private conversation (its old
public card, clicked late or re-run by the inbox) is never redrawn with the step's answers."""

from __future__ import annotations

import pytest

from bot.delivery import content as c
from bot.delivery import controls, plan, status
from bot.delivery.content import Place
from bot.delivery.edits import record_reply, reply_plan
from bot.delivery.ledger import step_purpose
from bot.ports import Actor, ConversationRef, ReportInput
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.delivery.test_delivery_plan import FLAMING, REPORT_CH, make_runner, origin
from tests.delivery.test_s21_replyleak import DmPort

URL = "https://x.com/someone/status/2201"


def _restricted_by_a_reply(runtime: Runtime, port: DmPort):  # noqa: ANN202
    """A 炎上 reported in public, then a colleague's reply with personal data restricts it and moves it private."""
    outcome = runtime.triage.incidents.report(ReportInput(
        FLAMING.format(n=2201), Actor(STAFF, "山田 花子", "fake"), idempotency_key="ev2201", explicit=True,
        kind_hint="flaming", conversation=ConversationRef("fake", REPORT_CH, "2201.1")))
    assert outcome.incident is not None and outcome.step is not None
    runner = make_runner(runtime, port)
    assert runner.run(plan.report(outcome, origin(ts="2201.1"))).failures == []
    public_card = runner.ledger.posted(outcome.incident.id, step_purpose("flaming", outcome.step.step_id))
    assert public_card is not None and public_card.channel == REPORT_CH
    replied = record_reply(runtime.triage, "fake", REPORT_CH, "2201.1", "2201.5", Actor("slack:U_X", "佐藤", "fake"),
                           "申請者は山田太郎さん、090-1234-5678です")
    assert replied is not None
    steps = reply_plan(replied, Place(REPORT_CH, "2201.1"), "slack:U_X", runner, lambda who: "山田 花子")
    assert steps is not None and runner.run(steps).failures == []
    return runner, outcome.incident.id, outcome.step, public_card


def _public(port: DmPort, since: int) -> list[str]:
    return [repr(s.content) for s in port.calls[since:] if s.place is not None and s.place.channel == REPORT_CH]


def test_a_late_click_on_the_old_public_card_does_not_redraw_it_with_the_answers(runtime: Runtime) -> None:
    port = DmPort()
    runner, incident_id, step, public_card = _restricted_by_a_reply(runtime, port)
    answers = {"post_url": URL, "spread": "large", "press": "no", "personal_data": "no"}
    pr = Actor(PR, "広報 一郎", "fake")
    done = runtime.triage.steps.complete(incident_id, step.step_id, pr, answers=answers, expected_kind="flaming")
    since = len(port.calls)
    after = controls.step_done(runtime.triage, done, pr, incident_id, step.step_id, "11/18 10:05", "fake",
                               at=public_card, home_is_private=True)
    assert after.plan is not None and runner.run(after.plan).failures == []
    assert not [said for said in _public(port, since) if URL in said]  # the public thread stays neutral
    closed = [s for s in port.calls[since:] if isinstance(s.content, c.StepClosed)]
    assert closed and all(s.place is not None and s.place.channel.startswith("D-") for s in closed)


def test_a_bystanders_copy_of_the_card_stays_neutral_once_the_incident_is_restricted(runtime: Runtime) -> None:
    """A colleague asked 状況 while it was public and got the step's card in their chat; the move drew it neutral.
    The step answered later must not draw it again with the answers: they may no longer see the incident."""
    port = DmPort()
    outcome = runtime.triage.incidents.report(ReportInput(
        FLAMING.format(n=2202), Actor(STAFF, "山田 花子", "fake"), idempotency_key="ev2202", explicit=True,
        kind_hint="flaming", conversation=ConversationRef("fake", REPORT_CH, "2202.1")))
    assert outcome.incident is not None and outcome.step is not None
    incident_id = outcome.incident.id
    runner = make_runner(runtime, port)
    assert runner.run(plan.report(outcome, origin(ts="2202.1"))).failures == []
    colleague = Actor("slack:U_COLLEAGUE", "佐藤 次郎", "fake")
    _, posts = status.asked(runtime.triage, colleague, incident_id, private=True,
                            home_is_private=lambda i: False)
    assert posts is not None and runner.run(posts).failures == []
    copy = [s.posted for s in port.posts("D-slack:U_COLLEAGUE") if isinstance(s.content, c.Step)]
    assert copy, "the colleague got the step's card"
    replied = record_reply(runtime.triage, "fake", REPORT_CH, "2202.1", "2202.5", Actor("slack:U_X", "佐藤", "fake"),
                           "申請者は山田太郎さん、090-1234-5678です")
    assert replied is not None
    steps = reply_plan(replied, Place(REPORT_CH, "2202.1"), "slack:U_X", runner, lambda who: "山田 花子")
    assert steps is not None and runner.run(steps).failures == []
    reporter = Actor(STAFF, "山田 花子", "fake")
    answers = {"post_url": "https://x.com/someone/status/2202", "spread": "large", "press": "no",
               "personal_data": "no"}
    done = runtime.triage.steps.complete(incident_id, outcome.step.step_id, reporter, answers=answers,
                                         expected_kind="flaming")
    since = len(port.calls)
    after = controls.step_done(runtime.triage, done, reporter, incident_id, outcome.step.step_id, "11/18 10:05",
                               "fake", home_is_private=True)
    assert after.plan is not None and runner.run(after.plan).failures == []
    redrawn = [s for s in port.calls[since:] if s.posted in copy]
    assert not redrawn, redrawn


@pytest.mark.xfail(strict=True, reason="found by the s22 scenarios, left to restriction.py's owner: personal data "
                   "typed into a step's free-text answer restricts nothing (only 個人情報の有無 = 含まれる does)")
def test_personal_data_typed_into_a_step_answer_is_not_drawn_in_the_public_thread(runtime: Runtime) -> None:
    port = DmPort()
    outcome = runtime.triage.incidents.report(ReportInput(
        FLAMING.format(n=2203), Actor(STAFF, "山田 花子", "fake"), idempotency_key="ev2203", explicit=True,
        kind_hint="flaming", conversation=ConversationRef("fake", REPORT_CH, "2203.1")))
    assert outcome.incident is not None and outcome.step is not None
    incident_id, step = outcome.incident.id, outcome.step
    runner = make_runner(runtime, port)
    assert runner.run(plan.report(outcome, origin(ts="2203.1"))).failures == []
    reporter = Actor(STAFF, "山田 花子", "fake")
    answers = {"post_url": "https://x.com/someone/status/2203", "spread": "small", "press": "no",
               "personal_data": "no", "department": "担当は伊藤春美さん 070-3333-3002"}
    done = runtime.triage.steps.complete(incident_id, step.step_id, reporter, answers=answers, expected_kind="flaming")
    after = controls.step_done(runtime.triage, done, reporter, incident_id, step.step_id, "11/18 10:05", "fake",
                               home_is_private=False)
    assert after.plan is not None and runner.run(after.plan).failures == []
    assert not [said for said in _public(port, 0) if "070-3333-3002" in said]
