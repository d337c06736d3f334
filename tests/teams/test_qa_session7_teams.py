"""Session 7 QA fixes on Microsoft Teams: the privacy advice names whose message is to be removed."""

from __future__ import annotations

from tests.teams.env import OTHER, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.parity_driver import action_invoke, channel_of, message_payload

SUBMIT = "composeExtension/submitAction"
RANDOM = "19:random-channel@thread.tacv2"
LEAK = "住民の氏名と住所（旭川市1条1丁目 山田太郎）が写った写真を誤ってFacebookに投稿しました。情報漏えいです"


def _advice(teams: TeamsEnv) -> str:
    [advice] = [card_text(m) for m in teams.fake.posts_to(teams.fake.chats[STAFF.id])
                if "個人情報が含まれている場合" in card_text(m)]
    return advice


def test_someone_elses_leaking_message_is_to_be_removed_by_its_poster(teams: TeamsEnv) -> None:
    """The message action on another person's message: the reporter cannot delete it, so the advice in the
    personal chat asks them to have its poster (or an administrator) remove it, as the dialog already says."""
    message_id, _ = teams.driver.channel_post(OTHER, LEAK, RANDOM)
    payload = message_payload(message_id, f"<p>{LEAK}</p>", author=OTHER)
    action_invoke(teams.driver, STAFF, SUBMIT, channel_of(RANDOM), payload,
                  {"report_text": LEAK, "source": "reportIncident"})
    advice = _advice(teams)
    assert "投稿した人に削除を依頼" in advice and "ご自身のメッセージ" not in advice
    assert "ボットはメッセージを削除できません" in advice


def test_ones_own_leaking_message_is_to_be_deleted_by_oneself(teams: TeamsEnv) -> None:
    message_id, _ = teams.driver.channel_post(STAFF, LEAK, RANDOM)
    payload = message_payload(message_id, f"<p>{LEAK}</p>", author=STAFF)
    action_invoke(teams.driver, STAFF, SUBMIT, channel_of(RANDOM), payload,
                  {"report_text": LEAK, "source": "reportIncident"})
    advice = _advice(teams)
    assert "ご自身のメッセージ" in advice and "投稿した人" not in advice
