"""Session 20 records walk: the summary's left-overs (所管課 not given, the escalation in the city's words) and the
records read by a 課長, an auditor and a 情報公開 officer."""

from __future__ import annotations

import argparse
import io
import json
import shlex
from datetime import datetime

import openpyxl
from docx import Document
from sqlalchemy import select

from bot.adapters.console import ConsoleChat
from bot.clock import JST, FixedClock
from bot.config import ConsoleSettings, ConsoleUser
from bot.i18n import Catalog
from bot.ports import Actor, ReportInput
from bot.records.sentences import format_when
from bot.records.service import RecordsDesk
from bot.summary_cli import summary as summary_command
from bot.triage.summary import Month, build_summary, render_summary
from bot.triage.summary_chart import day_ticks
from bot.triage.summary_job import run_weekly_summary
from bot.triage.summary_model import IsoWeek, WeeklySummary
from bot.wiring import Runtime
from storage.models import TimelineEvent
from tests.conftest import PR, SECURITY, STAFF
from tests.helpers import answers_for

W48 = IsoWeek(2026, 48)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=JST)
REPORTER = Actor(STAFF, "山田 花子", "slack")
PR_OFFICER = Actor(PR, "広報 太郎", "slack")


def _summary(runtime: Runtime, week: IsoWeek = W48) -> WeeklySummary:
    """The summary as the weekly job builds and posts it."""
    posted: list[WeeklySummary] = []
    assert run_weekly_summary(runtime.triage.deps, lambda summary, png: posted.append(summary), "w", NOW,
                              week=week, chart=False)
    return posted[0]


def _climbed_week(runtime: Runtime, clock: FixedClock) -> int:
    """A takeover nobody acknowledges on Tuesday: the escalation job tells the second level (所属長) too."""
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=JST))
    outcome = runtime.triage.incidents.report(ReportInput(
        "市の公式LINEアカウントが乗っ取られた可能性があります。パスワードが変わっていました", REPORTER))
    assert outcome.incident is not None
    clock.set(datetime(2026, 11, 24, 13, 0, tzinfo=JST))
    assert runtime.triage.escalations.fire_due(lambda notification: None, "w") >= 1
    clock.set(NOW)
    return outcome.incident.id


def test_a_department_nobody_gave_is_called_so_not_unknown(runtime: Runtime, clock: FixedClock) -> None:
    """Summary left-over (s19 #8): 「所管課: 不明 1件」 reads as if nobody knew the section; nobody gave it."""
    _climbed_week(runtime, clock)
    summary = _summary(runtime)
    assert summary.current.by_department == {"unknown": 1}
    assert "・所管課: 所管課の記録なし 1件" in render_summary(summary, runtime.triage.catalog)
    assert "• By department: no department recorded 1" in render_summary(summary, Catalog.load("en"))


def test_the_escalation_line_names_who_was_told_in_the_citys_words(runtime: Runtime, clock: FixedClock) -> None:
    """Summary left-over (s19 #9): 「第2段階以上のエスカレーション 1件」: jargon to a 課長; say who was told."""
    _climbed_week(runtime, clock)
    summary = _summary(runtime)
    assert summary.current.escalated_level2 == 1
    text = render_summary(summary, runtime.triage.catalog)
    assert "第2段階" not in text and "エスカレーション" not in text
    second = runtime.triage.deps.escalation.levels[1].section_name
    assert f"・確認がないため{second}にも通知した案件 1件（0件）" in text
    english = render_summary(summary, Catalog.load("en"))
    assert "level 2" not in english and f"• Not acknowledged, so {second} was told too: 1 (0)" in english


def test_without_a_second_level_the_line_says_there_is_none(runtime_factory, database_url: str,
                                                            clock: FixedClock) -> None:
    """The built-in chain has one level: the line says in plain words what it counts rather than 「第2段階以上 0件」."""
    runtime = runtime_factory(database_url, escalation={})
    _climbed_week(runtime, clock)  # re-noticed only: there is nobody further to tell
    text = render_summary(_summary(runtime), runtime.triage.catalog)
    assert "第2段階" not in text
    assert "・確認がないため最初の報告先より先にも通知した案件 0件（0件）" in text


def _month_cli(runtime: Runtime, month: str | None, output: str = "text", **extra: object) -> tuple[int, str]:
    out = io.StringIO()
    args = argparse.Namespace(week=None, month=month, format=output, chart=None, post=False)
    for name, value in extra.items():
        setattr(args, name, value)
    return summary_command(runtime, args, out), out.getvalue()


