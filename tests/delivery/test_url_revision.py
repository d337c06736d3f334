"""A post URL corrected in a step (bot/triage/url_correction.py): PR's notices, which PR acts on, are redrawn with
the new URL in place (who acknowledged them shown again), posted anew where the platform cannot edit, and a
restricted incident's notices, which show no URL, are left alone. The real core, run through the fake port."""

from __future__ import annotations

from datetime import datetime

from bot.clock import format_jst
from bot.delivery import content as c
from bot.delivery import controls, plan
from bot.ports import Actor
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import LEAK, PR_CH, RESTRICTED_CH, make_runner, origin, report
from tests.helpers import answers_for

FLAMING = "炎上しています。市の投稿に批判が殺到 https://x.com/someone/status/{n}"
CORRECTED = "https://x.com/city_fake/status/9999"
NOW = "12月5日 10:00"


def when(at: datetime | None) -> str:
    return "at " + format_jst(at, "ja") if at else NOW


def _reported(runtime: Runtime, port: FakePort, text: str) -> int:
    outcome = report(runtime, text)
    assert outcome.incident is not None
    make_runner(runtime, port).run(plan.report(outcome, origin()))
    return outcome.incident.id


def _notices(port: FakePort) -> list[c.SectionNotice]:
    """PR's notices as posted, past the severity change the step's answers may bring."""
    return [s.content for s in port.posts(PR_CH) if isinstance(s.content, c.SectionNotice)
            and s.content.note.topic != "severity_changed"]


def _correct(runtime: Runtime, port: FakePort, incident_id: int, *, edits: bool = True) -> controls.AfterControl:
    triage, staff = runtime.triage, Actor(STAFF, "担当 山田", "fake")
    step = triage.steps.current(incident_id, STAFF)
    assert step is not None and any(item.id == "post_url" for item in step.inputs)
    outcome = triage.steps.complete(incident_id, step.step_id, staff, answers=answers_for(step, CORRECTED))
    after = controls.step_done(triage, outcome, staff, incident_id, step.step_id, NOW, "fake", when=when)
    assert after.plan is not None
    runner = make_runner(runtime, port)
    runner.edits = edits
    runner.run(after.plan)
    return after


def test_a_corrected_url_redraws_prs_notice_in_place(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING.format(n=1))
    notice = port.posts(PR_CH)[0].posted
    assert notice is not None
    _correct(runtime, port, incident_id)
    redrawn = [s for s in port.of("update") if s.posted == notice]
    assert len(redrawn) == 1 and isinstance(redrawn[0].content, c.SectionNotice)
    note = redrawn[0].content.note
    assert f"投稿: {CORRECTED}" in note.body and "変更前: https://x.com/someone/status/1" in note.body
    assert note.acknowledgeable and note.title.startswith("【炎上】")  # PR can still acknowledge it
    assert len(_notices(port)) == 1  # nothing posted anew on a platform that edits


def test_a_url_first_entered_in_a_step_is_shown_on_the_notice(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, "炎上しています。市の公式Xの投稿に批判のリプライが殺到しています")
    assert runtime.triage.queries.view(incident_id, None).source_url is None
    _correct(runtime, port, incident_id)
    [redrawn] = [s.content for s in port.of("update") if isinstance(s.content, c.SectionNotice)]
    assert "URLが手順で入力されました" in redrawn.note.body and f"投稿: {CORRECTED}" in redrawn.note.body
    assert redrawn.note.mention == port.posts(PR_CH)[0].content.note.mention  # drawn as first posted


def test_an_acknowledged_notice_keeps_who_acknowledged_it(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING.format(n=2))
    notice = port.posts(PR_CH)[0].posted
    acked = runtime.triage.incidents.acknowledge(incident_id, Actor(PR, "広報 鈴木", "fake")).incident
    assert acked is not None and acked.acknowledged_at is not None
    _correct(runtime, port, incident_id)
    redrawn = [s.content for s in port.of("update") if s.posted == notice]
    assert [type(x) for x in redrawn] == [c.SectionNotice, c.NoticeAcknowledged]
    assert isinstance(redrawn[0], c.SectionNotice) and not redrawn[0].note.acknowledgeable
    assert isinstance(redrawn[1], c.NoticeAcknowledged)
    assert redrawn[1].by == acked.acknowledged_by and redrawn[1].when == when(acked.acknowledged_at)


def test_a_platform_that_cannot_edit_gets_the_notice_anew_without_a_second_acknowledge(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING.format(n=3))
    _correct(runtime, port, incident_id, edits=False)
    notices = _notices(port)
    assert len(notices) == 2
    assert f"投稿: {CORRECTED}" in notices[1].note.body and not notices[1].note.acknowledgeable
    assert not [s for s in port.of("update") if isinstance(s.content, c.SectionNotice)]


def test_a_restricted_incidents_notice_shows_no_url_after_a_correction(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, LEAK.format(n=4))
    after = _correct(runtime, port, incident_id)
    assert runtime.triage.queries.view(incident_id, None).source_url == CORRECTED
    assert after.plan is not None and not any(isinstance(op, plan.ReviseNotices) for op in after.plan.ops)
    section = [s for s in port.calls if s.place is not None and s.place.channel == RESTRICTED_CH]
    assert section and all(CORRECTED not in repr(s.content) for s in section)


def _crash_then_click_again(runtime: Runtime, port: FakePort, incident_id: int, *, edits: bool = True,
                            clicks: int = 1) -> None:
    """The step completed in the core, its delivery lost to a crash, then the same click again (a redelivery)."""
    triage, staff = runtime.triage, Actor(STAFF, "担当 山田", "fake")
    step = triage.steps.current(incident_id, STAFF)
    assert step is not None
    answers = answers_for(step, CORRECTED)
    triage.steps.complete(incident_id, step.step_id, staff, answers=answers)  # nothing delivered: the crash
    for _ in range(clicks):
        again = triage.steps.complete(incident_id, step.step_id, staff, answers=answers)
        assert again.duplicate
        after = controls.step_done(triage, again, staff, incident_id, step.step_id, NOW, "fake", when=when)
        assert after.plan is not None
        runner = make_runner(runtime, port)
        runner.edits = edits
        runner.run(after.plan)


def test_a_click_again_after_a_crash_finishes_the_url_revision(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING.format(n=5))
    notice = port.posts(PR_CH)[0].posted
    _crash_then_click_again(runtime, port, incident_id)
    redrawn = [s.content for s in port.of("update") if s.posted == notice]
    assert redrawn and isinstance(redrawn[0], c.SectionNotice)
    body = redrawn[0].note.body
    assert f"投稿: {CORRECTED}" in body and "変更前: https://x.com/someone/status/5" in body


def test_a_platform_that_cannot_edit_gets_the_revised_notice_once_however_often_replayed(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING.format(n=6))
    _crash_then_click_again(runtime, port, incident_id, edits=False, clicks=2)
    notices = _notices(port)
    assert len(notices) == 2 and f"投稿: {CORRECTED}" in notices[1].note.body

