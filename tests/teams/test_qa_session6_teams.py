"""Session 6 walk on Microsoft Teams (staff, PR and a bystander): findings as tests."""

from __future__ import annotations

import json

from tests.teams.env import OTHER, PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.parity_driver import action_invoke, channel_of, message_payload
from tests.teams.test_teams_rules import report
from tests.teams.test_teams_scenarios import REPORTS, thread_of

SUBMIT = "composeExtension/submitAction"
RANDOM = "19:random-channel@thread.tacv2"
LEAK = "住民の氏名と住所（旭川市1条1丁目 山田太郎）が写った写真を誤ってFacebookに投稿しました。情報漏えいです"


def test_reporting_someone_elses_leaking_message_points_to_the_personal_chat(teams: TeamsEnv) -> None:
    """「インシデントとして報告」 on a leaking message: the dialog must not send the reporter to the public thread."""
    message_id, _ = teams.driver.channel_post(OTHER, LEAK, RANDOM)
    payload = message_payload(message_id, f"<p>{LEAK}</p>", author=OTHER)
    response = action_invoke(teams.driver, STAFF, SUBMIT, channel_of(RANDOM), payload,
                             {"report_text": LEAK, "source": "reportIncident"})
    said = response.body["task"]["value"]
    [incident_id] = teams.incident_ids()
    assert teams.view(incident_id).restricted
    assert "スレッドで案内します" not in said and "個人チャット" in said
    assert "投稿した人" in said  # the leaking message is someone else's: the reporter cannot delete it
    [line] = teams.fake.thread(RANDOM, message_id)
    assert card_text(line) == "詳細は個別に案内します。"
    channels = json.dumps([c.body for c in teams.fake.calls if c.conversation.startswith("19:")], ensure_ascii=False)
    assert "山田太郎" not in channels and "1条1丁目" not in channels


def test_an_ordinary_report_by_message_action_still_points_to_the_thread(teams: TeamsEnv) -> None:
    message_id, _ = teams.driver.channel_post(OTHER, REPORTS["flaming"], RANDOM)
    payload = message_payload(message_id, f"<p>{REPORTS['flaming']}</p>", author=OTHER)
    response = action_invoke(teams.driver, STAFF, SUBMIT, channel_of(RANDOM), payload,
                             {"report_text": REPORTS["flaming"], "source": "reportIncident"})
    assert "元のメッセージのスレッドで案内します" in response.body["task"]["value"]


def test_a_thread_report_corrected_to_leak_advises_the_reporter_in_private(teams: TeamsEnv) -> None:
    incident_id, root = report(teams, "flaming")
    intro = teams.fake.thread(REPORT, root)[0]
    teams.driver.execute(STAFF, intro, thread_of(root), "kind_select", {"kind": "leak"})
    assert teams.view(incident_id).restricted
    chat = teams.fake.chats[STAFF.id]
    assert any("個人情報が含まれている場合" in card_text(m) for m in teams.fake.posts_to(chat))


def test_a_bystander_cannot_acknowledge_or_correct_the_kind(teams: TeamsEnv) -> None:
    incident_id, root = report(teams, "flaming")
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    refused = teams.driver.execute(OTHER, pr_card, PR_CHANNEL, "acknowledge")
    assert "広報広聴課として登録された職員だけ" in refused.body["value"]
    intro = teams.fake.thread(REPORT, root)[0]
    refused = teams.driver.execute(OTHER, intro, thread_of(root), "kind_select", {"kind": "leak"})
    assert "権限がありません" in refused.body["value"]
    view = teams.view(incident_id)
    assert view.kind == "flaming" and not view.restricted and view.acknowledged_at is None
    assert teams.events(incident_id).count("access_denied") == 2


def test_an_acknowledged_personal_chat_report_keeps_its_text_on_the_pr_card(teams: TeamsEnv) -> None:
    """Reported in a personal chat (which PR cannot open): after 確認 the card kept only 「報告内容はインシデントの
    スレッドで確認できます」, pointing at a thread that does not exist, and the report text was gone."""
    from tests.teams.teams_driver import personal_chat

    teams.driver.chat_message(STAFF, REPORTS["impersonation"])
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    teams.driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge")
    shown = card_text(teams.fake.message(pr_card["id"]))
    assert "スレッドで確認できます" not in shown
    assert REPORTS["impersonation"][:20] in shown and "報告者とのチャットで案内しています" in shown
    assert "広報 太郎 さんが確認しました" in shown
    assert teams.view(teams.incident_ids()[0]).conversation.channel == personal_chat(STAFF)


def test_an_acknowledged_thread_report_still_points_to_its_thread(teams: TeamsEnv) -> None:
    report(teams, "flaming")
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    teams.driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge")
    updated = teams.fake.message(pr_card["id"])
    assert "報告内容はインシデントのスレッドで確認できます" in card_text(updated)
    assert any(a["type"] == "Action.OpenUrl" for a in updated["attachments"][0]["content"]["actions"])