def _month_edges(runtime: Runtime, clock: FixedClock) -> None:
    """Reports either side of 1 November and 1 December 00:00 JST."""
    for when, url in ((datetime(2026, 10, 31, 23, 50), "https://x.com/city_fake/status/1"),
                      (datetime(2026, 11, 1, 0, 10), "https://x.com/city_fake/status/2"),
                      (datetime(2026, 11, 30, 23, 59), "https://x.com/city_fake/status/3"),
                      (datetime(2026, 12, 1, 0, 0), "https://x.com/city_fake/status/4")):
        clock.set(when.replace(tzinfo=JST))
        assert runtime.triage.incidents.report(ReportInput(f"市の公式Xの投稿が炎上しています {url}",
                                                           REPORTER)).incident is not None
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=JST))


def test_a_month_is_summed_from_the_first_at_midnight_japan_time_and_dated_in_wareki(runtime: Runtime,
                                                                                    clock: FixedClock) -> None:
    """Summary left-over (s19 #10): a 課長 reads a month; 「incident-bot summary --month 2026-11」 gives it."""
    _month_edges(runtime, clock)
    code, text = _month_cli(runtime, "2026-11")
    assert code == 0, text
    assert text.startswith("【月次インシデントまとめ】令和8年11月\n"), text
    assert "期間: 11月1日（日）0:00〜11月30日（月）24:00（日本時間）。かっこ内は前月（令和8年10月）の値" in text
    assert "■ 新規インシデント 2件（前月 1件、+1）" in text
    assert "前週" not in text and "この週" not in text
    code, data = _month_cli(runtime, "2026/11", "json")
    summary = json.loads(data)
    assert summary["week"] == "2026-11" and summary["current"]["new_total"] == 2
    assert len(summary["current"]["daily"]) == 30 and summary["previous"]["new_total"] == 1


def test_the_month_defaults_to_last_month_and_a_bad_one_is_named(runtime: Runtime, clock: FixedClock) -> None:
    """「--month」 alone is 先月 (on 7 December: November); a month that is not one gets a Japanese message."""
    _month_edges(runtime, clock)
    code, text = _month_cli(runtime, "")
    assert code == 0 and text.startswith("【月次インシデントまとめ】令和8年11月\n"), text
    code, text = _month_cli(runtime, "2026-13")
    assert code == 2 and "月は 2026-11 のように" in text
    code, text = _month_cli(runtime, "2026-11", week="2026-W48")
    assert code == 2 and "--week と --month" in text


