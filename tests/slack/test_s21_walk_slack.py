"""Session 21 Slack walk (docs/qa/session21_walk_slack.md), 筑後市 and いわき市: each test failed before its fix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of
from sqlalchemy import select

from bot.clock import JST, to_jst
from bot.ports import Actor
from bot.triage.lifecycle import CLOSED, RESOLVED
from storage.models import Escalation

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


def _notice(slack: SlackEnv) -> str:
    [notice] = [m for m in slack.fake.channel_messages(PR_CHANNEL) if "acknowledge" in str(m.get("blocks"))]
    return text_of(notice)


def test_a_saturday_night_notice_says_when_the_next_re_notice_comes(slack_factory: Any, clock: Any) -> None:
    """#3: reported on Saturday 22:40, 総務広報課長's notice said 「確認されるまで 30 分ごと（開庁時間で数えます）に…
    再通知します」 and nothing else: nobody is paged again until the office opens on Tuesday (Monday is 勤労感謝の日),
    which neither the 課長 reading it at night nor the channel was told."""
    clock.set(datetime(2026, 11, 21, 22, 40, tzinfo=JST))
    slack = slack_factory(CHIKUGO)
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    said = _notice(slack)
    assert "開庁時間外のため、確認がなければ次の再通知は 2026年11月24日（火） 9:15 です。" in said, said
    with slack.runtime.triage.deps.sessions() as session:  # the time said is the one the re-notice is due
        [due] = session.scalars(select(Escalation.due_at).where(Escalation.status == "pending")).all()
    assert to_jst(due.replace(tzinfo=due.tzinfo or UTC)) == datetime(2026, 11, 24, 9, 15, tzinfo=JST)
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=JST))  # 勤労感謝の日: nothing is sent, as the notice said
    assert slack.runtime.triage.escalations.fire_due(slack.adapter.deliver_notification, "w1") == 0


def test_a_notice_in_office_hours_says_nothing_of_the_office_being_closed(slack_factory: Any, clock: Any) -> None:
    """#3's other side: a Wednesday-morning report keeps the plain line."""
    slack = slack_factory(CHIKUGO)
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    assert "開庁時間外" not in _notice(slack) and "30 分ごと" in _notice(slack)


@pytest.mark.parametrize("typed", ["状況 INC-0001 別の投稿も炎上しています https://x.com/chikugo_fake/status/999",
                                   "状態 INC-0001 さらに悪化しています"])
def test_news_after_a_status_word_and_a_number_is_kept_as_a_report(slack_factory: Any, typed: str) -> None:
    """#1's edge: words after 「状況 INC-0001」 were dropped (the status shown, the news lost); with 状態 read as 状況
    too, 「状態 INC-0001 さらに悪化しています」 would have been. News with a post or after a synonym stays a report."""
    slack = slack_factory(CHIKUGO)
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.driver.slash("U_OTHER", typed, REPORT)
    assert not any("【状況】" in said for said in _said(slack)), _said(slack)
    assert slack.incident_ids() == [1, 2] or "followup" in slack.events(1)
