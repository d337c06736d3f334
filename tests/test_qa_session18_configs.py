"""Session 18 config walk (docs/qa/session18_walk_config.md): set-ups by municipalities nobody here configured.
Each test failed before its fix."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.main import run


def _check(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    out = io.StringIO()
    code = run(["check", "--config", str(tmp_path / "app.yaml")], stdout=out, stderr=out)
    return code, out.getvalue()


@pytest.mark.parametrize("url", ["postgresql:/bot@db.example.lg.jp/townbot", "postgresql//bot@db.example.lg.jp/x",
                                 "postgres:bot@db.example.lg.jp/x", "sqlite:/data/bot.db"])
def test_a_database_url_missing_its_slashes_is_named_as_such(tmp_path: Path, url: str) -> None:
    # Before: 「ファイルのパスは URL の形で sqlite:///postgresql:/bot@… のように書いてください」 — a PostgreSQL URL
    # with one slash too few was taken for a file path.
    (tmp_path / "app.yaml").write_text("profile: iwaki\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "app.yaml", environ={"DATABASE_URL": url})
    message = str(caught.value)
    assert "sqlite:///postgres" not in message and "sqlite:///sqlite" not in message
    assert message.startswith("DATABASE_URL: ") and "://" in message and "「/」" in message


def test_a_database_url_with_a_wrong_port_is_refused_without_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 「予期しないエラーで終了しました（ValueError）」 for `…@127.0.0.1:543a/x`, nothing about the port.
    code, said = _check(tmp_path, "profile: iwaki\ndatabase_url: postgresql://bot@127.0.0.1:543a/townbot\n",
                        monkeypatch)
    assert code == 2
    assert "database_url" in said and "ポート" in said and "'543a'" in said and "ValueError" not in said


def test_check_says_which_municipality_runs_when_app_yaml_names_no_profile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: app.yaml without `profile:` (the line deleted or mistyped as a comment) passed as 旭川市 without a word:
    # another municipality's notices went to 広報広聴課 citing 旭川市's guideline.
    code, said = _check(tmp_path, 'access:\n  pr_members: ["console:console-pr"]\n', monkeypatch)
    assert code == 0
    assert "profile: 注意" in said and "asahikawa（旭川市）" in said
    code, said = _check(tmp_path, 'profile: asahikawa\naccess:\n  pr_members: ["console:console-pr"]\n', monkeypatch)
    assert code == 0 and "profile: 注意" not in said


def test_check_says_a_later_first_recipient_is_told_at_once_and_its_wait_unused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 浦臼町 5(3) tells 所属課局長 and 総務課 together. An operator who wrote 総務課 first (15 min) and then 所属課局長
    # (45 min), meaning a chain, got `check` OK: both are told at once and the 45 minutes are never used.
    code, said = _check(tmp_path, (
        "profile: urausu\naccess:\n  pr_members: [\"console:console-pr\"]\nescalation:\n  levels:\n"
        "    - {section: pr_section, after_minutes: 15, mention: U0SOUMU01}\n"
        "    - {section: department_head, after_minutes: 45, mention: U0KACHO01}\n"), monkeypatch)
    assert code == 0
    assert "escalation.levels[1].after_minutes: 注意" in said
    assert "所属課局長" in said and "同時に" in said and "15 分" in said
    code, said = _check(tmp_path, (
        "profile: urausu\naccess:\n  pr_members: [\"console:console-pr\"]\nescalation:\n  levels:\n"
        "    - {section: pr_section, after_minutes: 15, mention: U0SOUMU01}\n"
        "    - {section: department_head, mention: U0KACHO01}\n"), monkeypatch)
    assert "escalation.levels[1].after_minutes" not in said  # no wait written: nothing is lost
