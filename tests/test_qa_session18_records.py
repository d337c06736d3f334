"""Session 18 records walk (docs/qa/session18_records.md): what the 課長, the auditor and a stranger read."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import docx
import openpyxl
from sqlalchemy import update

from bot.clock import FixedClock
from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.wiring import Runtime
from storage.models import TimelineEvent
from tests.conftest import PR, SECURITY, STAFF
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "山田 太郎", "test")
PRESS = Actor(PR, "広報 花子", "test")
OFFICER = Actor(SECURITY, "情報セキュリティ 鈴木", "test")
FLAMING = "市の公式Xの除雪の投稿が炎上しています https://x.com/city/status/111"
MARK = "【改ざん・削除のおそれ】"


def _flaming(runtime: Runtime, clock: FixedClock) -> int:
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    incident_id, step = outcome.incident.id, outcome.step
    while step is not None:
        clock.advance(minutes=10)
        step = triage.steps.complete(incident_id, step.step_id, REPORTER, answers=answers_for(step)).step
    return incident_id


def _tamper_severity(runtime: Runtime, incident_id: int) -> int:
    """Someone with database access turns 「中→高」 into 「中→低」 (no hash recomputed)."""
    with runtime.triage.deps.sessions.begin() as session:
        event = session.query(TimelineEvent).filter_by(incident_id=incident_id, type="severity_changed").one()
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == event.seq).values(new_value="low"))
        return event.seq


def test_a_tampered_timeline_says_so_in_every_file_and_marks_the_row(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, clock: FixedClock) -> None:
    """Finding 1: the xlsx and CSV of a tampered timeline (the xlsx also goes to DMs at closing) said nothing, while
    the command line said 「ファイルにもそう記載しました」; no file showed which row (rows carry no seq)."""
    runtime = runtime_factory(sqlite_url)
    incident_id = _flaming(runtime, clock)
    _tamper_severity(runtime, incident_id)
    desk = RecordsDesk(runtime.triage.deps)
    sheet = openpyxl.load_workbook(io.BytesIO(desk.timeline_file(incident_id, None, "xlsx").content)).worksheets[0]
    cells = [[str(c.value or "") for c in row] for row in sheet.iter_rows()]
    assert "改ざん" in cells[0][0] and "timeline verify" in cells[0][0]
    assert cells[1][:4] == ["日時", "種別", "実施者", "内容"] and sheet.freeze_panes == "A3"
    marked = [row for row in cells if row[3].startswith(MARK)]
    assert len(marked) == 1 and "「中」から「低」" in marked[0][3]
    rows = list(csv.reader(io.StringIO(desk.timeline_file(incident_id, None, "csv").content.decode("utf-8-sig"))))
    assert rows[0][0] == "日時" and [r for r in rows if r[3].startswith(MARK)] == [
        next(r for r in rows if "「中」から「低」" in r[3])]
    timeline = desk.timeline_file(incident_id, None, "md").content.decode()
    assert "このファイルをそのまま使わず" in timeline and f"{MARK}山田 太郎の入力により重大度" in timeline
    report = docx.Document(io.BytesIO(desk.report_file(incident_id, None, "docx").content))
    history = [row.cells[2].text for row in report.tables[0].rows]  # 経緯
    assert [text for text in history if text.startswith(MARK)] == [
        next(text for text in history if "「中」から「低」" in text)]


def test_a_sound_timeline_has_no_warning_row(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                             clock: FixedClock) -> None:
    runtime = runtime_factory(sqlite_url)
    incident_id = _flaming(runtime, clock)
    sheet = openpyxl.load_workbook(io.BytesIO(
        RecordsDesk(runtime.triage.deps).timeline_file(incident_id, None, "xlsx").content)).worksheets[0]
    assert sheet.cell(1, 1).value == "日時" and sheet.freeze_panes == "A2"
    assert not any(MARK in str(c.value or "") for row in sheet.iter_rows() for c in row)


def test_the_classifiers_example_is_in_words_in_the_timeline(runtime_factory: Callable[..., Runtime],
                                                             sqlite_url: str, clock: FixedClock) -> None:
    """Finding 2: after a kind correction the timeline's xlsx/CSV read 変更後 「misinformation」 (the kind's id, in
    English) and the fallback 「山田 太郎の「判定の学習例」を記録しました。」."""
    runtime = runtime_factory(sqlite_url)
    incident_id = _flaming(runtime, clock)
    runtime.triage.incidents.correct_kind(incident_id, "misinformation", REPORTER)
    text = RecordsDesk(runtime.triage.deps).timeline_file(incident_id, None, "csv").content.decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(text)) if r[1] == "判定の学習例")
    assert row[5] == "デマ・事実と反する投稿" and "misinformation" not in text
    assert row[3] == ("山田 太郎の種別の訂正により、この報告を「デマ・事実と反する投稿」の判定の学習例として"
                      "記録しました。")


def test_a_withheld_first_notice_says_why_and_under_which_clause(runtime_factory: Callable[..., Runtime],
                                                                 sqlite_url: str, clock: FixedClock) -> None:
    """Finding 3: 旭川市 misinformation (7(3)イ: report only 悪質な場合): the report's 経緯 read 「ボット（自動処理）の
    「通知の保留（ガイドラインの条件待ち）」を記録しました。」 and 通知・確認 「通知・確認の記録はありません。」: a 課長
    could not tell whether anyone forgot to tell 広報広聴課."""
    runtime = runtime_factory(sqlite_url)
    outcome = runtime.triage.incidents.report(ReportInput(
        text="給付金についてのデマが拡散しています https://x.com/someone/status/999", reporter=REPORTER,
        kind_hint="misinformation"))
    assert outcome.incident is not None
    desk = RecordsDesk(runtime.triage.deps)
    report = desk.report_file(outcome.incident.id, None, "md").content.decode()
    assert "通知の保留（ガイドラインの条件待ち）」を記録しました" not in report
    assert ("ボット（自動処理）が、旭川市ガイドライン 7\\(3\\)イ により報告は「悪質な場合」に行うこととされているため、"
            "広報広聴課への通知を保留しました（手順で該当すると選ばれたときに通知します）。") in report
    timeline = desk.timeline_file(outcome.incident.id, None, "csv").content.decode("utf-8-sig")
    held = next(r for r in csv.reader(io.StringIO(timeline)) if r[1].startswith("通知の保留"))
    assert held[6] == "旭川市ガイドライン 7(3)イ"


def test_who_merged_an_incident_is_named_in_the_incident_it_went_into(runtime_factory: Callable[..., Runtime],
                                                                      sqlite_url: str, clock: FixedClock) -> None:
    """Finding 4: the report of the incident another was merged into read 「slack:U_PR（広報担当）がINC-0001を
    このインシデントに統合しました。」: the merger's name is kept on the merged incident only."""
    runtime = runtime_factory(sqlite_url)
    triage = runtime.triage
    first = triage.incidents.report(ReportInput(text="市長のなりすましアカウントがあります https://x.com/fake_mayor",
                                                reporter=Actor("slack:U_COL", "同僚 高橋", "test")))
    second = triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert first.incident is not None and second.incident is not None
    triage.incidents.merge(first.incident.id, second.incident.id, PRESS)
    report = RecordsDesk(triage.deps).report_file(second.incident.id, None, "md").content.decode()
    assert "slack:U_PR" not in report
    assert "| 広報 花子（広報担当） | 広報 花子（広報担当）がINC-0001をこのインシデントに統合しました。 |" in report


