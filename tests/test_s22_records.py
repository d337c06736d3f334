"""Records walk s22 (docs/qa/session22_walk_console.md): the files staff hand on, on scenarios nobody scripted."""

from __future__ import annotations

import argparse
import io
from datetime import datetime

import openpyxl
from docx import Document
from sqlalchemy import update

from bot.adapters.console import ConsoleChat
from bot.clock import JST, FixedClock
from bot.config import ConsoleSettings, ConsoleUser
from bot.records.service import RecordsDesk
from bot.records_cli import report as report_command
from bot.wiring import Runtime
from storage.models import Incident
from tests.conftest import PR, SECURITY, STAFF

USERS = ConsoleSettings(users={
    "staff": ConsoleUser(id=STAFF, name="担当 山田"), "pr": ConsoleUser(id=PR, name="広報 佐藤"),
    "security": ConsoleUser(id=SECURITY, name="情報セキュリティ 鈴木"),
}, default_user="staff")
FAKE = "https://x.com/fake_mayor_asahikawa"


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _impersonation(runtime: Runtime, clock: FixedClock) -> ConsoleChat:
    """A なりすまし whose first step is answered 個人情報 = 含まれる (restricted by the answer), then acknowledged."""
    clock.set(datetime(2026, 12, 8, 9, 30, tzinfo=JST))
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(f"市長になりすました偽のXアカウントが、市民に個別にDMを送っています {FAKE}")
    clock.advance(minutes=3)
    said = chat.handle(f"/done post_url={FAKE} platform=X spread=中 press=なし personal_data=含まれる")
    assert "閲覧制限" in said, said
    chat.handle("/as pr")
    clock.advance(minutes=5)
    chat.handle("/ack")
    return chat


def test_a_restriction_by_a_step_answer_is_not_called_a_co_report(runtime: Runtime, clock: FixedClock) -> None:
    """Walk (medium): PR's 【閲覧制限】 notice after a step answer read in every file
    「情報漏えいのおそれがある共同報告を知らせる通知」 (and 「通知（情報漏えいのおそれがある共同報告）」):
    nobody else reported; an auditor looks for one."""
    _impersonation(runtime, clock)
    desk = RecordsDesk(runtime.triage.deps)
    report = _docx_text(desk.report_file(1, PR, "docx").content)
    timeline = desk.timeline_file(1, PR, "md").content.decode("utf-8")
    for text in (report, timeline):
        assert "【閲覧制限】INC-0001" in text
        assert "共同報告" not in text, [line for line in text.splitlines() if "共同報告" in line]
        assert "閲覧制限を知らせる通知" in text


def test_an_incident_row_edited_behind_the_chain_is_said_in_every_file(runtime: Runtime, clock: FixedClock) -> None:
    """Walk (high): the severity lowered 高→低 in the incidents table (the chain untouched): `timeline verify` found it,
    but the report printed 「重大度：低」 and the files carried no warning, and `report` exited 0."""
    _impersonation(runtime, clock)
    with runtime.triage.deps.sessions.begin() as session:
        session.execute(update(Incident).where(Incident.id == 1).values(severity="low"))
    desk = RecordsDesk(runtime.triage.deps)
    report = _docx_text(desk.report_file(1, PR, "docx").content)
    assert "重大度「低」" in report and "タイムラインの記録では「高」" in report, report[:600]
    sheet = openpyxl.load_workbook(io.BytesIO(desk.timeline_file(1, PR, "xlsx").content)).worksheets[0]
    assert "重大度「低」" in str(sheet.cell(1, 1).value)
    out = io.StringIO()
    args = argparse.Namespace(target="1", command="report", format="md", output=None, calendar=None, as_user=None)
    code = report_command(runtime, args, out)
    assert code == 1 and "タイムラインの記録と一致しません" in out.getvalue(), out.getvalue()[-400:]


def test_a_sound_record_carries_no_warning(runtime: Runtime, clock: FixedClock) -> None:
    _impersonation(runtime, clock)
    desk = RecordsDesk(runtime.triage.deps)
    report = _docx_text(desk.report_file(1, PR, "docx").content)
    assert "【注意】" not in report and "一致しません" not in report


def test_a_restricted_incident_of_another_kind_is_not_called_a_leak(runtime: Runtime, clock: FixedClock) -> None:
    """Walk (medium): the なりすまし restricted by its answer, and a leak PR corrected to 炎上 (still restricted), read
    「種別：なりすまし」 then 「情報漏えいの案件のため、報告の本文は…転記しません」 and 「メモを残しました（情報漏えいの
    案件のため…）」: a 課長 reads the kind as wrong.
    What holds for every restricted incident is the restriction."""
    chat = _impersonation(runtime, clock)
    chat.handle("/as staff")
    chat.handle("/note 偽アカウントのDMで市民の山本 花子さん（080-3333-4444）が住所を送ってしまった")
    report = _docx_text(RecordsDesk(runtime.triage.deps).report_file(1, PR, "docx").content)
    assert "種別：なりすまし" in report
    assert "情報漏えいの案件" not in report, [line for line in report.splitlines() if "情報漏えいの案件" in line]
    assert "閲覧制限付きの案件のため、報告の本文はこの報告書に転記しません" in report
    assert "メモを残しました（閲覧制限付きの案件のため" in report and "山本" not in report
