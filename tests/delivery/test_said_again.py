"""What must be said once per occasion, not once ever (session 20 resume2): a reopened incident that its steps
resolve again says 対応完了 again in its conversation, and a redelivery of either end repeats nothing. The real
core, run through the fake port."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery import controls, plan
from bot.ports import Actor, Outcome, ReportInput
from bot.triage import lifecycle
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_controls import NOW, when
from tests.delivery.test_delivery_plan import (
    FLAMING,
    LEAK,
    PR_CH,
    REPORT_CH,
    RESTRICTED_CH,
    make_runner,
    origin,
    report,
)
from tests.helpers import answers_for

STAFF_ACTOR = Actor(STAFF, "担当 山田", "fake")
PR_OFFICER = Actor(PR, "広報 佐藤", "fake")
THIRD = "slack:U_THIRD"


def _walked(runtime: Runtime, port: FakePort, incident_id: int) -> list[controls.AfterControl]:
    """Every pending step answered by the reporter, each press's plan run (and run again: a redelivery)."""
    triage, runner, done = runtime.triage, make_runner(runtime, port), []
    while (step := triage.steps.current(incident_id, STAFF)) is not None:
        outcome = triage.steps.complete(incident_id, step.step_id, STAFF_ACTOR, answers=answers_for(step))
        after = controls.step_done(triage, outcome, STAFF_ACTOR, incident_id, step.step_id, NOW, "fake", when=when)
        assert after.plan is not None
        runner.run(after.plan)
        again = triage.steps.complete(incident_id, step.step_id, STAFF_ACTOR, answers=answers_for(step))
        repeat = controls.step_done(triage, again, STAFF_ACTOR, incident_id, step.step_id, NOW, "fake", when=when)
        assert repeat.duplicate and repeat.plan is not None
        runner.run(repeat.plan)
        done.append(after)
    return done


def _all_done(port: FakePort, incident_id: int) -> list[str]:
    ref = f"INC-{incident_id:04d}"
    return [s.content.texts[-1] for s in port.posts(REPORT_CH) if isinstance(s.content, c.Texts)
            and any("対応完了" in text and ref in text for text in s.content.texts)
            and not s.content.texts[0].startswith("【")]


def test_a_reopened_incident_resolved_again_by_its_steps_says_so_again_once(runtime: Runtime) -> None:
    port = FakePort()
    outcome = report(runtime, FLAMING.format(n=31), key="ev31")
    assert outcome.incident is not None
    incident_id = outcome.incident.id
    make_runner(runtime, port).run(plan.report(outcome, origin()))
    triage = runtime.triage
    controls.acknowledge(triage, incident_id, PR_OFFICER, when)
    first = _walked(runtime, port, incident_id)
    assert first[-1].outcome.finished and triage.queries.view(incident_id, None).status == lifecycle.RESOLVED
    assert len(_all_done(port, incident_id)) == 1
    reopened = triage.incidents.change_status(incident_id, lifecycle.RESPONDING, PR_OFFICER)
    make_runner(runtime, port).run(plan.notices(reopened, PR))
    make_runner(runtime, port).run(plan.notices(reopened, PR))  # its redelivery
    corrected, before = controls.correct_kind(triage, incident_id, "impersonation", STAFF_ACTOR,
                                              lambda user: "担当 山田", home_is_private=False)
    assert corrected.plan is not None
    make_runner(runtime, port).run(corrected.plan)
    second = _walked(runtime, port, incident_id)
    assert second[-1].outcome.finished and triage.queries.view(incident_id, None).status == lifecycle.RESOLVED
    assert len(_all_done(port, incident_id)) == 2  # said again for the second resolution, each once


def _followup_posts(port: FakePort) -> tuple[list[str], list[str]]:
    """PR's 【続報】 notices, and the conversation's lines saying there is news."""
    pr = [s.content.note.title for s in port.posts(PR_CH) if isinstance(s.content, c.SectionNotice)
          and s.content.note.topic == "followup"]
    here = [s.content.texts[0] for s in port.posts(REPORT_CH) if isinstance(s.content, c.Texts)
            and "続報があります" in s.content.texts[0]]
    return pr, here


def _news(runtime: Runtime, text: str, key: str) -> Outcome:
    return runtime.triage.incidents.report(ReportInput(text, Actor(OTHER, "田中 一郎", "fake"), idempotency_key=key,
                                                       explicit=True))


def test_a_follow_up_cut_short_by_a_crash_is_told_by_its_redelivery_once(runtime: Runtime) -> None:
    port = FakePort()
    outcome = report(runtime, FLAMING.format(n=32), key="ev32")
    assert outcome.incident is not None
    make_runner(runtime, port).run(plan.report(outcome, origin()))
    news = f"{outcome.incident.ref} の件、アカウントは凍結されました"
    followed = _news(runtime, news, "news1")  # committed; the process died before its plan
    assert followed.followup and not followed.duplicate
    assert _followup_posts(port) == ([], [])
    where = origin(OTHER, ts="300.1")
    for _ in range(2):  # the platform delivers it again, twice
        again = _news(runtime, news, "news1")
        assert again.duplicate and again.followup
        make_runner(runtime, port).run(plan.report(again, where))
    pr, here = _followup_posts(port)
    assert len(pr) == 1 and "【続報】" in pr[0] and len(here) == 1 and "アカウントは凍結されました" in here[0]
    second = _news(runtime, news + "（再掲）", "news2")  # another follow-up: told too
    make_runner(runtime, port).run(plan.report(second, origin(OTHER, ts="300.2")))
    again = _news(runtime, news + "（再掲）", "news2")  # delivered again after its plan ran: nothing more
    make_runner(runtime, port).run(plan.report(again, origin(OTHER, ts="300.2")))
    assert [len(found) for found in _followup_posts(port)] == [2, 2]


def test_a_co_report_on_a_leak_cut_short_by_a_crash_is_told_to_pr_by_its_redelivery_once(runtime: Runtime) -> None:
    port = FakePort()
    outcome = report(runtime, LEAK.format(n=33), key="ev33")
    assert outcome.incident is not None and outcome.incident.restricted
    make_runner(runtime, port).run(plan.report(outcome, origin()))
    merged = report(runtime, LEAK.format(n=33), user=OTHER, key="co33")  # committed; the process died
    assert merged.merged and any(note.topic == "co_report" for note in merged.notifications)

    def told() -> list[str]:
        return [s.content.note.title for s in port.posts(RESTRICTED_CH) if isinstance(s.content, c.SectionNotice)
                and s.content.note.title.startswith("【共同報告】")]

    assert told() == []
    for _ in range(2):  # delivered again, twice
        again = report(runtime, LEAK.format(n=33), user=OTHER, key="co33")
        assert again.duplicate and again.merged
        make_runner(runtime, port).run(plan.report(again, origin(OTHER, ts="300.3")))
    assert len(told()) == 1
    live = report(runtime, LEAK.format(n=33), user=THIRD, key="co34")  # another's, its plan run, then again
    make_runner(runtime, port).run(plan.report(live, origin(THIRD, ts="300.4")))
    make_runner(runtime, port).run(plan.report(report(runtime, LEAK.format(n=33), user=THIRD, key="co34"),
                                               origin(THIRD, ts="300.4")))
    assert len(told()) == 2
