"""Session 6 walk as an IT administrator starting the bot with a broken app.yaml or playbook: the message names the
file actually used and the field, in Japanese first, without a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.main import run


def _start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, *command: str) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    for variable in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "LW_BOT_ID"):
        monkeypatch.delenv(variable, raising=False)
    config = tmp_path / name
    config.write_text(text, encoding="utf-8")
    out = io.StringIO()
    code = run(["--config", str(config), *command], stdout=out, stderr=out)
    return code, out.getvalue()


@pytest.mark.parametrize(("platform", "block"), [("teams", "teams:\n  pr_channel: 5\n"),
                                                 ("lineworks", "lineworks:\n  report_channels: x\n")])
def test_a_broken_platform_block_is_named_with_the_file_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             platform: str, block: str) -> None:
    code, said = _start(tmp_path, monkeypatch, "city.yaml", "profile: asahikawa\n" + block, platform)
    assert code == 2 and "Traceback" not in said
    # Japanese first on every platform, naming the field (read when the roles of the block are gathered at start-up)
    assert f"city.yaml: {platform}." in said and "で指定してください" in said, said
    assert "city.yaml" in said and "app.yaml" not in said  # the file actually used, not a guess


def test_what_is_wrong_with_a_field_is_said_in_japanese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, said = _start(tmp_path, monkeypatch, "app.yaml", "profile: asahikawa\nlocale: jp\n", "check")
    assert code == 2 and "app.yaml: locale" in said
    assert "Input should be" not in said
