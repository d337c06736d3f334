"""Session 9 QA walk (Slack, いわき市 and 筑後市) fixes in the core and the CLI (docs/qa/session9_walk_slack.md)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from bot.main import run
from bot.ports import Actor, ReportInput
from bot.triage.core import InvalidRequest
from bot.wiring import Runtime
from tests.conftest import STAFF
from tests.helpers import answers_for

REPO = Path(__file__).resolve().parents[1]
REPORTER = Actor(STAFF, "夜勤 小林", "test")
TYPED = "ｆａｃｅｂｏｏｋ．ｃｏｍ／ｉｗａｋｉｃｉｔｙ"  # the account typed without a scheme, full-width
TAKEOVER = "市の公式Facebookアカウントが乗っ取られたかもしれません。身に覚えのない投資の宣伝が投稿されています。"
# What docs/slack-setup.md shows under "app.yaml にチャンネルと担当者を設定する", copied as it is.
SLACK = """
slack:
  report_channels: [C0123456789]
  pr_channel: C0234567890
  pr_members: [U0123ABCD]
escalation:
  levels:
    - {section: pr_section, after_minutes: 30, mention: "U0123PRHEAD"}
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where _configure writes app.yaml; DATABASE_URL on a temp file."""
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    path = tmp_path / "app.yaml"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return path


def _configure(config: Path, profile: str, locale: str = "ja") -> None:
    """The shipped app.yaml's own escalation/slack blocks replaced by the guide's example."""
    text = (REPO / "app.yaml").read_text(encoding="utf-8")
    head, _, _ = text.partition("\nescalation:\n")
    head = head.replace("profile: asahikawa", f"profile: {profile}", 1).replace("locale: ja", f"locale: {locale}", 1)
    config.write_text(head + "\n" + SLACK, encoding="utf-8")


def _cli(config: Path, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--config", str(config), *argv], stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("profile", ["asahikawa", "urausu", "iwaki"])
def test_check_is_quiet_when_the_first_level_is_a_first_recipient(config: Path, profile: str) -> None:
    _configure(config, profile)
    code, out = _cli(config, "check")
    assert code == 0 and out.startswith("OK:"), out
    assert "escalation.levels[0].section" not in out


def test_check_points_at_a_first_level_that_is_not_where_the_first_notice_goes(config: Path) -> None:
    """筑後市 reports to 総務広報課長 (pr_head, guideline 3). With the Slack guide's `section: pr_section` the first
    notice went out mentioning nobody, and 30 minutes later an "escalation 2" (the municipality's own setting) to the
    guideline's enquiry desk mentioned the head; `check` said OK."""
    _configure(config, "chikugo")
    code, out = _cli(config, "check")
    assert code == 0, out
    assert ("escalation.levels[0].section: 注意: pr_section は最初の通知の宛先（pr_head (総務広報課長)）ではありません"
            in out)
    assert "section: pr_head で書いてください" in out
    _configure(config, "chikugo", "en")
    code, out = _cli(config, "check")
    assert code == 0 and "escalation.levels[0].section: warning: pr_section is not where the first notice goes" in out
    assert "write section: pr_head" in out


def test_a_malformed_url_is_not_also_called_missing(runtime: Runtime) -> None:
    """A night reporter typing the account as ｆａｃｅｂｏｏｋ．ｃｏｍ／… was told both that the URL must start with
    https:// and that it is required (as if nothing had been typed)."""
    outcome = runtime.triage.incidents.report(ReportInput(TAKEOVER, REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    step = outcome.step
    url = next(item for item in step.inputs if item.type == "url" and item.required)
    with pytest.raises(InvalidRequest) as info:
        runtime.triage.steps.complete(outcome.incident.id, step.step_id, REPORTER,
                                      answers={**answers_for(step), url.id: TYPED})
    message = str(info.value)
    assert "http:// または https:// で始まるURL" in message
    assert f"「{url.label}」は必須です" not in message
    with pytest.raises(InvalidRequest) as info:  # left empty, it is still required
        runtime.triage.steps.complete(outcome.incident.id, step.step_id, REPORTER,
                                      answers={k: v for k, v in answers_for(step).items() if k != url.id})
    assert f"「{url.label}」は必須です" in str(info.value)


@pytest.mark.parametrize(("locale", "expected"), [
    ("ja", ["未完了（報告受付・アカウント管理者確認済み・対応中）", "アカウント管理者未確認"]),
    ("en", ["not acknowledged by account manager"]),
])
def test_the_weekly_summary_names_who_acknowledges_in_iwaki(runtime_factory, database_url: str, locale: str,
                                                            expected: list[str]) -> None:
    """いわき市's notices go to and are acknowledged by the アカウント管理者 (第7): the notice's button, the status and
    the records say so, but the weekly summary a 課長 reads on Monday said 「広報未確認」."""
    from bot.triage.summary import IsoWeek, build_summary, render_summary

    runtime = runtime_factory(database_url, profile="iwaki", locale=locale,
                              escalation={"levels": [{"section": "pr_section", "after_minutes": 30, "mention": "U_M"}]})
    reported = runtime.triage.deps.clock.now()
    runtime.triage.incidents.report(ReportInput(TAKEOVER, REPORTER))
    later = reported + timedelta(minutes=1)
    text = render_summary(build_summary(runtime.triage.deps.sessions, IsoWeek.containing(reported), later),
                          runtime.triage.catalog)
    for line in expected:
        assert line in text, text
    assert "広報未確認" not in text and "by PR" not in text
