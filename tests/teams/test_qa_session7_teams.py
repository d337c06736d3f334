"""Session 7 QA fixes on Microsoft Teams: the privacy advice names whose message is to be removed."""

from __future__ import annotations

from tests.teams.env import OTHER, PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.parity_driver import action_invoke, channel_of, message_payload
from tests.teams.teams_driver import User
from tests.teams.test_teams_rules import report
from tests.teams.test_teams_scenarios import thread_of, walk_steps

SUBMIT = "composeExtension/submitAction"
RANDOM = "19:random-channel@thread.tacv2"
LEAK = "住民の氏名と住所（旭川市1条1丁目 山田太郎）が写った写真を誤ってFacebookに投稿しました。情報漏えいです"


def _advice_on_reporting(teams: TeamsEnv, author: User) -> str:
    """STAFF reports `author`'s leaking channel message with the message action; the advice in STAFF's chat."""
    message_id, _ = teams.driver.channel_post(author, LEAK, RANDOM)
    payload = message_payload(message_id, f"<p>{LEAK}</p>", author=author)
    action_invoke(teams.driver, STAFF, SUBMIT, channel_of(RANDOM), payload,
                  {"report_text": LEAK, "source": "reportIncident"})
    [advice] = [card_text(m) for m in teams.fake.posts_to(teams.fake.chats[STAFF.id])
                if "個人情報が含まれている場合" in card_text(m)]
    return advice


def test_someone_elses_leaking_message_is_to_be_removed_by_its_poster(teams: TeamsEnv) -> None:
    """The message action on another person's message: the reporter cannot delete it, so the advice in the
    personal chat asks them to have its poster (or an administrator) remove it, as the dialog already says."""
    advice = _advice_on_reporting(teams, OTHER)
    assert "投稿した人に削除を依頼" in advice and "ご自身のメッセージ" not in advice
    assert "ボットはメッセージを削除できません" in advice


def test_ones_own_leaking_message_is_to_be_deleted_by_oneself(teams: TeamsEnv) -> None:
    advice = _advice_on_reporting(teams, STAFF)
    assert "ご自身のメッセージ" in advice and "投稿した人" not in advice


def test_a_card_redacted_after_the_end_was_offered_loses_the_end_control(teams: TeamsEnv) -> None:
    """Steps done before PR's acknowledgement: the card offers 「対応完了にする」; a correction to a leak redacts
    it and starts the leak's steps, so the end control comes off (as on Slack and LINE WORKS)."""
    incident_id, root = report(teams, "flaming")
    intro = teams.fake.thread(REPORT, root)[0]
    walk_steps(teams.driver, STAFF, thread_of(root))
    pr_card = teams.fake.posts_to(PR_CHANNEL)[0]
    teams.driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge")
    assert "resolve" in verbs(teams.fake.message(pr_card["id"]))
    teams.driver.execute(STAFF, intro, thread_of(root), "kind_select", {"kind": "leak"})
    assert teams.view(incident_id).restricted
    card = teams.fake.message(pr_card["id"])
    assert "resolve" not in verbs(card) and "広報 太郎 さんが確認しました" in card_text(card)
