"""Session 21 Slack walk (docs/qa/session21_walk_slack.md), 筑後市 and いわき市: each test failed before its fix."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of

from bot.ports import Actor
from bot.triage.lifecycle import CLOSED, RESOLVED

URL = "https://x.com/chikugo_fake/status/1860000000501"
FLAMING = f"市の公式Xの投稿が炎上してます！批判リプ殺到 {URL}"
# 筑後市: 3 「定めのない事項については、総務広報課長に協議」 — the one person told first (README's table).
CHIKUGO: dict[str, Any] = {"profile": "chikugo", "escalation": {"levels": [
    {"section": "pr_head", "after_minutes": 30, "mention": "U_KACHO"}]}}


def _said(slack: SlackEnv) -> list[str]:
    """What the slash command's user read (its response_url answers)."""
    return [text_of({"text": c.args.get("text", ""), "blocks": c.args.get("blocks") or []})
            for c in slack.fake.calls_to("response_url")]


def _pr_posts(slack: SlackEnv) -> list[str]:
    return [text_of(m) for m in slack.fake.channel_messages(PR_CHANNEL)]


@pytest.mark.parametrize("typed", ["終結INC-0001", "終結：INC-0001", "/終結#1", "close#1"])
def test_a_close_typed_without_the_space_closes_and_opens_no_report_form(slack_factory: Any, typed: str) -> None:
    """#2: 総務広報課長 typed 「/incident 終結INC-0001」 on a phone (no space): read as a report, the report form
    opened (views.open) with 「終結INC-0001」 as its text; nothing closed."""
    slack = slack_factory(CHIKUGO)
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    slack.runtime.triage.incidents.change_status(incident_id, RESOLVED, Actor(f"slack:{PR}", "広報 太郎", "slack"))
    slack.driver.slash(PR, typed, PR_CHANNEL)
    assert not slack.fake.calls_to("views.open")
    assert slack.runtime.triage.queries.view(incident_id, None).status == CLOSED
    assert any("「終結」にしました" in said for said in _said(slack))


@pytest.mark.parametrize("typed", ["状況INC-0001", "状況＃１", "状態 INC-0001", "状態INC-1", "進捗 INC-0001"])
def test_a_status_typed_hurriedly_answers_the_status_and_pages_nobody(slack_factory: Any, typed: str) -> None:
    """#1: 「/incident 状況INC-0001」 (no space) or 「状態 INC-0001」 was taken as a follow-up report: recorded on the
    incident's timeline, 【続報】「状況INC-0001」 posted to 総務広報課長's channel and the thread; no status."""
    slack = slack_factory(CHIKUGO)
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    before = _pr_posts(slack)
    slack.driver.slash("U_OTHER", typed, REPORT)
    assert _pr_posts(slack) == before
    assert "followup" not in slack.events(1)
    assert any("【状況】INC-0001" in said for said in _said(slack)), _said(slack)
