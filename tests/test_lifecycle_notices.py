"""Every message to a section is on the timeline once (session 15, after session 14's kind-correction notices):
【再燃】 (a resolved incident's post reported again), 【再開】 (it was reopened) and 【共同報告】 (a restricted
incident's co-reporter waiting for a role); a redelivery adds nothing; the records' 「６ 通知・確認」 lists each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.triage.audit import verify_database
from bot.wiring import Runtime
from storage.models import TimelineEvent
from tests.conftest import OTHER, PR, SECURITY, STAFF

REPORTER = Actor(STAFF, "担当 山田", "test")
COLLEAGUE = Actor(OTHER, "同僚 高橋", "test")
PR_OFFICER = Actor(PR, "総務課 佐藤", "test")
FLAMING = "町の公式Xが炎上しています。除雪が遅いと批判が殺到 https://x.com/town/status/1"
LEAK = "名簿が誤って公開されています。個人情報ABCが見えます https://x.com/town/status/7"
BOTH = ["department_head", "pr_section"]  # 浦臼町 5(3): 所属課局長及び総務課


def _resent(runtime: Runtime, incident_id: int) -> list[dict[str, Any]]:
    with runtime.triage.deps.sessions.begin() as session:
        rows = session.execute(select(TimelineEvent.data).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.type == "notice_resent")
            .order_by(TimelineEvent.seq)).scalars().all()
    return [dict(data) for data in rows]


def test_flareup_and_reopen_notices_are_on_the_timeline_once(runtime_factory: Callable[..., Runtime],
                                                              database_url: str) -> None:
    runtime = runtime_factory(database_url, profile="urausu")
    incidents = runtime.triage.incidents
    first = incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert first.incident is not None
    incident_id = first.incident.id
    incidents.acknowledge(incident_id, PR_OFFICER)
    incidents.change_status(incident_id, "resolved", PR_OFFICER)
    again = ReportInput(text="また燃えています " + FLAMING, reporter=COLLEAGUE, idempotency_key="Ev-flare-1")
    flare = incidents.report(again)
    assert flare.same_as_resolved and [note.topic for note in flare.notifications] == ["reported_again"]
    assert incidents.report(again).duplicate  # the same delivery again: PR was told once
    reopened = incidents.change_status(incident_id, "responding", PR_OFFICER)
    assert [note.topic for note in reopened.notifications] == ["reopened", "reopened_here"]
    resent = _resent(runtime, incident_id)
    assert [(data["reason"], data["level"], sorted(data["sections"])) for data in resent] == [
        ("reported_again", 1, BOTH), ("reopened", 1, BOTH)]  # the thread's 【再開】 goes to no section
    assert [data["title"] for data in resent] == ["【再燃】INC-0001（炎上・対応完了）と同じ投稿が再び報告されました",
                                                  "【再開】INC-0001（炎上）の対応を再開しました"]
    assert verify_database(runtime.triage.deps).ok
    desk = RecordsDesk(runtime.triage.deps)
    report = desk.report_file(incident_id, None, "md").content.decode()
    notices = report[report.index("## 6."):report.index("## 7.")]
    rows = [line.split(" | ")[1:3] for line in notices.splitlines() if line.startswith("| 令和")]
    both = "所属課局長及び総務課"
    assert rows == [["通知", both], ["確認", "総務課 佐藤（総務課）"], ["通知（再燃の報告）", both],
                    ["通知（対応の再開）", both]]
    timeline = desk.timeline_file(incident_id, None, "md").content.decode()
    assert ("ボット（自動処理）が所属課局長及び総務課に再燃の報告を知らせる通知を送りました（【再燃】INC-0001"
            "（炎上・対応完了）と同じ投稿が再び報告されました、第1段階）。") in timeline


def test_a_restricted_merges_notice_is_on_the_timeline_without_the_report(
        runtime_factory: Callable[..., Runtime], database_url: str) -> None:
    runtime = runtime_factory(database_url, profile="urausu")
    incidents = runtime.triage.incidents
    first = incidents.report(ReportInput(text=LEAK, reporter=REPORTER, kind_hint="leak"))
    assert first.incident is not None and first.incident.restricted
    again = ReportInput(text=LEAK, reporter=COLLEAGUE, idempotency_key="Ev-co-1")
    merged = incidents.report(again)
    assert merged.merged and [note.topic for note in merged.notifications] == ["co_report"]
    assert incidents.report(again).duplicate
    resent = _resent(runtime, first.incident.id)
    assert [(data["reason"], data["kind"], sorted(data["sections"])) for data in resent] == [
        ("co_reported", "leak", BOTH)]
    assert not any(word in str(resent) for word in ("個人情報ABC", "名簿", "x.com"))
    timeline = RecordsDesk(runtime.triage.deps).timeline_file(first.incident.id, SECURITY, "md").content.decode()
    assert "閲覧権限のない共同報告者を知らせる通知を送りました" in timeline
    assert verify_database(runtime.triage.deps).ok