def test_every_page_of_the_word_report_is_numbered_and_a_leaks_is_marked(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, clock: FixedClock) -> None:
    """Finding 5: the Word report (two pages and more with its 経緯) had no header or footer: no page numbers for a
    filed document whose pages get separated, and a leak's 【取扱注意】 on the first page only."""
    runtime = runtime_factory(sqlite_url)
    triage = runtime.triage
    flaming = _flaming(runtime, clock)
    leak = triage.incidents.report(ReportInput(
        text="個人情報の漏えいです。公式Facebookに申請書の写真が投稿されています https://www.facebook.com/city/posts/9",
        reporter=REPORTER))
    assert leak.incident is not None
    desk = RecordsDesk(triage.deps)
    for incident_id, restricted in ((flaming, False), (leak.incident.id, True)):
        section = docx.Document(io.BytesIO(desk.report_file(incident_id, None, "docx").content)).sections[0]
        footer = section.footer._element.xml
        assert " PAGE " in footer and " NUMPAGES " in footer and f"INC-{incident_id:04d}" in footer
        assert ("【取扱注意】" in section.header.paragraphs[0].text) is restricted


def test_the_workbooks_print_on_numbered_pages_as_wide_as_the_paper(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, clock: FixedClock) -> None:
    """Finding 6: the auditor printing the timeline (7 columns, 250 characters wide) got portrait pages cutting the
    columns apart, the header row on the first page only and no page numbers."""
    runtime = runtime_factory(sqlite_url)
    incident_id = _flaming(runtime, clock)
    desk = RecordsDesk(runtime.triage.deps)
    books = (desk.timeline_file(incident_id, None, "xlsx").content, desk.incidents_file(None).content)
    for sheet in (s for book in books for s in openpyxl.load_workbook(io.BytesIO(book)).worksheets):
        assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0  # as many pages down as it takes
        assert sheet.print_title_rows == "$1:$1"
        assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
        assert sheet.oddHeader.left.text == sheet.title


