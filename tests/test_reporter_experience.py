"""What a reporter goes through: inputs the report already answers, one department for every draft, 和暦 dates,
drafts filled in and offered again, and a second report of a resolved post linked rather than opened anew."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings, ConsoleUser
from bot.ports import Actor, ReportInput
from bot.triage.urls import platform_of
from bot.wiring import Runtime
from storage.models import Incident
from tests.conftest import PR, STAFF
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "山田 花子", "test")
URL = "https://x.com/city_fake/status/42"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"
USERS = ConsoleSettings(users={"staff": ConsoleUser(id=STAFF, name="山田 花子"),
                               "pr": ConsoleUser(id=PR, name="広報 太郎")}, default_user="staff")


def test_platform_comes_from_the_url() -> None:
    assert platform_of("https://twitter.com/a/status/1") == "X"
    assert platform_of("https://www.instagram.com/p/abc/") == "Instagram"
    assert platform_of("https://m.facebook.com/story.php?id=1") == "Facebook"
    assert platform_of("https://youtu.be/xyz") == "YouTube"
    assert platform_of("https://example.jp/page") is None and platform_of(None) is None


def test_intake_is_prefilled_from_the_report_and_only_confirmed(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER, department="観光課"))
    assert outcome.incident is not None and outcome.step is not None
    values = {item.id: item.value for item in outcome.step.inputs}
    assert values["post_url"] == URL and values["platform"] == "X" and values["department"] == "観光課"
    # The reporter only answers what the report could not tell.
    done = runtime.triage.steps.complete(outcome.incident.id, "intake", REPORTER,
                                         answers={"spread": "large", "press": "no", "personal_data": "no"})
    assert done.completed_step is not None and done.completed_step.answers["platform"] == "X"
    assert runtime.triage.queries.view(outcome.incident.id, None).platform == "X"  # the summary's 媒体


def test_department_asked_once_fills_every_draft_in_wareki(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    incident_id, steps = outcome.incident.id, runtime.triage.steps
    steps.complete(incident_id, "intake", REPORTER, answers={"spread": "large", "press": "no",
                                                             "personal_data": "no", "department": "観光課"})
    steps.complete(incident_id, "report", REPORTER, answers={})
    steps.complete(incident_id, "stay_calm", REPORTER, answers={"is_own_error": "factual", "needs_time": "yes"})
    holding = steps.current(incident_id, STAFF)
    assert holding is not None and holding.step_id == "holding_reply"  # before the correction
    [draft] = holding.drafts
    assert "旭川市 観光課" in draft.text and "令和8年11月18日" in draft.text and "未入力" not in draft.text
    steps.complete(incident_id, "holding_reply", REPORTER, answers={"expected_by": "11月19日中"})
    correction = steps.current(incident_id, STAFF)
    assert correction is not None and correction.step_id == "correct_without_deleting"
    steps.complete(incident_id, "correct_without_deleting", REPORTER,
                   answers={"wrong_text": "11月1日開催", "correction_text": "12月1日開催"})
    # Offered again at the end, rendered with every answer.
    drafts = {d.id: d.text for d in steps.drafts(incident_id, STAFF)}
    assert set(drafts) == {"holding_reply", "correction_notice"}
    assert "（正）12月1日開催" in drafts["correction_notice"] and "11月19日中を目途" in drafts["holding_reply"]


def _walk(runtime: Runtime, incident_id: int) -> None:
    """PR acknowledges (a reporter never ends an unacknowledged incident), then the reporter does every step."""
    runtime.triage.incidents.acknowledge(incident_id, Actor(PR, "広報 太郎"))
    for _ in range(20):
        step = runtime.triage.steps.current(incident_id, STAFF)
        if step is None:
            return
        runtime.triage.steps.complete(incident_id, step.step_id, REPORTER, answers=answers_for(step, URL))
    raise AssertionError("did not finish")


def test_second_report_of_a_resolved_post_is_linked(runtime: Runtime) -> None:
    first = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert first.incident is not None
    _walk(runtime, first.incident.id)
    assert runtime.triage.queries.view(first.incident.id, None).status == "resolved"
    again = runtime.triage.incidents.report(ReportInput(f"まだ炎上が続いています {URL}", REPORTER))
    assert again.same_as_resolved and again.incident is not None and again.incident.id == first.incident.id
    assert not again.created
    [told] = again.notifications  # the first notice's section hears of the flare-up; nothing to acknowledge
    assert told.topic == "reported_again" and told.audience == "pr_section" and not told.acknowledgeable
    assert "【再燃】INC-0001" in told.title and URL in told.body and "自治体の運用設定" in told.body
    assert again.reopen_or_new is not None and again.reopen_or_new.reopen == "INC-0001 の対応を再開する"
    assert any("INC-0001（対応完了）と同じ投稿です" in m for m in again.messages)
    events = [e.type for e in runtime.triage.queries.timeline(first.incident.id, None)]
    assert "reported_again" in events[-2:]  # PR sees it on the incident's timeline (then its notice_resent)
    with runtime.triage.deps.sessions.begin() as session:
        assert session.execute(select(func.count(Incident.id))).scalar() == 1
    new = runtime.triage.incidents.report(ReportInput(f"まだ炎上が続いています {URL}", REPORTER, force_new=True))
    assert new.created and new.incident is not None and new.incident.ref == "INC-0002" and new.notifications


def test_console_offers_the_choice_and_the_drafts(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, profile="urausu")
    chat = ConsoleChat(runtime.triage, USERS)
    out = chat.handle(FLAMING)
    assert "→ 所属課局長及び総務課 に通知しました" in out and "post_url (必須): 対象の投稿のURL = " + URL in out
    assert out.count("実施者: 発見した職員") == 1
    assert chat.focus is not None
    _walk(runtime, chat.focus)
    drafts = chat.handle("/drafts")
    assert "お詫び文" in drafts and "令和8年11月18日" in drafts and "市民" not in drafts
    again = chat.handle(f"同じ投稿がまた炎上しています {URL}")
    assert "INC-0001（対応完了）と同じ投稿です" in again and "/report --new" in again
    assert "INC-0002 を受け付けました" in chat.handle(f"/report --new 同じ投稿がまた炎上しています {URL}")
