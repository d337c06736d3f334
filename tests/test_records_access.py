"""The new record commands follow the access matrix: export for PR and security; chat delivery to who may see."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import yaml
from sqlalchemy import select

from bot.main import run
from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.triage.access import PermissionDenied
from bot.wiring import Runtime
from storage.models import TimelineEvent
from tests.conftest import OTHER, PR, REPO, SECURITY, STAFF

LEAK_TEXT = "LEAKMARK 市民の個人情報を誤って公式アカウントに投稿してしまいました"
FLAMING_TEXT = "市の公式Xの投稿が炎上しています。苦情が殺到 https://x.com/c/status/9"
# (user, may export) for both ordinary and restricted incidents: the matrix's "export" row.
EXPORTERS = [(PR, True), (SECURITY, True), (STAFF, False), (OTHER, False)]


@pytest.fixture
def incidents(runtime: Runtime) -> dict[str, int]:
    """An ordinary incident and a restricted (leak) one, both reported by STAFF."""
    triage, reporter = runtime.triage, Actor(STAFF, "報告 者")
    ordinary = triage.incidents.report(ReportInput(text=FLAMING_TEXT, reporter=reporter)).incident
    leak = triage.incidents.report(ReportInput(text=LEAK_TEXT, reporter=reporter, kind_hint="leak")).incident
    assert ordinary is not None and leak is not None and leak.restricted and not ordinary.restricted
    return {"ordinary": ordinary.id, "restricted": leak.id}


@pytest.fixture
def cli(runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app.yaml on the test database with the test's PR and security members; cwd is a temp folder."""
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    data = yaml.safe_load((REPO / "app.yaml").read_text(encoding="utf-8"))
    data["access"] = {"pr_members": [PR], "security_officers": [SECURITY]}
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.chdir(tmp_path)
    return config


def _denials(runtime: Runtime, user: str) -> int:
    with runtime.triage.deps.sessions.begin() as session:
        return len(session.execute(select(TimelineEvent).where(
            TimelineEvent.type == "access_denied", TimelineEvent.actor == user)).all())


@pytest.mark.parametrize("which", ["ordinary", "restricted"])
@pytest.mark.parametrize(("user", "allowed"), EXPORTERS)
@pytest.mark.parametrize("command", [("timeline", "xlsx"), ("timeline", "csv"), ("report", "docx"),
                                     ("report", "md")])
def test_cli_exports_follow_the_matrix(runtime: Runtime, incidents: dict[str, int], cli: Path, tmp_path: Path,
                                       which: str, user: str, allowed: bool, command: tuple[str, str]) -> None:
    name, fmt = command
    target = tmp_path / f"out.{fmt}"
    out = io.StringIO()
    before = _denials(runtime, user)
    code = run(["--config", str(cli), name, str(incidents[which]), "--format", fmt, "--as", user,
                "--output", str(target)], stdout=out, stderr=out)
    if allowed:
        assert code == 0 and target.exists() and target.stat().st_size > 0, out.getvalue()
        if name == "report" and fmt == "md" and which == "restricted":  # a document filed and sent on
            assert "LEAKMARK" not in (text := target.read_text(encoding="utf-8")) and "転記しません" in text
    else:
        assert code == 1 and not target.exists()
        assert "権限がありません" in out.getvalue()
        assert _denials(runtime, user) == before + 1  # the attempt is on record
    assert not list(tmp_path.glob(".out.*"))  # no temporary file left behind


@pytest.mark.parametrize(("user", "allowed"), EXPORTERS)
def test_incident_list_xlsx_follows_the_matrix(runtime: Runtime, incidents: dict[str, int], cli: Path,
                                               tmp_path: Path, user: str, allowed: bool) -> None:
    out = io.StringIO()
    code = run(["--config", str(cli), "incidents", "--format", "xlsx", "--as", user, "--output", "list.xlsx"],
               stdout=out, stderr=out)
    if not allowed:
        assert code == 1 and not (tmp_path / "list.xlsx").exists() and "権限がありません" in out.getvalue()
        return
    assert code == 0, out.getvalue()
    sheet = openpyxl.load_workbook(tmp_path / "list.xlsx").active
    values = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert sheet.max_row == 3 and not any("LEAKMARK" in v for v in values)


def test_chat_delivery_goes_only_to_who_may_see(runtime: Runtime, incidents: dict[str, int]) -> None:
    desk = RecordsDesk(runtime.triage.deps)
    leak, ordinary = incidents["restricted"], incidents["ordinary"]
    # A restricted incident: the reporter, PR and security; never another colleague.
    delivered = desk.deliverable_reports(leak, [STAFF, PR, OTHER, SECURITY, PR])
    assert [user for user, _ in delivered] == [STAFF, PR, SECURITY]
    assert all(file.filename.endswith("-report.docx") and file.content.startswith(b"PK") for _, file in delivered)
    before = _denials(runtime, OTHER)
    with pytest.raises(PermissionDenied):
        desk.report_for_recipient(leak, OTHER)
    assert _denials(runtime, OTHER) == before + 1
    # An ordinary incident may go to any colleague.
    assert [user for user, _ in desk.deliverable_reports(ordinary, [STAFF, OTHER])] == [STAFF, OTHER]
    md = desk.report_for_recipient(leak, STAFF, "md").content.decode("utf-8")
    assert "LEAKMARK" not in md and "転記しません" in md  # what leaked is not copied into a report sent on


def test_closing_review_needs_the_right_to_close(runtime: Runtime, incidents: dict[str, int]) -> None:
    desk = RecordsDesk(runtime.triage.deps)
    leak = incidents["restricted"]
    for user in (STAFF, OTHER):  # the reporter may not close a restricted incident, so may not record its review
        with pytest.raises(PermissionDenied):
            desk.record_review(leak, Actor(user), cause="原因")
    assert "記録しました" in desk.record_review(leak, Actor(SECURITY), cause="誤送信", prevention="二重確認")
    report = desk.report_file(leak, None, "md").content.decode("utf-8")
    assert "誤送信" in report and "二重確認" in report


def test_binary_never_goes_to_a_terminal(runtime: Runtime, incidents: dict[str, int], cli: Path,
                                         tmp_path: Path) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    assert run(["--config", str(cli), "report", "1", "--output", "-"], stdout=out, stderr=out) == 2
    assert "--output" in out.getvalue() and "PK" not in out.getvalue()
    # Without --output the file gets a default name, and an earlier file is never overwritten.
    for expected in ("INC-0001-report.docx", "INC-0001-report-2.docx"):
        out = io.StringIO()
        assert run(["--config", str(cli), "report", "INC-0001"], stdout=out, stderr=out) == 0
        assert expected in out.getvalue() and (tmp_path / expected).exists()
    out = io.StringIO()
    assert run(["--config", str(cli), "report", "1", "--output", str(tmp_path / "none" / "x.docx")],
               stdout=out, stderr=out) == 1
    assert "書き込めません" in out.getvalue()
    out = io.StringIO()
    assert run(["--config", str(cli), "report", "99"], stdout=out, stderr=out) == 1
    assert "INC-0099" in out.getvalue() and "見つかりません" in out.getvalue()
