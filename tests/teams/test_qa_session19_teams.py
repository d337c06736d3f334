"""Teams walk s18 findings fixed in session 19 (#7 a bystander's grant by a typed name, #10 the re-notice card's
title once acknowledged, #8 advice worded for a group chat)."""

from __future__ import annotations

from bot.clock import FixedClock
from tests.teams.env import OTHER, PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.parity_driver import action_invoke, message_payload
from tests.teams.teams_driver import personal_chat

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/95"


def test_a_bystanders_grant_to_a_typed_name_is_refused_and_recorded(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, FLAMING)
    [incident_id] = teams.incident_ids()
    teams.driver.chat_message(OTHER, "権限付与 INC-0001 鈴木 次郎")
    said = card_text(teams.fake.posts_to(personal_chat(OTHER))[-1])
    assert "権限がありません" in said and "メンション" not in said
    assert teams.events(incident_id)[-1] == "access_denied"


def test_the_renotice_card_keeps_its_own_title_once_acknowledged(teams: TeamsEnv, clock: FixedClock) -> None:
    """#10: acknowledged from the 【上位への通知】 card, both cards were redrawn as the first notice: the re-notice
    card no longer said it was the notice to the next level."""
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    clock.advance(minutes=31)
    fire_due = teams.runtime.triage.escalations.fire_due
    assert fire_due(teams.bot.deliver_notification, "worker-1") >= 1
    cards = [m for m in teams.fake.posts_to(PR_CHANNEL) if "acknowledge" in verbs(m)]
    [renotice] = [m for m in cards if "【上位への通知" in card_text(m)]
    [first] = [m for m in cards if m["id"] != renotice["id"]]
    assert teams.driver.execute(PR, renotice, PR_CHANNEL, "acknowledge").status == 200
    after = card_text(teams.fake.message(renotice["id"]))
    assert "【上位への通知" in after and "広報 太郎 さんが確認しました" in after
    assert "【上位への通知" not in card_text(teams.fake.message(first["id"]))


GROUP = "19:group-walk@thread.v2"
LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです https://x.com/a/status/96"


def test_a_leak_reported_in_a_group_chat_is_advised_about_the_group_chat(teams: TeamsEnv) -> None:
    """#8: the reporter was told to delete 「公開のチャンネルに投稿したご自身のメッセージ」: a group chat is neither."""
    teams.driver.chat_message(STAFF, LEAK, conversation=GROUP, group=True, mention=True)
    [incident_id] = teams.incident_ids()
    assert teams.view(incident_id).restricted
    said = teams.fake.all_text()  # the steps and the advice are in 山田's personal chat (the bot opened it)
    assert "グループチャットに投稿したご自身のメッセージ" in said
    assert "公開のチャンネル" not in said and "チャンネルの管理者" not in said


def test_pr_is_told_the_steps_run_in_a_group_chat_they_may_not_open(teams: TeamsEnv) -> None:
    """#8: PR's card said 「報告のあった会話で案内しています」, a chat PR is not in and cannot open."""
    teams.driver.chat_message(STAFF, FLAMING, conversation=GROUP, group=True, mention=True)
    [card] = teams.fake.posts_to(PR_CHANNEL)
    said = card_text(card)
    assert "報告のあった会話で案内しています" not in said
    assert "グループチャットで案内しています" in said and "参加していない" in said


def test_a_leak_reported_with_the_message_action_in_a_group_chat_speaks_of_that_chat(teams: TeamsEnv) -> None:
    """#8: the dialog said the steps would come 「元のメッセージのスレッドではなく」 and the advice named the channel's
    admin: a group chat has neither a thread nor an admin of a channel."""
    group = {"id": GROUP, "conversationType": "groupChat", "isGroup": True}
    payload = message_payload("1:group-msg-1", f"<p>{LEAK}</p>", author=OTHER)
    answer = action_invoke(teams.driver, STAFF, "composeExtension/submitAction", group, payload,
                           {"report_text": LEAK, "report_kind": "", "source": "reportIncident"})
    said = answer.body["task"]["value"]
    assert "このチャットではなく、ボットとの個人チャットで案内します" in said and "スレッド" not in said
    everything = teams.fake.all_text()
    assert "投稿した人に削除を依頼してください" in everything and "チャンネルの管理者" not in everything
