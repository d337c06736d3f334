"""Console records: /timeline names people and sections; at the end the files are written and the closing
review (原因・再発防止策) is asked, optional; only who may see an incident gets its files."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
from docx import Document

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings, ConsoleUser
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.test_console_transcript import REPORTS, _walk

USERS = ConsoleSettings(users={
    "staff": ConsoleUser(id=STAFF, name="山田 花子"),
    "pr": ConsoleUser(id=PR, name="広報 太郎"),
    "security": ConsoleUser(id=SECURITY, name="情報 守"),
    "other": ConsoleUser(id=OTHER, name="佐藤 一郎"),
}, default_user="staff")


def written(answer: str) -> list[Path]:
    """The file paths a console answer names."""
    return [Path(m) for m in re.findall(r"^\s+(/\S+\.(?:docx|xlsx))$", answer, flags=re.MULTILINE)]


def docx_text(path: Path) -> str:
    document = Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_timeline_names_people_and_sections(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = ConsoleChat(runtime_factory(sqlite_url).triage, USERS)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/11"))
    chat.handle("/as pr")
    chat.handle("/ack")
    timeline = chat.handle("/timeline")
    assert "山田 花子" in timeline and "広報 太郎（広報担当）" in timeline and "広報広聴課" in timeline
    assert STAFF not in timeline and PR not in timeline and "pr_section" not in timeline


def test_the_end_writes_the_files_and_asks_the_review(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                      tmp_path: Path) -> None:
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/12"))
    chat.handle("/as pr")
    chat.handle("/ack")
    chat.handle("/as staff")
    transcript: list[str] = []
    _walk(chat, transcript)
    end = transcript[-1]
    assert "すべての手順が終わりました" in end and "原因を入力してください" in end
    report, timeline = written(end)
    folder = tmp_path / "records"  # beside the SQLite database
    assert report == folder / "INC-0001-report.docx" and timeline == folder / "INC-0001-timeline.xlsx"
    assert "（記入してください）" in docx_text(report)
    sheet = openpyxl.load_workbook(timeline).active
    assert sheet.max_row - 1 == len(runtime.triage.queries.timeline(1, None))
    assert "再発防止策を入力してください" in chat.handle("投稿前の確認が一人だけだった。")
    done = chat.handle("公開前に二人で確認する。")
    assert "原因と再発防止策を記録しました" in done
    report2, _ = written(done)
    assert report2 == folder / "INC-0001-report-2.docx"  # the first file (perhaps edited) is kept
    text = docx_text(report2)
    assert "投稿前の確認が一人だけだった。" in text and "公開前に二人で確認する。" in text
    assert "review_recorded" in [e.type for e in runtime.triage.queries.timeline(1, None)]
    assert "対応完了" in chat.handle("/list")  # back to commands


def test_the_review_is_optional(runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS, records_folder=tmp_path / "out")
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/13"))
    chat.handle("/as pr")
    chat.handle("/ack")
    transcript: list[str] = []
    _walk(chat, transcript)
    assert [p.parent for p in written(transcript[-1])] == [tmp_path / "out"] * 2
    chat.handle("")
    assert "記入しませんでした" in chat.handle("")  # both skipped: nothing recorded
    assert "review_recorded" not in [e.type for e in runtime.triage.queries.timeline(1, None)]
    # /close later asks again; a command stops the questions and runs.
    closed = chat.handle("/close")
    assert "終結" in closed and "原因を入力してください" in closed and len(written(closed)) == 2
    listed = chat.handle("/list")
    assert "記入しませんでした" in listed and "INC-0001" in listed
    assert "review_recorded" not in [e.type for e in runtime.triage.queries.timeline(1, None)]


def test_a_restricted_incident_gives_files_only_to_who_may_see_it(runtime_factory: Callable[..., Runtime],
                                                                  sqlite_url: str, tmp_path: Path) -> None:
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS, records_folder=tmp_path / "out")
    chat.handle(REPORTS["leak"].format(url="https://x.com/a/status/14"))
    transcript: list[str] = []
    _walk(chat, transcript)  # the reporter finishes the steps but may not end a leak
    assert not written(transcript[-1]) and not (tmp_path / "out").exists()
    chat.handle("/as other")
    assert "権限がありません" in chat.handle("/resolve")  # a bystander may not end it and gets nothing
    assert not (tmp_path / "out").exists()
    chat.handle("/as security")
    ended = chat.handle("/resolve")
    report, _ = written(ended)
    assert "情報漏えい" in docx_text(report) and "原因を入力してください" in ended
    assert "再発防止策" in chat.handle("誤送信")
    assert "記録しました" in chat.handle("")  # the prevention left blank: the cause alone is recorded
