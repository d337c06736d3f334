"""Record files read back in their real readers: CSV (utf-8-sig), openpyxl, python-docx; sentences and escaping."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest

from bot.clock import FixedClock
from bot.main import run
from bot.ports import Actor, ReportInput
from bot.records.model import load_record
from bot.records.report import build_report
from bot.records.service import RecordsDesk
from bot.records.tables import csv_safe, md_escape
from bot.triage.core import InvalidRequest, transaction
from bot.triage.export import export_timeline
from bot.triage.retention import erase_incident
from bot.wiring import Runtime
from tests.conftest import PR, SECURITY, STAFF
from tests.helpers import answers_for

HOSTILE = "市の公式Xの投稿が炎上しています ![x](https://evil.example/a.png) <img src=x onerror=alert(1)> | 列\n改行"
REPORTER = Actor(STAFF, "山田 太郎")
HEADINGS = ["件名", "発生・覚知日時", "種別・重大度", "概要", "経緯", "通知・確認", "対応の実施状況", "発信した文書",
            "原因", "再発防止策"]


def walk(runtime: Runtime, clock: FixedClock, text: str = HOSTILE, *, close: bool = True) -> int:
    """Report, answer every step, acknowledge, note, resolve and close: a full flaming incident."""
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(text=text, reporter=REPORTER))
    assert outcome.incident is not None
    incident_id, step = outcome.incident.id, outcome.step
    while step is not None:
        clock.advance(minutes=7)
        step = triage.steps.complete(incident_id, step.step_id, REPORTER, answers=answers_for(step)).step
    clock.advance(minutes=3)
    triage.incidents.acknowledge(incident_id, Actor(PR, "広報 花子"))
    triage.incidents.add_note(incident_id, REPORTER, "=HYPERLINK(\"https://evil.example\") ![i](https://e.x/i.png)")
    if close:
        # Steps finished before the acknowledgement leave it in progress: PR resolves it, then closes it.
        triage.incidents.change_status(incident_id, "resolved", Actor(PR))
        triage.incidents.change_status(incident_id, "closed", Actor(PR))
    return incident_id


@pytest.fixture
def flaming(runtime: Runtime, clock: FixedClock) -> int:
    return walk(runtime, clock)


def test_every_event_is_one_readable_sentence_with_its_date(runtime: Runtime, flaming: int) -> None:
    queries = runtime.triage.queries
    entries = queries.timeline(flaming, None)
    md = export_timeline(queries.view(flaming, None), entries, "md", runtime.triage.catalog, deps=runtime.triage.deps)
    rows = [line for line in md.splitlines() if line.startswith("| 令和8年")]  # the profile's 和暦, with 曜日
    assert len(rows) == len(entries)
    assert ("| 令和8年11月18日（水）10:07 | 状態の変更 | 山田 太郎 | "
            "山田 太郎が状態を「報告受付」から「対応中」に変更しました。 |") in md
    assert "ボット（自動処理）が広報広聴課に通知しました（第1段階）。 | 旭川市ガイドライン 7\\(1\\)エ" in md
    assert "広報 花子（広報担当）が報告を確認しました。" in md  # the name PR acknowledged under, not the id
    # No machine values: no JSON, no English status keys.
    assert '{"' not in md and not re.search(r"\b(reported|responding|resolved|closed|pr_section)\b", md)


def test_sentences_in_english(runtime_factory: Callable[..., Runtime], database_url: str,
                              clock: FixedClock) -> None:
    runtime = runtime_factory(database_url, locale="en")
    incident_id = walk(runtime, clock)
    desk = RecordsDesk(runtime.triage.deps)
    text = desk.timeline_file(incident_id, None, "md").content.decode("utf-8")
    assert "| Wed 2026-11-18 10:07 JST | Status changed |" in text
    assert re.search(r'changed the status from "[^"]+" to "[^"]+"\.', text)
    assert "年" not in text.split("\n", 3)[3].split("|")[1]  # dates are not Japanese
    report = desk.report_file(incident_id, None, "md").content.decode("utf-8")
    assert "Social media incident report" in report and "2026-11-18" in report and "令和" not in report


def _table_blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            blocks.append([])
        if is_row:
            blocks[-1].append(line)
        previous = is_row
    return blocks


def test_markdown_escapes_user_text(runtime: Runtime, flaming: int) -> None:
    desk = RecordsDesk(runtime.triage.deps)
    for name, maker in (("timeline", desk.timeline_file), ("report", desk.report_file)):
        text = maker(flaming, None, "md").content.decode("utf-8")
        assert "![" not in text and "<img" not in text and "](http" not in text, name
        inert = ("&lt;img src=x onerror=alert\\(1\\)&gt; \\| 列 改行" if name == "report"
                 else "\\!\\[i\\]\\(https://e.x/i.png\\)")
        assert inert in text, name  # on one line, escaped
        assert not any(line.startswith("改行") for line in text.splitlines()), name
        blocks = _table_blocks(text)
        assert blocks, name
        for block in blocks:  # every row of a table has exactly the header's cells: no pipe leaked
            cells = {len(re.findall(r"(?<!\\)\|", row)) for row in block}
            assert len(cells) == 1, (name, block)
    assert md_escape("a|b\nc ![x](y) <b>") == "a\\|b c \\!\\[x\\]\\(y\\) &lt;b&gt;"
    assert md_escape("# heading") == "\\# heading"


def test_csv_is_utf8_with_bom_and_plain_columns(runtime: Runtime, flaming: int, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    config = _config(runtime, tmp_path)
    out = io.StringIO()
    target = tmp_path / "timeline.csv"
    assert run(["--config", str(config), "timeline", str(flaming), "--format", "csv", "--output", str(target)],
               stdout=out, stderr=out) == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["日時", "種別", "実施者", "内容", "変更前", "変更後", "根拠条項"]
    assert len(rows) - 1 == len(runtime.triage.queries.timeline(flaming, None))
    status = next(row for row in rows if row[1] == "状態の変更")
    assert status[0] == "2026/11/18 10:07" and status[4:6] == ["報告受付", "対応中"]
    assert not any('"' in cell and cell.startswith('"') for row in rows for cell in row)  # no JSON quoting
    assert all(len(row) == 7 for row in rows)
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("@SUM(A1)") == "'@SUM(A1)" and csv_safe("普通") == "普通"


def test_timeline_xlsx_reads_back(runtime: Runtime, flaming: int, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.chdir(tmp_path)
    config = _config(runtime, tmp_path)
    # A platform answer that looks like a formula must stay text.
    runtime.triage.incidents.add_note(flaming, Actor(PR), "メモ")
    out = io.StringIO()
    assert run(["--config", str(config), "timeline", f"INC-{flaming:04d}", "--format", "xlsx"], stdout=out) == 0
    path = tmp_path / f"INC-{flaming:04d}-timeline.xlsx"
    assert str(path.name) in out.getvalue() and "書き出しました" in out.getvalue()
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == ["日時", "種別", "実施者", "内容", "変更前", "変更後", "根拠条項", "記録番号"]
    assert sheet.freeze_panes == "A2"
    entries = runtime.triage.queries.timeline(flaming, None)
    assert sheet.max_row == len(entries) + 1
    first = sheet["A2"]
    assert first.is_date and first.value == datetime(2026, 11, 18, 10, 0) and "ggge" in first.number_format
    assert all(isinstance(sheet.cell(row=r, column=1).value, datetime) for r in range(2, sheet.max_row + 1))
    widths = {col: sheet.column_dimensions[col].width for col in "ABCDEFG"}
    assert all(8 <= w <= 62 for w in widths.values()) and widths["D"] > widths["B"]
    note = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=2).value == "メモ")
    assert sheet.cell(row=note, column=4).data_type == "s"


def test_formula_text_stays_text_in_xlsx(runtime: Runtime, clock: FixedClock) -> None:
    from bot.records.sentences import Line
    from bot.records.tables import timeline_xlsx

    incident_id = walk(runtime, clock, close=False)
    view = runtime.triage.queries.view(incident_id, None)
    line = Line(seq=1, type="note", at=clock.now(), when="", event="=cmd|' /C calc'!A0", actor="@SUM(1)",
                text="=1+1", old="+1", new="-1", clauses="", sentence="")
    sheet = openpyxl.load_workbook(io.BytesIO(timeline_xlsx(view, [line], runtime.triage.catalog))).active
    assert [sheet.cell(row=2, column=c).data_type for c in range(2, 7)] == ["s"] * 5
    assert sheet["D2"].value == "=1+1"


def test_incident_list_xlsx(runtime: Runtime, clock: FixedClock, tmp_path: Path) -> None:
    first = walk(runtime, clock)
    leak = runtime.triage.incidents.report(ReportInput(
        text="LEAKMARK 個人情報を誤って投稿してしまいました", reporter=REPORTER, kind_hint="leak")).incident
    assert leak is not None and leak.restricted
    file = RecordsDesk(runtime.triage.deps).incidents_file(None)
    assert file.filename == "incidents-20261118.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(file.content)).active
    assert sheet.title == "インシデント一覧" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][:5] == ["番号", "種別", "状態", "重大度", "閲覧制限"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {f"INC-{first:04d}", leak.ref}
    assert rows[leak.ref][4] == "あり" and isinstance(rows[leak.ref][5], datetime)
    assert rows[f"INC-{first:04d}"][2] == "終結"
    assert not any("LEAKMARK" in str(v) for row in rows.values() for v in row)


def _docx_texts(content: bytes) -> tuple[list[str], list[list[list[str]]]]:
    document = docx.Document(io.BytesIO(content))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, tables


def test_docx_report_reads_back_and_history_matches_the_timeline(runtime: Runtime, flaming: int) -> None:
    desk = RecordsDesk(runtime.triage.deps)
    file = desk.report_file(flaming, None, "docx")
    assert file.filename == f"INC-{flaming:04d}-report.docx"
    paragraphs, tables = _docx_texts(file.content)
    assert re.fullmatch(r"令和8年11月18日", paragraphs[0])
    assert "広報広聴課　様" in paragraphs and any(p.startswith("旭川市") for p in paragraphs)
    assert "SNSトラブル対応報告書（案）" in paragraphs
    found = [p.split("　", 1)[1] for p in paragraphs if re.match(r"^[０-９]+　", p)]
    assert found[:10] == HEADINGS
    history = next(t for t in tables if t[0] == ["日時", "実施者", "内容"])
    entries = runtime.triage.queries.timeline(flaming, None)
    lines = build_report(runtime.triage.deps, load_record(runtime.triage.deps, flaming, None)).lines
    assert len(history) - 1 == len(entries) == len(lines)
    assert [row[2] for row in history[1:]] == [line.text for line in lines]
    assert [line.seq for line in lines] == [e.seq for e in entries]
    assert all(row[0].startswith("令和8年11月18日") for row in history[1:])
    notices = next(t for t in tables if t[0][:3] == ["日時", "区分", "相手・確認者"])
    # The step's new post URL and its severity change told the section again: each message on record (walk 13 #5).
    assert [row[1:3] for row in notices[1:]] == [
        ["通知", "広報広聴課"], ["通知（投稿のURLの変更）", "広報広聴課"], ["通知（重大度の変更）", "広報広聴課"],
        ["確認", "広報 花子（広報担当）"]]
    assert "旭川市ガイドライン 7(1)エ" in notices[1][3]
    actions = next(t for t in tables if t[0][0] == "番号")
    # Recording the post (step 1) is general practice; every other step cites the guideline's clause.
    assert actions[1][5] == "一般的な対応（旭川市のガイドラインの定めではありません）"
    assert len(actions) > 2 and all("旭川市ガイドライン" in row[5] for row in actions[2:])
    assert "訂正文" in " ".join(paragraphs)
    # No closing review yet: cause and prevention are marked blanks.
    cause = paragraphs.index("９　原因")
    assert paragraphs[cause + 1] == "（記入してください）"
    assert paragraphs[paragraphs.index("１０　再発防止策") + 1] == "（記入してください）"


def test_closing_review_fills_cause_and_prevention(runtime: Runtime, flaming: int) -> None:
    desk = RecordsDesk(runtime.triage.deps)
    with pytest.raises(InvalidRequest):
        desk.record_review(flaming, Actor(PR), cause="  ", prevention="")
    message = desk.record_review(flaming, Actor(PR), cause="投稿前の確認が一人だけだった。",
                                 prevention="複数職員で確認する。\n所属長の決裁を徹底する。")
    assert "記録しました" in message
    paragraphs, tables = _docx_texts(desk.report_file(flaming, None, "docx").content)
    assert paragraphs[paragraphs.index("９　原因") + 1] == "投稿前の確認が一人だけだった。"
    start = paragraphs.index("１０　再発防止策")
    assert paragraphs[start + 1: start + 3] == ["複数職員で確認する。", "所属長の決裁を徹底する。"]
    history = next(t for t in tables if t[0] == ["日時", "実施者", "内容"])
    assert history[-1][2].endswith("原因と再発防止策を記録しました。")


def test_markdown_report_has_the_same_sections(runtime: Runtime, flaming: int) -> None:
    text = RecordsDesk(runtime.triage.deps).report_file(flaming, None, "md", calendar="western").content.decode()
    # The report's own dates follow --calendar; quoted drafts keep the profile's date style (和暦 for 旭川市).
    head = text.split("## 1.")[0]
    assert text.startswith("# SNSトラブル対応報告書（案）") and "2026年11月18日" in head and "令和" not in head
    assert re.findall(r"^## \d+\. (.+)$", text, flags=re.M)[:10] == HEADINGS
    assert text.count("（記入してください）") >= 3  # occurrence time, cause, prevention


@pytest.mark.parametrize(("profile", "addressee", "municipality"), [
    ("urausu", "所属課局長及び総務課　様", "浦臼町"), ("chikugo", "総務広報課長　様", "筑後市"),
    ("iwaki", "アカウント管理者（課等の長）　様", "いわき市"), ("asahikawa", "広報広聴課　様", "旭川市")])
def test_report_uses_the_profile_names(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                       clock: FixedClock, profile: str, addressee: str, municipality: str) -> None:
    runtime = runtime_factory(sqlite_url, profile=profile, escalation={})
    incident_id = walk(runtime, clock, close=False)
    paragraphs, _ = _docx_texts(RecordsDesk(runtime.triage.deps).report_file(incident_id, None).content)
    assert addressee in paragraphs and any(p.startswith(municipality) for p in paragraphs)
    assert paragraphs[0].startswith("令和8年")


def test_erased_incident_report_says_what_was_erased_and_when(runtime: Runtime, flaming: int,
                                                              clock: FixedClock) -> None:
    deps = runtime.triage.deps
    clock.advance(days=400)
    erased = transaction(deps, lambda session: erase_incident(session, deps, flaming, clock.now()))
    assert erased is not None
    paragraphs, tables = _docx_texts(RecordsDesk(deps).report_file(flaming, None).content)
    text = "\n".join(paragraphs) + "\n".join(c for t in tables for r in t for c in r)
    assert "炎上しています" not in text and "evil.example" not in text and "山田 太郎" not in text
    heading = paragraphs.index("１１　個人情報の消去")
    assert paragraphs[heading + 1].startswith("令和9年12月23日")
    assert f"タイムラインの記録 {erased.counts['timeline_events']} 件" in paragraphs[heading + 1]
    assert "報告内容：（消去済み）" in paragraphs
    history = next(t for t in tables if t[0] == ["日時", "実施者", "内容"])
    assert len(history) - 1 == len(runtime.triage.queries.timeline(flaming, None))
    assert "内容は保存期間の経過により消去済み" in history[1][2]
    notices = next(t for t in tables if t[0][:3] == ["日時", "区分", "相手・確認者"])
    assert [row[1:3] for row in notices[1:]] == [
        ["通知", "広報広聴課"], ["通知（投稿のURLの変更）", "広報広聴課"], ["通知（重大度の変更）", "広報広聴課"],
        ["確認", "広報 花子（広報担当）"]]


def _config(runtime: Runtime, tmp_path: Path) -> Path:
    """An app.yaml for the command line on the test's database and settings."""
    import yaml

    from tests.conftest import REPO

    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    config = tmp_path / "app.yaml"
    data = yaml.safe_load((REPO / "app.yaml").read_text(encoding="utf-8"))
    data["access"] = {"pr_members": [PR], "security_officers": [SECURITY]}
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config