def test_a_leaks_report_does_not_copy_its_notes(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                clock: FixedClock) -> None:
    """Finding 7: a leak's report says 「報告の本文はこの報告書に転記しません」 and its internal report 「漏えいした
    情報そのものは、この報告に記載しないでください」, yet 経緯 copied a colleague's note 「追記: 電話番号 090-1234-5678
    が見えます」 whole into the Word file sent to three DMs and filed."""
    runtime = runtime_factory(sqlite_url, profile="iwaki")
    triage = runtime.triage
    colleague = Actor("slack:U_COL", "同僚 高橋", "test")
    leak = triage.incidents.report(ReportInput(
        text="個人情報の漏えいです。住民の申請書が写っています https://www.facebook.com/city/posts/10",
        reporter=colleague)).incident
    assert leak is not None and leak.restricted
    triage.incidents.add_note(leak.id, colleague, "追記: 電話番号 090-1234-5678 が見えます")
    desk = RecordsDesk(triage.deps)
    for file in (desk.report_file(leak.id, None, "md"), desk.report_for_recipient(leak.id, "slack:U_COL", "md")):
        report = file.content.decode()
        assert "090-1234-5678" not in report
        assert ("同僚 高橋がメモを残しました（閲覧制限付きの案件のため、メモの本文はこの報告書に転記しません）。"
                in report)
    document = docx.Document(io.BytesIO(desk.report_file(leak.id, None, "docx").content))
    assert not any("090-1234-5678" in cell.text for table in document.tables for row in table.rows
                   for cell in row.cells)


def test_the_records_say_which_hash_they_were_made_from_and_how_to_check_it(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, clock: FixedClock) -> None:
    """Finding 8: the report ended 「最終ハッシュ b47172337cc2036d」 with no word of what it is, while `timeline verify`
    prints the chain's 「先頭ハッシュ」 (another hash): the auditor could match neither; the xlsx named no hash."""
    runtime = runtime_factory(sqlite_url)
    incident_id = _flaming(runtime, clock)
    desk = RecordsDesk(runtime.triage.deps)
    last = runtime.triage.queries.timeline(incident_id, None)[-1].hash[:16]
    report = desk.report_file(incident_id, None, "md").content.decode()
    provenance = report.strip().splitlines()[-1]
    assert f"最後の記録のハッシュ {last}" in provenance and "ハッシュチェーン" in provenance
    assert "incident-bot timeline verify" in provenance
    assert f"incident-bot timeline INC-{incident_id:04d} --format json" in provenance
    sheet = openpyxl.load_workbook(io.BytesIO(desk.timeline_file(incident_id, None, "xlsx").content)).worksheets[0]
    assert f"最後の記録のハッシュ {last}" in sheet.oddFooter.left.text


def test_the_re_notices_read_alike(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                   clock: FixedClock) -> None:
    """Finding 9 (low): 「ボット（自動処理）が確認のないまま期限を過ぎたため、所属長に再通知しました（第2段階）。」 then
    「ボット（自動処理）が、確認のないまま期限を過ぎたため、…（第2段階の1回目の再通知）。」: one sentence, two ways."""
    runtime = runtime_factory(sqlite_url)
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(
        text="市の公式Instagramが乗っ取られたようです https://www.instagram.com/city_official/p/abc",
        reporter=REPORTER))
    assert outcome.incident is not None
    for _ in range(3):
        clock.advance(minutes=31)
        triage.escalations.fire_due(lambda notification: None, "walk")
    text = RecordsDesk(triage.deps).timeline_file(outcome.incident.id, None, "csv").content.decode("utf-8-sig")
    sentences = [row[3] for row in csv.reader(io.StringIO(text)) if row[1] == "エスカレーション"]
    assert len(sentences) >= 2
    assert all(s.startswith("ボット（自動処理）が、確認のないまま期限を過ぎたため、") for s in sentences), sentences


def test_a_withheld_first_notice_is_in_the_notices_table(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                         clock: FixedClock) -> None:
    """Finding 3b: 「６ 通知・確認」 of that misinformation report read 「通知・確認の記録はありません。」."""
    runtime = runtime_factory(sqlite_url)
    outcome = runtime.triage.incidents.report(ReportInput(
        text="給付金についてのデマが拡散しています https://x.com/someone/status/999", reporter=REPORTER,
        kind_hint="misinformation"))
    assert outcome.incident is not None
    report = RecordsDesk(runtime.triage.deps).report_file(outcome.incident.id, None, "md").content.decode()
    notices = report[report.index("## 6."):report.index("## 7.")]
    assert "通知・確認の記録はありません" not in notices
    assert "| 通知の保留（ガイドラインの条件待ち） | 広報広聴課 | 旭川市ガイドライン 7\\(3\\)イ |" in notices
