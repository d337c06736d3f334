"""The command line: timeline export, incident list, chain verification, classification."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from bot.main import run
from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from storage.models import TimelineEvent
from tests.conftest import REPO, STAFF


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app.yaml in a temp dir and DATABASE_URL pointing at a temp SQLite file."""
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    config = tmp_path / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return config


def _cli(config: Path, *argv: str, stdin: str = "") -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--config", str(config), *argv], stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue() + err.getvalue()


def _seed(config: Path) -> None:
    code, _ = _cli(config, "chat", stdin="市の公式Xの投稿が炎上しています。苦情が殺到 https://x.com/c/status/1\n"
                                         "/done post_url=https://x.com/c/status/1 spread=medium press=no "
                                         "personal_data=no\n/as pr\n/ack\n/quit\n")
    assert code == 0


def test_chat_reads_stdin_and_writes_answers(cli_env: Path) -> None:
    code, out = _cli(cli_env, "chat", stdin="市の公式アカウントのなりすましを発見しました https://x.com/fake\n")
    assert code == 0 and "INC-0001" in out and "なりすまし" in out


def test_timeline_export_formats(cli_env: Path) -> None:
    _seed(cli_env)
    code, md = _cli(cli_env, "timeline", "1", "--format", "md")
    assert code == 0 and md.startswith("# INC-0001") and "| 広報確認 |" in md and "2026年" not in md[:0]
    code, raw = _cli(cli_env, "timeline", "INC-0001", "--format", "json")
    data = json.loads(raw)
    assert data["incident"]["ref"] == "INC-0001"
    types = [e["type"] for e in data["events"]]
    assert types[:3] == ["reported", "classified", "notified"] and "acknowledged" in types
    assert all(e["at"].endswith("+09:00") for e in data["events"])
    code, text = _cli(cli_env, "timeline", "1", "--format", "csv")
    assert text.startswith("\ufeff")  # UTF-8 with BOM, for Excel on Japanese Windows
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["日時", "種別", "実施者", "内容"] and len(rows) == len(types) + 1


def test_timeline_errors(cli_env: Path) -> None:
    _seed(cli_env)
    assert _cli(cli_env, "timeline", "42")[0] == 1
    code, out = _cli(cli_env, "timeline", "latest")
    assert code == 2 and "expected an incident number" in out


def test_incidents_json(cli_env: Path) -> None:
    _seed(cli_env)
    code, out = _cli(cli_env, "incidents", "--json")
    [item] = json.loads(out)
    assert item["ref"] == "INC-0001" and item["kind"] == "flaming" and item["status"] == "responding"
    assert item["acknowledged_at"].endswith("+09:00")


def test_verify_catches_edits_and_deletions(cli_env: Path, runtime_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _seed(cli_env)
    code, out = _cli(cli_env, "timeline", "verify")
    assert code == 0 and "改ざんされていません" in out
    runtime: Runtime = runtime_factory(f"sqlite:///{tmp_path / 'cli.db'}")
    with runtime.triage.deps.sessions.begin() as session:
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == 2).values(actor="someone-else"))
        session.execute(delete(TimelineEvent).where(TimelineEvent.seq == 4))
    code, out = _cli(cli_env, "timeline", "verify")
    assert code == 1
    assert "seq 2: event edited" in out and "seq 4: missing (deleted)" in out
    runtime.triage.incidents.report(ReportInput("なりすましアカウントを発見 https://x.com/f", Actor(STAFF)))


def test_classify_text_and_jsonl(cli_env: Path) -> None:
    code, out = _cli(cli_env, "classify", "市の公式アカウントのなりすましを見つけました")
    assert code == 0 and json.loads(out)["kind"] == "impersonation"
    code, out = _cli(cli_env, "classify", "--jsonl",
                     stdin="炎上しないための研修資料です\n{\"text\": \"Our official account was hacked\"}\n")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["kind"] for line in lines] == ["none", "account_takeover"]
    assert all(0.0 <= line["confidence"] <= 1.0 for line in lines)


def test_check_command(cli_env: Path) -> None:
    code, out = _cli(cli_env, "check")
    assert code == 0 and "profile asahikawa" in out
