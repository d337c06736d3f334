"""Session 8 QA walk (Teams and LINE WORKS) fixes in the core and the CLI (docs/qa/session8_walk_teams.md)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.main import run

REPO = Path(__file__).resolve().parents[1]
TEAMS = """
teams:
  report_channels: ["19:report@thread.tacv2"]
  pr_channel: "19:pr@thread.tacv2"
  pr_members: ["aad-pr-0001"]
  mentions:
    pr_section: {id: "tag-pr", name: "広報チーム", type: tag}
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app.yaml written as the Teams guide shows (teams.mentions.pr_section), DATABASE_URL on a temp file."""
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    path = tmp_path / "app.yaml"
    path.write_text((REPO / "app.yaml").read_text(encoding="utf-8") + TEAMS, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return path


def _cli(config: Path, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--config", str(config), *argv], stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue() + err.getvalue()


def _profile(config: Path, profile: str, locale: str = "ja") -> None:
    text = config.read_text(encoding="utf-8")
    text = text.replace("profile: asahikawa", f"profile: {profile}", 1).replace("locale: ja", f"locale: {locale}", 1)
    config.write_text(text, encoding="utf-8")


def test_check_points_at_a_mention_for_a_section_no_notice_goes_to(config: Path) -> None:
    """筑後市 reports to 総務広報課長 (pr_head, guideline 3); `teams.mentions.pr_section` copied from the Teams guide
    mentioned nobody on any notice, and `check` said OK."""
    assert "profile: asahikawa" in config.read_text(encoding="utf-8")
    code, out = _cli(config, "check")
    assert code == 0 and "mentions" not in out  # 旭川市 reports to pr_section: the mention is used
    _profile(config, "chikugo")
    code, out = _cli(config, "check")
    assert code == 0, out
    assert "teams.mentions.pr_section: 注意: この部署あての通知はないため、このメンションは使われません" in out
    assert "通知の宛先: pr_head (総務広報課長)" in out


def test_the_warning_is_english_with_locale_en(config: Path) -> None:
    _profile(config, "chikugo", "en")
    code, out = _cli(config, "check")
    assert code == 0 and "teams.mentions.pr_section: warning: no notice goes to this section" in out
    assert "notices go to: pr_head (Director of the General Affairs and PR Division (総務広報課長))" in out


def test_both_sections_of_urausu_are_named(config: Path) -> None:
    _profile(config, "urausu")
    text = config.read_text(encoding="utf-8").replace("pr_section: {id: \"tag-pr\"", "policy: {id: \"tag-pr\"")
    config.write_text(text, encoding="utf-8")
    code, out = _cli(config, "check")
    assert "teams.mentions.policy:" in out and "department_head (所属課局長), pr_section (総務課)" in out


def test_summary_post_on_teams_says_in_japanese_where_the_summary_goes(config: Path) -> None:
    """`summary --post` with a Teams summary channel only: 「slack.summary_channel is not set in app.yaml」 in
    English, and nothing about the Teams summary, which the running Teams bot posts on schedule."""
    text = config.read_text(encoding="utf-8").replace('  pr_members: ["aad-pr-0001"]',
                                                      '  summary_channel: "19:summary@thread.tacv2"\n'
                                                      '  pr_members: ["aad-pr-0001"]', 1)
    config.write_text(text, encoding="utf-8")
    code, out = _cli(config, "summary", "--post")
    assert code == 2
    first = out.splitlines()[0]
    assert first.startswith("summary: --post: --post は Slack の slack.summary_channel か LINE WORKS の")
    assert "teams.summary_channel には、動いている incident-bot teams が毎週 月曜 09:00（日本時間）" in out
