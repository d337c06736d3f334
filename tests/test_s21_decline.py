"""対象外 once someone has answered a step (Teams walk s21 #9), and what the reporter is told (LINE WORKS walk s21):
PR (and security on a leak) may decline an incident in 対応中 with a reason, recorded with its status change; its
reporter and bystanders may not; the conversation is told who declined it and why (a leak's only privately), its
step cards lose their controls, and the week counts it as 対象外."""

from __future__ import annotations

import pytest

from bot.delivery import content as c
from bot.delivery import controls, plan
from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.triage import lifecycle
from bot.triage.access import PermissionDenied
from bot.triage.core import InvalidRequest
from bot.triage.summary import IsoWeek, build_summary
from bot.wiring import Runtime
from storage.timeline import verify_chain
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, LEAK, PR_CH, REPORT_CH, RESTRICTED_CH, make_runner, origin
from tests.helpers import answers_for

PR_ACTOR = Actor(PR, "広報 太郎", "fake")
REASON = "職員研修の訓練用の投稿でした"


def _responding(runtime: Runtime, text: str, port: FakePort | None = None) -> int:
    """An incident whose first step its reporter answered (対応中), delivered on `port` when given."""
    triage = runtime.triage
    outcome = triage.incidents.report(_report(text))
    assert outcome.incident is not None and outcome.step is not None
    if port is not None:
        make_runner(runtime, port).run(plan.report(outcome, origin()))
    step = outcome.step
    done = triage.steps.complete(outcome.incident.id, step.step_id, Actor(STAFF, "山田 花子", "fake"),
                                 answers=answers_for(step, "https://x.com/someone/status/9"))
    if port is not None:
        make_runner(runtime, port).run(plan.progress(done, "山田 花子", "11/18 10:00"))
    assert triage.queries.view(outcome.incident.id, None).status == lifecycle.RESPONDING
    return outcome.incident.id


def _report(text: str) -> ReportInput:
    return ReportInput(text=text, reporter=Actor(STAFF, "山田 花子", "fake"), idempotency_key=text)


def test_pr_declines_an_incident_in_progress_with_its_reason_recorded_with_the_change(runtime: Runtime) -> None:
    incident_id = _responding(runtime, FLAMING.format(n=1))
    outcome = runtime.triage.incidents.change_status(incident_id, lifecycle.DECLINED, PR_ACTOR, reason=REASON)
    assert outcome.incident is not None and outcome.incident.status == lifecycle.DECLINED
    events = runtime.triage.queries.timeline(incident_id, None)
    changed, note = events[-2], events[-1]
    assert (changed.type, changed.old, changed.new, changed.actor) == ("status_changed", "responding", "declined", PR)
    assert note.type == "note" and note.data["reason_for"] == "declined" and note.data["text"] == REASON
    assert note.at == changed.at  # one transaction: the change and its reason
    with runtime.triage.deps.sessions.begin() as session:
        assert verify_chain(session).ok


def test_an_incident_in_progress_is_not_declined_without_a_reason(runtime: Runtime) -> None:
    incident_id = _responding(runtime, FLAMING.format(n=2))
    with pytest.raises(InvalidRequest) as asked:
        runtime.triage.incidents.change_status(incident_id, lifecycle.DECLINED, PR_ACTOR, reason=" ")
    assert str(asked.value).startswith("INC-0001 を「対象外」にする理由を書いてください")
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING


@pytest.mark.parametrize("who", [STAFF, OTHER, SECURITY])
def test_the_reporter_a_bystander_and_security_on_an_ordinary_incident_may_not_decline_it(
        runtime: Runtime, who: str) -> None:
    incident_id = _responding(runtime, FLAMING.format(n=3))
    with pytest.raises(PermissionDenied):
        runtime.triage.incidents.change_status(incident_id, lifecycle.DECLINED, Actor(who, who, "fake"), reason=REASON)
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING
    assert runtime.triage.queries.timeline(incident_id, None)[-1].type == "access_denied"


def test_security_may_decline_a_leak_in_progress(runtime: Runtime) -> None:
    incident_id = _responding(runtime, LEAK.format(n=4))
    outcome = runtime.triage.incidents.change_status(incident_id, lifecycle.DECLINED,
                                                     Actor(SECURITY, "情報 守", "fake"), reason=REASON)
    assert outcome.incident is not None and outcome.incident.status == lifecycle.DECLINED


def test_the_reporter_is_told_who_declined_and_why_and_the_step_cards_lose_their_controls(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _responding(runtime, FLAMING.format(n=5), port)
    triage = runtime.triage
    ended = triage.incidents.change_status(incident_id, lifecycle.DECLINED, PR_ACTOR, reason=REASON)
    assert ended.messages[0] == "INC-0001 の状態を「対象外」にしました。"  # the sender's words are unchanged
    steps = plan.notices(ended, PR, controls.open_steps(triage, ended.incident))
    assert make_runner(runtime, port).run(steps).failures == []
    told = port.posts(REPORT_CH)[-1].content  # the last post in the thread
    assert isinstance(told, c.Texts) and told.mention == (STAFF,)
    said = "\n".join(told.texts)
    assert "INC-0001 は 広報 太郎 さんが「対象外」にしました" in said and f"理由: {REASON}" in said
    assert "2026年11月18日" in said  # when, with the date
    [notice] = [s.content for s in port.of("update") if isinstance(s.content, c.NoticeEnded)]
    assert notice.text == "INC-0001 の状態を「対象外」にしました。"
    withdrawn = [s.content for s in port.of("update") if isinstance(s.content, c.ControlsWithdrawn)]
    assert [w.step.index if w.step else None for w in withdrawn] == [None, 2]  # the kind card and step 2's card


def test_a_leaks_reason_is_told_only_in_its_reporters_private_chat(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _responding(runtime, LEAK.format(n=6), port)
    triage = runtime.triage
    ended = triage.incidents.change_status(incident_id, lifecycle.DECLINED, PR_ACTOR, reason=REASON)
    assert make_runner(runtime, port).run(plan.notices(ended, PR, controls.open_steps(triage, ended.incident))
                                          ).failures == []
    private = [s for s in port.calls if s.place is not None and s.place.channel == f"D-{STAFF}"]
    assert any(REASON in "\n".join(s.content.texts) for s in private if isinstance(s.content, c.Texts))
    elsewhere = [s for s in port.calls if s not in private]
    assert elsewhere and not any(REASON in repr(s.content) for s in elsewhere)
    assert [s for s in port.of("update") if isinstance(s.content, c.NoticeEnded)]  # PR's notice says it ended
    assert port.posts(PR_CH) == [] and all(s.place.channel in (RESTRICTED_CH, REPORT_CH, f"D-{STAFF}")
                                           for s in port.calls if s.place is not None)


def test_the_week_and_the_records_count_a_decline_in_progress_as_declined(runtime: Runtime) -> None:
    incident_id = _responding(runtime, FLAMING.format(n=7))
    runtime.triage.incidents.change_status(incident_id, lifecycle.DECLINED, PR_ACTOR, reason=REASON)
    report = RecordsDesk(runtime.triage.deps).report_file(incident_id, PR, "md").content.decode("utf-8")
    assert f"状態を「対象外」とした理由：「{REASON}」" in report and "対象外" in report
    now = runtime.triage.deps.clock.now()
    metrics = build_summary(runtime.triage.deps.sessions, IsoWeek(2026, 47), now).current
    assert metrics.declined_in_week == 1 and metrics.status_of_new["declined"] == 1
    assert metrics.status_of_new["open"] == 0 and metrics.resolved_in_week == 0
