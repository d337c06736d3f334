"""`incident-bot check` in the profile's own words: 広報担当 only where the guideline has one (いわき市
アカウント管理者, 浦臼町 総務課), and a warning when who acknowledges is none of the first notice's recipients."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.main import run
from tests.conftest import REPO

NO_PR = 'pr_members: ["console:console-pr"]'
CHAIN = "escalation:\n  levels:\n    - {section: pr_section}\n    - {section: department_head}\n"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'check.db'}")
    return tmp_path / "app.yaml"


def _check(config: Path, profile: str, *, edit: tuple[str, str] = ("", ""), extra: str = "") -> tuple[int, str]:
    text = (REPO / "app.yaml").read_text(encoding="utf-8").replace("profile: asahikawa", f"profile: {profile}", 1)
    config.write_text(text.replace(*edit) + extra, encoding="utf-8")
    out = io.StringIO()
    code = run(["--config", str(config), "check"], stdin=io.StringIO(), stdout=out, stderr=out)
    return code, out.getvalue()


@pytest.mark.parametrize("profile, role", [("asahikawa", "広報担当"), ("iwaki", "アカウント管理者"),
                                           ("urausu", "総務課"), ("chikugo", "総務広報課長")],
                         ids=["asahikawa", "iwaki", "urausu", "chikugo"])
def test_the_missing_pr_members_are_named_in_the_profiles_words(config: Path, profile: str, role: str) -> None:
    code, out = _check(config, profile, edit=(NO_PR, "pr_members: []"))
    assert code == 0 and f"注意: {role}（access.pr_members）が設定されていません" in out
    assert f"{role}の職員の ID" in out
    if role != "広報担当":
        assert "広報担当" not in out and "（access.pr_members）" in out


def test_a_level_nobody_is_mentioned_for_names_the_profiles_role(config: Path) -> None:
    text = (REPO / "app.yaml").read_text(encoding="utf-8").replace("  pr_channel: null", "  pr_channel: C0PR")
    config.write_text(text.replace("profile: asahikawa", "profile: iwaki", 1).replace("escalation:\n", CHAIN, 1),
                      encoding="utf-8")
    out_io = io.StringIO()
    code = run(["--config", str(config), "check"], stdin=io.StringIO(), stdout=out_io, stderr=out_io)
    out = out_io.getvalue()
    assert code == 2 and "通知先がいません" in out and "第 1 段階はアカウント管理者のメンバー" in out
    assert "広報担当" not in out


@pytest.mark.parametrize("profile", ["asahikawa", "iwaki", "urausu", "chikugo"])
def test_no_built_in_profile_is_warned_about_its_acknowledger(config: Path, profile: str) -> None:
    code, out = _check(config, profile)
    assert code == 0 and "通知を確認する人" not in out


CUSTOM = """
custom_profiles:
  mycity:
    extends: asahikawa
    name: {ja: 例市, en: Example City}
    first_report_to: [department_head]
"""


def test_an_acknowledger_the_first_notice_never_reaches_is_warned_about(config: Path) -> None:
    code, out = _check(config, "mycity", extra=CUSTOM)
    assert code == 0
    assert ("custom_profiles.mycity.acknowledger: 注意: 通知を確認する人（acknowledger: 広報広聴課）が、"
            "最初の通知の宛先（first_report_to: 所属長（自治体の運用設定））に含まれていません") in out
    told = CUSTOM.replace("[department_head]", "[department_head, pr_section]")
    assert "通知を確認する人" not in _check(config, "mycity", extra=told)[1]  # told with the head: no warning
