"""Session 13 records walk (docs/qa/session13_records.md): what the report and timeline cite and date, kept exact."""

from __future__ import annotations

import io
from collections.abc import Callable

import docx

from bot.clock import FixedClock
from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.wiring import Runtime
from tests.conftest import SECURITY, STAFF
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "担当 山田", "test")
OFFICER = Actor(SECURITY, "情報セキュリティ 鈴木", "test")
LEAK = "個人情報の漏えいです。町の公式Facebookに住民の申請書の写真が誤って投稿されています https://www.facebook.com/town/posts/9"
PRACTICE = "一般的な対応（浦臼町のガイドラインの定めではありません）"


def _leak_done(runtime: Runtime, clock: FixedClock) -> int:
    """A leak reported in 浦臼町 and every step done by security, a day after each other step."""
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(text=LEAK, reporter=REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    incident_id, step, actor = outcome.incident.id, outcome.step, REPORTER
    while step is not None:
        step = triage.steps.complete(incident_id, step.step_id, actor, answers=answers_for(step)).step
        actor = OFFICER
        clock.advance(days=1)
    return incident_id


def _step_row(md: str, title: str) -> str:
    return next(line for line in md.splitlines() if line.startswith("| ") and f"| {title} |" in line)


def test_a_step_of_general_practice_cites_no_clause_in_the_records(runtime_factory: Callable[..., Runtime],
                                                                   sqlite_url: str, clock: FixedClock) -> None:
    """Finding 1: the chat said of 「拡散を止める」 「根拠: 一般的な対応（浦臼町のガイドラインの定めではありません）」,
    the report's 対応の実施状況 and the timeline cited 「5(3)（一般原則）、7(1)①（一般原則）、7(1)②（一般原則）」."""
    runtime = runtime_factory(sqlite_url, profile="urausu")
    incident_id = _leak_done(runtime, clock)
    desk = RecordsDesk(runtime.triage.deps)
    report = desk.report_file(incident_id, None, "md").content.decode()
    for title in ("拡散を止める（削除・非公開・削除依頼）", "本人への通知と個人情報保護委員会への報告を検討する"):
        row = _step_row(report, title)
        assert row.endswith(f"| {PRACTICE} |"), row
        assert "一般原則" not in row
    cited = "| 浦臼町ガイドライン 6\\(2\\)、浦臼町ガイドライン 8\\(2\\)① |"
    assert _step_row(report, "漏えいした情報を特定する").endswith(cited)
    timeline = desk.timeline_file(incident_id, None, "md").content.decode()
    stop = next(line for line in timeline.splitlines() if "「拡散を止める" in line and "完了" in line)
    assert stop.endswith(f"| {PRACTICE} |"), stop


def test_a_draft_in_the_report_bears_the_date_its_step_was_done(runtime_factory: Callable[..., Runtime],
                                                                sqlite_url: str, clock: FixedClock) -> None:
    """Finding 2: 「８ 発信した文書」 of a report made days later dated the internal leak report and its banner with
    the day the report was made (報告日: 令和8年11月24日), not the day security wrote it (11月22日)."""
    runtime = runtime_factory(sqlite_url, profile="urausu")
    incident_id = _leak_done(runtime, clock)
    done = _step_row(RecordsDesk(runtime.triage.deps).report_file(incident_id, None, "md").content.decode(),
                     "漏えいした情報を特定する")
    assert "| 令和8年11月22日（日）" in done, done
    clock.advance(days=30)
    report = RecordsDesk(runtime.triage.deps).report_file(incident_id, None, "md").content.decode()
    documents = report[report.index("発信した文書"):report.index("## 9.")]
    # Session 20: a leak's drafts are no longer copied (they held what leaked); an ordinary incident's drafts keep
    # the date their step was done (tests/test_qa_session20_records.py, the ordinary report).
    assert "文面はこの報告書に転記しません" in documents
    assert "令和8年12月" not in documents


def test_a_leaks_report_is_marked_for_restricted_handling_on_top(runtime_factory: Callable[..., Runtime],
                                                                 sqlite_url: str, clock: FixedClock) -> None:
    """Finding 4: the Word report of a leak (sent to three DMs, printed and filed) was headed 「SNSトラブル対応報告書
    （案）」 like any other; only a sentence in section 3 said it is restricted, while its own internal report draft is
    headed 【取扱注意】."""
    runtime = runtime_factory(sqlite_url, profile="iwaki")
    leak = _leak_done(runtime, clock)
    triage = runtime.triage
    flaming = triage.incidents.report(ReportInput(text="市の公式Xが炎上しています https://x.com/city/status/5",
                                                  reporter=REPORTER, kind_hint="flaming")).incident
    assert flaming is not None
    desk = RecordsDesk(triage.deps)
    document = docx.Document(io.BytesIO(desk.report_file(leak, SECURITY, "docx").content))
    assert "【取扱注意】SNSトラブル対応報告書（案）" in [p.text for p in document.paragraphs]
    assert desk.report_file(leak, None, "md").content.decode().startswith("# 【取扱注意】SNSトラブル対応報告書（案）")
    assert desk.report_file(flaming.id, None, "md").content.decode().startswith("# SNSトラブル対応報告書（案）")


def test_the_reports_history_leaves_out_the_classifiers_bookkeeping(runtime: Runtime) -> None:
    """Finding 9: 「担当 山田の「判定の学習例」を記録しました。」 in 経緯 after each kind correction: words a 課長
    cannot place. The report's history leaves them out; the timeline keeps every event."""
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(
        text="市の公式Xの投稿に批判が殺到しています https://x.com/city/status/77", reporter=REPORTER))
    assert outcome.incident is not None
    triage.incidents.correct_kind(outcome.incident.id, "misinformation", REPORTER)
    desk = RecordsDesk(runtime.triage.deps)
    assert "判定の学習例" in desk.timeline_file(outcome.incident.id, None, "md").content.decode()
    report = desk.report_file(outcome.incident.id, None, "md").content.decode()
    assert "判定の学習例" not in report and "種別" in report