def test_a_month_reads_in_english_too(runtime_factory, database_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(database_url, locale="en")
    _month_edges(runtime, clock)
    code, text = _month_cli(runtime, "2026-11")
    assert code == 0 and text.startswith("[Monthly incident summary] November 2026\n"), text
    assert "figures in brackets are the month before (October 2026)" in text
    assert "week" not in text.lower()


def test_a_months_chart_labels_each_day_with_its_own_weekday(runtime: Runtime, clock: FixedClock,
                                                             tmp_path) -> None:
    """The chart's ticks took the weekday from the bar's position (a week's): a month's 31st bar broke it."""
    _month_edges(runtime, clock)
    chart = tmp_path / "month.png"
    code, text = _month_cli(runtime, "2026-11", chart=str(chart))
    assert code == 0, text
    assert chart.read_bytes().startswith(b"\x89PNG")
    deps = runtime.triage.deps
    ticks = day_ticks(build_summary(deps.sessions, Month(2026, 11), clock.now(), calendar=deps.escalation.calendar),
                      "ja")
    assert len(ticks) == 30 and ticks[0] == "11/1\n(日)" and ticks[2] == "11/3\n(火・休)"  # 文化の日


# -- the records walk ------------------------------------------------------------------------------------------
USERS = ConsoleSettings(users={
    "staff": ConsoleUser(id=STAFF, name="山田 花子"), "pr": ConsoleUser(id=PR, name="広報 太郎"),
    "security": ConsoleUser(id=SECURITY, name="情報 守"),
}, default_user="staff")
LEAK_URL = "https://www.facebook.com/asahikawa.city/posts/777"
LEAKED = ("北海 太郎", "北海 花子", "090-1234-5678")


def _console(runtime: Runtime, clock: FixedClock) -> ConsoleChat:
    clock.set(datetime(2026, 12, 6, 20, 0, tzinfo=JST))  # a Sunday evening
    return ConsoleChat(runtime.triage, USERS)


def _walk_steps(chat: ConsoleChat, clock: FixedClock, url: str, given: dict[str, str]) -> None:
    for _ in range(30):
        assert chat.focus is not None
        step = chat.triage.steps.current(chat.focus, chat.actor.user_id)
        if step is None:
            return
        answers = answers_for(step, url)
        answers.update({key: value for key, value in given.items() if key in answers})
        clock.advance(minutes=4)
        chat.handle("/done " + " ".join(shlex.quote(f"{k}={v}") for k, v in answers.items()))
    raise AssertionError("the playbook did not finish")


def _leak(runtime: Runtime, clock: FixedClock) -> int:
    """A leak whose staff wrote the people's names and a phone number into the step's free-text answers."""
    chat = _console(runtime, clock)
    chat.handle(f"市の公式Facebookに住民の個人情報が写った写真を誤って投稿しました。情報漏えいです {LEAK_URL}")
    _walk_steps(chat, clock, LEAK_URL, {
        "platform": "Facebook", "personal_data": "yes",
        "leak_summary": "北海 太郎 様・北海 花子 様の氏名・住所・電話番号（申請書の写真）",
        "actions_taken": "投稿を削除し、北海 太郎 様（090-1234-5678）に電話で謝罪した"})
    assert chat.focus is not None
    return chat.focus


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_leaks_report_copies_no_free_text_answer_nor_draft_text(runtime: Runtime, clock: FixedClock) -> None:
    """Walk (high): the leak's report withheld the report text and notes, yet copied 「北海 太郎 様・北海 花子 様の
    氏名・住所・電話番号」 and 「北海 太郎 様（090-1234-5678）」 from the step answers into 経緯 and the internal report
    draft (8. 発信した文書): a file filed, sent to three DMs and disclosed on a 情報公開請求."""
    number = _leak(runtime, clock)
    desk = RecordsDesk(runtime.triage.deps)
    for fmt in ("docx", "md"):
        file = desk.report_file(number, SECURITY, fmt)
        text = _docx_text(file.content) if fmt == "docx" else file.content.decode("utf-8")
        for leaked in LEAKED:
            assert leaked not in text, (fmt, leaked)
        assert "漏えいした（おそれのある）情報の種類と範囲「（閲覧制限付きの案件のため転記しません）」" in text
        assert "「個人情報」" in text  # a choice says what kind of thing, never whose
        assert "情報漏えい 内部報告（取扱注意）" in text and "文面はこの報告書に転記しません" in text
    # The timeline stays the complete working log (session 18 #12): the auditor's file keeps what was typed.
    assert "090-1234-5678" in desk.timeline_file(number, SECURITY, "csv").content.decode("utf-8")


def test_an_ordinary_reports_answers_and_drafts_are_copied_whole(runtime: Runtime, clock: FixedClock) -> None:
    chat = _console(runtime, clock)
    url = "https://x.com/asahikawa_city/status/1001"
    chat.handle(f"市の公式Xの投稿が炎上しています。批判のリプライが殺到中です {url}")
    _walk_steps(chat, clock, url, {"platform": "X", "wrong_text": "開館時間を17時と記載",
                                   "correction_text": "開館時間は19時"})
    assert chat.focus is not None
    clock.advance(days=30)  # the report made a month later: its drafts keep the day their step was done
    text = RecordsDesk(runtime.triage.deps).report_file(chat.focus, PR, "md").content.decode("utf-8")
    assert "「開館時間を17時と記載」" in text and "転記しません" not in text
    documents = text[text.index("発信した文書"):text.index("## 9.")]
    assert "令和8年12月6日作成" in documents and "令和9年" not in documents


def test_the_records_dates_carry_the_weekday_and_the_profiles_calendar(runtime: Runtime, clock: FixedClock) -> None:
    """Walk (medium): the leak came in on a Sunday evening; the report read 「令和8年12月6日 20:00」 (no 曜日: a 課長
    answering the 議会 must work out it was a Sunday), and the timeline files of the same 和暦 city read
    「2026年12月6日 20:25」 (steps sheet, Markdown) and 2026/12/06 (Excel cells): two calendars for one incident."""
    number = _leak(runtime, clock)
    desk = RecordsDesk(runtime.triage.deps)
    report = desk.report_file(number, SECURITY, "md").content.decode("utf-8")
    assert "| 令和8年12月6日（日）20:00 | 山田 花子 |" in report
    assert "覚知日時：令和8年12月6日（日）20:00" in report
    markdown = desk.timeline_file(number, SECURITY, "md").content.decode("utf-8")
    assert "| 令和8年12月6日（日）20:00 |" in markdown and "2026年" not in markdown
    book = openpyxl.load_workbook(io.BytesIO(desk.timeline_file(number, SECURITY, "xlsx").content))
    events, steps = book.worksheets
    assert events.cell(2, 1).value == datetime(2026, 12, 6, 20, 0)  # still a real date: sorted, filtered
    assert "ggge" in events.cell(2, 1).number_format and "aaa" in events.cell(2, 1).number_format
    assert steps.cell(2, 4).value == "令和8年12月6日（日）20:04"
    listing = openpyxl.load_workbook(io.BytesIO(desk.incidents_file(SECURITY).content)).active
    assert "ggge" in listing.cell(2, 6).number_format


def test_a_gregorian_city_and_english_get_their_own_weekday() -> None:
    sunday = datetime(2026, 12, 6, 20, 0, tzinfo=JST)
    assert format_when(sunday, "ja", "wareki") == "令和8年12月6日（日）20:00"
    assert format_when(sunday, "ja") == "2026年12月6日（日）20:00"
    assert format_when(sunday, "en") == "Sun 2026-12-06 20:00 JST"
    from bot.records.tables import excel_date_format  # new with the fix

    assert excel_date_format("ja", "western") == '[$-411]yyyy"年"m"月"d"日"(aaa) hh:mm'
    assert excel_date_format("en", "western") == "ddd yyyy-mm-dd hh:mm"


def test_the_reason_typed_when_reopening_reaches_the_record(runtime: Runtime, clock: FixedClock) -> None:
    """Walk (medium): 「/reopen 4 同じ投稿に批判が再燃したため」 reopened INC-0004 and dropped the reason unsaid: the
    report told the 課長 it was reopened, never why (the console kept a reason for /decline only)."""
    chat = _console(runtime, clock)
    url = "https://www.instagram.com/p/Cabc123"
    chat.handle(f"市の公式Instagramの投稿に批判コメントが殺到しています {url}")
    chat.handle("/as pr")
    assert "対応完了" in chat.handle("/resolve")
    assert "対応中" in chat.handle("/reopen 1 同じ投稿に批判が再燃したため")
    text = RecordsDesk(runtime.triage.deps).report_file(1, PR, "md").content.decode("utf-8")
    assert "状態を「対応中」とした理由：「同じ投稿に批判が再燃したため」" in text


def test_a_deleted_record_is_told_apart_and_every_row_carries_its_record_number(runtime: Runtime,
                                                                                clock: FixedClock) -> None:
    """Walk, auditor (medium): one row edited and the acknowledgement deleted; the workbook warned 「記録番号 4, 5, 7
    に改ざん・削除のおそれ」 but no row shows a 記録番号: which one is gone, which edited, and where the gap is
    cannot be read from the file the auditor was given."""
    chat = _console(runtime, clock)
    chat.handle("市の公式Xの投稿が炎上しています https://x.com/asahikawa_city/status/1001")
    chat.handle("/as pr")
    chat.handle("/ack")
    chat.handle("/note 批判は開館時間の誤りについて")
    with runtime.triage.deps.sessions.begin() as session:
        acknowledged = session.execute(select(TimelineEvent).where(TimelineEvent.type == "acknowledged")).scalar_one()
        note = session.execute(select(TimelineEvent).where(TimelineEvent.type == "note")).scalar_one()
        gone, edited = acknowledged.seq, note.seq
        session.delete(acknowledged)
        note.data = {**note.data, "text": "批判はありません"}
    desk = RecordsDesk(runtime.triage.deps)
    file = desk.timeline_file(1, PR, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(file.content)).worksheets[0]
    warning = str(sheet.cell(1, 1).value)
    assert f"記録番号 {gone} の記録は見つかりません" in warning
    head = [cell.value for cell in sheet[2]]
    assert head[-1] == "記録番号"
    numbers = [row[-1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert gone not in numbers and edited in numbers and numbers == sorted(numbers)
    marked = [row for row in sheet.iter_rows(min_row=3, values_only=True) if str(row[3]).startswith("【改ざん")]
    assert edited in [row[-1] for row in marked]
    report = desk.report_file(1, PR, "md").content.decode("utf-8")
    assert f"記録番号 {gone} の記録は見つかりません" in report
