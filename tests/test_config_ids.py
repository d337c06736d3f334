"""User ids in app.yaml carry their chat platform; an id whose platform cannot be told stops start-up (issue 13)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from bot.config import ConfigError, load_config
from bot.main import run
from bot.wiring import build_runtime
from tests.conftest import REPO


def _write(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    path = tmp_path / "app.yaml"
    path.write_text(body, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ids.db'}")
    return path


def _check(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["check", "--config", str(path)], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_namespaced_ids_are_taken_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, 'access:\n  pr_members: ["slack:U0123ABCD", "teams:29:abc", "lineworks:pr@example.jp"]\n'
                            '  security_officers: ["console:console-security"]\n', monkeypatch)
    settings = load_config(path, environ={})
    assert settings.file.access.pr_members == ["slack:U0123ABCD", "teams:29:abc", "lineworks:pr@example.jp"]
    assert settings.warnings == ()
    runtime = build_runtime(settings)
    try:
        access = runtime.triage.deps.access
        assert access.holds("slack:U0123ABCD", "pr") and not access.holds("U0123ABCD", "pr")
        assert not access.holds("teams:U0123ABCD", "pr") and access.holds("console:console-security", "security")
    finally:
        runtime.close()


def test_a_bare_slack_shaped_id_is_read_as_slack_with_a_warning(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "access:\n  pr_members: [U0123ABCD]\n", monkeypatch)
    settings = load_config(path, environ={})
    assert settings.file.access.pr_members == ["slack:U0123ABCD"]
    (warning,) = settings.warnings
    assert f"{path}: access.pr_members[0]" in warning and "Slack のユーザー ID（slack:U0123ABCD）" in warning
    code, out, err = _check(path)
    assert code == 0, out + err
    assert "警告" in err and "access.pr_members[0]" in err


@pytest.mark.parametrize("value", ["console-pr", "29:abc", "U_PR", "irc:someone",
                                   "0f8fad5b-d9cb-469f-a165-70867728950e"])
def test_an_id_of_unknown_platform_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    path = _write(tmp_path, f'access:\n  security_officers: ["{value}"]\n', monkeypatch)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert f"{path}: access.security_officers[0]" in message
    assert "先頭にプラットフォームを付けてください" in message
    code, out, err = _check(path)
    assert code == 2 and "access.security_officers[0]" in err and "Traceback" not in err


def test_the_slack_section_is_namespaced_as_slack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, 'slack:\n  pr_members: [U0123ABCD, "slack:U0456EFGH", U_TEST]\n', monkeypatch)
    settings = load_config(path, environ={})
    assert settings.file.slack.pr_members == ["slack:U0123ABCD", "slack:U0456EFGH", "slack:U_TEST"]
    assert settings.warnings == ()
    path.write_text('slack:\n  pr_members: ["teams:29:abc"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"slack.pr_members\[0\].*teams のユーザー ID です"):
        load_config(path, environ={})


def test_the_shipped_app_yaml_names_console_users_with_their_platform() -> None:
    settings = load_config(REPO / "app.yaml", environ={})
    assert settings.file.access.pr_members == ["console:console-pr"] and settings.warnings == ()
    example = load_config(REPO / "bot" / "templates" / "app.example.yaml", environ={})
    assert example.file.access.security_officers == ["console:console-security"]


@pytest.mark.parametrize(("field", "value"), [
    ("report_channels", ["#sns-report"]), ("report_channels", ["C0123ABCD", "sns報告"]),
    ("pr_channel", "#kouhou"), ("summary_channel", "general"), ("restricted_channel", "c0123abcd"),
    ("pr_members", ["@広報 佐藤"]), ("pr_members", ["slack:@sato"]), ("pr_user_groups", ["@kouhou-team"]),
])
def test_a_slack_name_where_an_id_belongs_is_refused_in_japanese(tmp_path: Path, field: str, value: object) -> None:
    """Events carry ids only: a channel or display name would never match, so start-up refuses it."""
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump({"slack": {field: value}}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert f"slack.{field}" in message and "Slack の ID" in message and "チャンネル名（#…）" in message
    assert "入力値" in message and "Traceback" not in message


def test_slack_ids_as_the_setup_guide_writes_them_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump({"slack": {
        "report_channels": ["C0123456789", "G0ABCDEF1"], "pr_channel": "C0234567890", "restricted_channel": "G0SEC01",
        "pr_members": ["U0123ABCD", "slack:W0456EFGH"], "pr_user_groups": ["S0PRGROUP1"]}}), encoding="utf-8")
    slack = load_config(path, environ={}).file.slack
    assert slack.report_channels == ["C0123456789", "G0ABCDEF1"] and slack.pr_user_groups == ["S0PRGROUP1"]
    assert slack.pr_members == ["slack:U0123ABCD", "slack:W0456EFGH"]
