"""CLI walk s21 (docs/qa/session21_walk_console.md): an installed user's refusals say who may."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.main import run
from tests.conftest import REPO


@pytest.mark.parametrize("command", ["report", "timeline"])
def test_a_refused_export_says_who_may(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    # The reporter's `incident-bot report 1 --as console:console-staff` said only 「この操作を行う権限がありません。
    # 操作は記録されました。」: not who may export, so the member of staff did not know whom to ask.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = tmp_path / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    out = io.StringIO()
    run(["--config", str(config)], stdin=io.StringIO("市の公式Xの投稿が炎上しています https://x.com/city/status/9\n/quit\n"),
        stdout=out, stderr=out)
    out = io.StringIO()
    code = run(["--config", str(config), command, "1", "--as", "console:console-staff", "--output",
                str(tmp_path / "x")], stdin=io.StringIO(), stdout=out, stderr=out)
    said = out.getvalue()
    assert code == 1 and "権限がありません" in said, said
    assert "できるのは広報担当または情報セキュリティ担当です" in said, said
