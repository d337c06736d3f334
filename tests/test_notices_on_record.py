"""Every message sent to a section is on record (session 13 records walk #5): the notice drawn again after a kind
correction or a new post URL, the severity change notice, PR told of co-reporters who lost their role; once each,
in the change's own transaction, read by the timeline, the report and the weekly summary."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import docx
import openpyxl
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.triage import url_correction
from bot.triage.audit import verify_database
from bot.triage.core import load_incident, record, transaction
from bot.triage.summary import IsoWeek, build_summary
from bot.wiring import Runtime
from storage.models import IncidentReporter, TimelineEvent
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "担当 山田", "test")
PR_OFFICER = Actor(PR, "総務課 佐藤", "test")
FLAMING = "町の公式Xが炎上しています。除雪が遅いと批判が殺到 https://x.com/town/status/1"
NEW_URL = "https://x.com/town/status/2"
BOTH = ["department_head", "pr_section"]  # 浦臼町 5(3): 所属課局長及び総務課


def _resent(runtime: Runtime, incident_id: int) -> list[tuple[str, dict[str, Any]]]:
    with runtime.triage.deps.sessions.begin() as session:
        rows = session.execute(select(TimelineEvent.new_value, TimelineEvent.data).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.type == "notice_resent")
            .order_by(TimelineEvent.seq)).all()
    return [(str(new), dict(data)) for new, data in rows]


def _walk(runtime: Runtime) -> int:
    """浦臼町 INC-0001 of the walk: 炎上, corrected to デマ and back, acknowledged, step 1 with another URL and 大量に
    拡散 (中 → 高); five messages to 所属課局長及び総務課."""
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert outcome.incident is not None and len(outcome.notifications) == 1
    incident_id = outcome.incident.id
    assert len(triage.incidents.correct_kind(incident_id, "misinformation", REPORTER).notifications) == 1
    step = triage.incidents.correct_kind(incident_id, "flaming", REPORTER).step
    triage.incidents.acknowledge(incident_id, PR_OFFICER)
    assert step is not None and step.step_id == "intake"
    done = triage.steps.complete(incident_id, "intake", REPORTER, answers=answers_for(step, url=NEW_URL))
    assert [note.topic for note in done.notifications] == ["notice_revised", "severity_changed"]
    return incident_id


def test_each_message_to_a_section_is_one_event_in_its_changes_transaction(
        runtime_factory: Callable[..., Runtime], database_url: str) -> None:
    """Walk #5: only the first notice had an event; the two kind corrections' notices, the notice redrawn for the
    new URL and 【重大度の変更】 had none. A redelivered click and a replay add nothing; the chain stays intact."""
    runtime = runtime_factory(database_url, profile="urausu")
    incident_id = _walk(runtime)
    resent = _resent(runtime, incident_id)
    assert [(data["reason"], data["kind"], data["severity"], data["level"]) for _, data in resent] == [
        ("kind_corrected", "misinformation", "medium", 1), ("kind_corrected", "flaming", "medium", 1),
        ("url_changed", "flaming", "high", 1), ("severity_changed", "flaming", "high", 1)]
    assert all(sorted(data["sections"]) == BOTH for _, data in resent)
    assert [data["title"] for _, data in resent][2:] == ["【炎上】INC-0001（重大度: 高）",
                                                         "【重大度の変更】INC-0001（炎上）: 中 → 高"]
    triage = runtime.triage
    assert triage.incidents.correct_kind(incident_id, "flaming", REPORTER).duplicate  # a click again
    again = triage.steps.complete(incident_id, "intake", REPORTER, answers={"post_url": NEW_URL})
    assert again.duplicate
    replayed = triage.steps.replay(incident_id, "intake", REPORTER)  # the delivery a crash cut short
    assert [note.topic for note in replayed.notifications] == ["notice_revised"]
    assert len(_resent(runtime, incident_id)) == 4
    assert verify_database(triage.deps).ok


def test_a_retried_transaction_records_its_notice_once(runtime_factory: Callable[..., Runtime],
                                                       database_url: str) -> None:
    """A unique-key race reruns the whole correction (core.transaction): the first attempt's notice event goes
    with its rollback, the second writes its own, so the record holds one."""
    runtime = runtime_factory(database_url, profile="urausu")
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert outcome.incident is not None
    incident_id, attempts = outcome.incident.id, []

    def work(session: Session) -> int:
        incident = load_incident(session, incident_id, lock=True)
        old, incident.kind = incident.kind, "misinformation"
        record(session, triage.deps, incident_id, "kind_corrected", STAFF, old=old, new=incident.kind)
        notes = url_correction.kind_redrawn(session, triage.deps, incident, old)
        attempts.append(len(notes))
        if len(attempts) == 1:  # the race: a row another instance wrote first (a real unique-key violation)
            session.add(IncidentReporter(incident_id=incident_id, user_id=STAFF, name="",
                                         reported_at=incident.created_at))
            session.flush()
        return len(notes)

    assert transaction(triage.deps, work) == 1
    assert attempts == [1, 1]
    assert [data["reason"] for _, data in _resent(runtime, incident_id)] == ["kind_corrected"]
    assert verify_database(triage.deps).ok


def test_the_records_list_each_message_to_a_section(runtime_factory: Callable[..., Runtime],
                                                    sqlite_url: str) -> None:
    """Walk #5: 「６ 通知・確認」 and the timeline listed the first notice only."""
    runtime = runtime_factory(sqlite_url, profile="urausu")
    incident_id = _walk(runtime)
    desk = RecordsDesk(runtime.triage.deps)
    report = desk.report_file(incident_id, None, "md").content.decode()
    notices = report[report.index("## 6."):report.index("## 7.")]
    rows = [line.split(" | ")[1:3] for line in notices.splitlines() if line.startswith("| 令和")]
    both = "所属課局長及び総務課"
    assert rows == [["通知", both], ["通知（種別の訂正）", both], ["通知（種別の訂正）", both],
                    ["確認", "総務課 佐藤（総務課）"], ["通知（投稿のURLの変更）", both],
                    ["通知（重大度の変更）", both]]
    timeline = desk.timeline_file(incident_id, None, "md").content.decode()
    assert ("ボット（自動処理）が所属課局長及び総務課に投稿のURLの変更を知らせる通知を送りました（【炎上】INC-0001"
            "（重大度: 高）、第1段階）。") in timeline
    assert timeline.count("| 追加の通知 |") == 4
    document = docx.Document(io.BytesIO(desk.report_file(incident_id, None, "docx").content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert cells.count("通知（種別の訂正）") == 2 and "通知（重大度の変更）" in cells
    sheet = openpyxl.load_workbook(io.BytesIO(desk.timeline_file(incident_id, None, "xlsx").content)).worksheets[0]
    assert [row[1] for row in sheet.iter_rows(values_only=True)].count("追加の通知") == 4


def test_the_weekly_summary_counts_no_message_as_an_incident_or_a_notice(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, clock: FixedClock) -> None:
    """Four further messages: still one new incident, no climb, the same time to acknowledge."""
    runtime = runtime_factory(sqlite_url, profile="urausu")
    _walk(runtime)
    week = IsoWeek.containing(clock.now())
    current = build_summary(runtime.triage.deps.sessions, week, clock.now()).current
    assert current.new_total == 1 and current.by_kind == {"flaming": 1}
    assert current.escalated_level2 == 0 and current.escalations_by_level == {}
    assert current.time_to_acknowledge.count == 1 and current.time_to_acknowledge.median_minutes == 0.0


def test_a_leaks_messages_carry_no_report_text(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """A flaming report corrected to a leak: PR is told that a co-reporter lost their role, then of the severity
    change; the events say whom and why, never what was reported or the post URL."""
    runtime = runtime_factory(sqlite_url, profile="urausu")
    triage = runtime.triage
    text = "町の公式Xが炎上しています。除雪車の写真に批判が殺到 https://x.com/town/status/9"
    first = triage.incidents.report(ReportInput(text=text, reporter=REPORTER))
    assert first.incident is not None and not first.incident.restricted
    assert triage.incidents.report(ReportInput(text=text, reporter=Actor(OTHER, "同僚 高橋", "test"))).merged
    officer = Actor(SECURITY, "情報セキュリティ 鈴木", "test")
    corrected = triage.incidents.correct_kind(first.incident.id, "leak", officer)
    assert [note.topic for note in corrected.notifications] == ["co_report"] and corrected.step is not None
    answers = {**answers_for(corrected.step), "spread": "large", "press": "yes"}
    done = triage.steps.complete(first.incident.id, corrected.step.step_id, officer, answers=answers)
    assert [note.topic for note in done.notifications] == ["severity_changed"]
    resent = _resent(runtime, first.incident.id)
    assert [(data["reason"], data["kind"]) for _, data in resent] == [("roles_revoked", "leak"),
                                                                      ("severity_changed", "leak")]
    assert not any(word in str(data) for _, data in resent for word in ("除雪車", "x.com", "status/9"))
    timeline = RecordsDesk(triage.deps).timeline_file(first.incident.id, SECURITY, "md").content.decode()
    assert "閲覧制限による報告者の権限の取り消しを知らせる通知を送りました" in timeline
