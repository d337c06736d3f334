"""Session 6 walk as a records clerk: the files `incident-bot timeline|report|incidents` write, read back in
openpyxl / python-docx as a clerk would read them."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import update

from bot.clock import FixedClock
from bot.main import run
from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from storage.models import TimelineEvent
from tests.conftest import PR, STAFF
from tests.test_records import _config, walk


def _cli(runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    config = tmp_path / "app.yaml" if (tmp_path / "app.yaml").exists() else _config(runtime, tmp_path)
    code = run(["--config", str(config), *args], stdout=out, stderr=out)
    return code, out.getvalue()


def _tamper(runtime: Runtime, incident_id: int, type_: str = "step_completed") -> int:
    """Someone with database access rewrites what an event recorded (no hash recomputed)."""
    with runtime.triage.deps.sessions.begin() as session:
        event = session.query(TimelineEvent).filter_by(incident_id=incident_id, type=type_) \
            .order_by(TimelineEvent.seq).first()
        assert event is not None
        data = dict(event.data or {})
        data["answers" if type_ == "step_completed" else "edited"] = (
            {**(data.get("answers") or {}), "spread": "small"} if type_ == "step_completed" else True)
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == event.seq).values(data=data))
        return event.seq


def test_a_report_made_from_a_tampered_timeline_says_so(runtime: Runtime, clock: FixedClock, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    incident_id = walk(runtime, clock, "市の公式Xの投稿が炎上しています https://x.com/city/status/1")
    seq = _tamper(runtime, incident_id)
    code, said = _cli(runtime, tmp_path, monkeypatch, "report", str(incident_id), "--output", "r.docx")
    assert code == 1 and "改ざん" in said and f"{seq}" in said  # the clerk is told, and a script sees a failure
    document = docx.Document(str(tmp_path / "r.docx"))
    texts = [p.text for p in document.paragraphs]
    first = next(i for i, text in enumerate(texts) if "改ざん" in text)
    assert f"{seq}" in texts[first] and "timeline verify" in texts[first]
    assert first < 3  # on top, before the addressee: not missed
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", str(incident_id), "--format", "xlsx",
                      "--output", "t.xlsx")
    assert code == 1 and "改ざん" in said
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", str(incident_id))
    assert code == 1 and "改ざん" in said  # the Markdown carries it too


def test_an_untouched_timeline_exports_without_warnings(runtime: Runtime, clock: FixedClock, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    incident_id = walk(runtime, clock, "市の公式Xの投稿が炎上しています https://x.com/city/status/1")
    other = runtime.triage.incidents.report(ReportInput(text="なりすましアカウントがあります https://x.com/fake1",
                                                        reporter=Actor(STAFF, "山田 太郎")))
    assert other.incident is not None
    _tamper(runtime, other.incident.id, "classified")  # another incident edited: this report is still sound
    code, said = _cli(runtime, tmp_path, monkeypatch, "report", str(incident_id), "--output", "r.docx")
    assert code == 0 and "改ざん" not in said
    assert not any("改ざん" in p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs)


def test_the_word_file_carries_the_date_it_was_made(runtime: Runtime, clock: FixedClock, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """File > Properties in Word shows 作成日時: python-docx's template says 2013 unless it is set."""
    incident_id = walk(runtime, clock, "市の公式Xの投稿が炎上しています https://x.com/city/status/1")
    assert _cli(runtime, tmp_path, monkeypatch, "report", str(incident_id), "--output", "r.docx")[0] == 0
    props = docx.Document(str(tmp_path / "r.docx")).core_properties
    made = datetime.now(UTC)  # the command line runs on the wall clock
    assert props.created is not None and abs((props.created - made).total_seconds()) < 3600
    assert props.modified == props.created
    assert props.last_modified_by in ("incident-bot", "")


def test_the_incident_list_names_reporters_like_the_timeline_does(runtime: Runtime, clock: FixedClock,
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    walk(runtime, clock, "市の公式Xの投稿が炎上しています https://x.com/city/status/1")
    assert _cli(runtime, tmp_path, monkeypatch, "incidents", "--format", "xlsx", "--output", "i.xlsx")[0] == 0
    sheet = openpyxl.load_workbook(tmp_path / "i.xlsx").active
    headers = [c.value for c in sheet[1]]
    row = {h: c.value for h, c in zip(headers, sheet[2], strict=True)}
    assert row["報告者"] == "山田 太郎"  # not the platform id a clerk cannot read
    assert isinstance(row["報告日時"], datetime)


def test_a_user_named_without_its_platform_is_told_how_to_name_it(runtime: Runtime, clock: FixedClock,
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    incident_id = walk(runtime, clock, "市の公式Xの投稿が炎上しています https://x.com/city/status/1")
    bare = PR.split(":", 1)[1]  # one known user has it (s16 console walk #19): theirs, not a recorded refusal
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", str(incident_id), "--as", bare)
    assert code == 0 and "炎上" in said
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", str(incident_id), "--as", "U0NOBODY")
    assert code == 1 and "console:U0NOBODY" in said  # 「--as console:…」: how app.yaml writes an id
    code, said = _cli(runtime, tmp_path, monkeypatch, "report", "abc")
    assert code == 2 and "番号" in said  # Japanese first, like every other message


def test_a_notice_is_recorded_with_the_clauses_the_notice_cited(runtime: Runtime, clock: FixedClock) -> None:
    """旭川市: a flaming notice cites 7(1)エ (what PR was shown); the records cited 7(2)ア and 7(3)イ too, which are
    about impersonation and misinformation."""
    from bot.records.service import RecordsDesk

    incident_id = walk(runtime, clock, "市の公式Xの投稿が炎上しています https://x.com/city/status/1", close=False)
    timeline = RecordsDesk(runtime.triage.deps).timeline_file(incident_id, None, "csv").content.decode("utf-8-sig")
    [notice] = [line for line in timeline.splitlines() if line.split(",")[1] == "通知"]
    assert notice.endswith(",旭川市ガイドライン 7(1)エ"), notice


def test_timeline_verify_says_what_is_wrong_in_japanese(runtime: Runtime, clock: FixedClock, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    incident_id = walk(runtime, clock, "市の公式Xの投稿が炎上しています https://x.com/city/status/1")
    _tamper(runtime, incident_id)
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", "verify")
    assert code == 1 and "タイムラインに問題があります" in said
    assert "payload edited" not in said and "digest mismatch" not in said
