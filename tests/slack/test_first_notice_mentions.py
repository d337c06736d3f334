"""Slack's first notice pings every section the guideline names first (浦臼町 5(3): 所属課局長 及び 総務課)."""

from __future__ import annotations

from collections.abc import Callable

from conftest import PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of

URAUSU = {"profile": "urausu",
          "escalation": {"levels": [{"section": "department_head", "after_minutes": 30, "mention": "U_KACHO"},
                                    {"section": "pr_section", "after_minutes": 30, "mention": "S_SOUMU"}]}}
FLAMING = "町の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/urausu_fake/status/1"


def test_the_first_notice_pings_each_first_recipients_mention(slack_factory: Callable[..., SlackEnv]) -> None:
    slack = slack_factory(URAUSU)
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.fake.wait_for(lambda f: len(f.channel_messages(PR_CHANNEL)) >= 1)
    [notice] = slack.fake.channel_messages(PR_CHANNEL)
    said = text_of(notice)
    # Before: only <@U_KACHO>; 総務課's group was named in the text and pinged nobody.
    assert "<@U_KACHO>" in said and "<!subteam^S_SOUMU>" in said, said
    assert notice["text"].count("<@U_KACHO>") == 1 and "通知先の根拠: 浦臼町ガイドライン 5(3)" in said


def test_a_single_mention_is_unchanged(slack_factory: Callable[..., SlackEnv]) -> None:
    one = {"profile": "urausu", "escalation": {"levels": [
        {"section": "department_head", "after_minutes": 30, "mention": "S_BOTH"}]}}
    slack = slack_factory(one)
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.fake.wait_for(lambda f: len(f.channel_messages(PR_CHANNEL)) >= 1)
    [notice] = slack.fake.channel_messages(PR_CHANNEL)
    assert "<!subteam^S_BOTH>" in text_of(notice) and "<@" not in text_of(notice)
