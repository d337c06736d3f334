"""Restricted incidents on Teams (#13): they live in the reporter's personal chat; channels get one neutral line."""

from __future__ import annotations

import json

from tests.teams.env import OTHER, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, inputs, verbs
from tests.teams.test_teams_rules import report
from tests.teams.test_teams_scenarios import answers, pending_step

PHONE = "090-1234-5678"


def typed_with_phone(step: dict) -> dict[str, str]:
    """Valid answers for a step card, with a phone number in every text field."""
    values = answers(step)
    for field in inputs(step):
        if field["type"] == "Input.Text" and field.get("style") != "Url":
            values[field["id"]] = f"折り返し先 {PHONE}"
    return values


def channel_bodies(teams: TeamsEnv) -> str:
    """Every call the fake Bot Connector got for a channel (19:…), as JSON."""
    return json.dumps([c.body for c in teams.fake.calls if c.conversation.startswith("19:")], ensure_ascii=False)


def channel_messages_now(teams: TeamsEnv) -> str:
    """What channel messages show now (after updates)."""
    fake = teams.fake
    with fake._lock:
        shown = [m["activity"] for m in fake.messages.values() if m["conversation"].startswith("19:")]
    return json.dumps(shown, ensure_ascii=False)


def test_a_leak_typed_into_step_1_never_reaches_a_channel(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    incident_id, root = report(teams, "leak")
    [line] = fake.thread(REPORT, root)
    assert card_text(line) == "詳細は個別に案内します。"
    chat = fake.chats[STAFF.id]
    step = pending_step(fake, chat)
    assert step is not None
    response = driver.execute(STAFF, step, chat, "step_done", typed_with_phone(step))
    assert response.status == 200
    assert PHONE in card_text(fake.message(step["id"]))  # shown in the private chat, where it belongs
    assert PHONE not in channel_bodies(teams) and "個人情報" not in channel_bodies(teams)
    advice = [m for m in fake.posts_to(chat) if "削除" in card_text(m)]
    assert advice  # told how to remove their own public message
    assert teams.view(incident_id).restricted


def test_a_correction_to_leak_moves_the_conversation_and_redacts_the_thread(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    incident_id, root = report(teams, "flaming")
    thread = f"{REPORT};messageid={root}"
    step = pending_step(fake, thread)
    assert step is not None
    driver.execute(STAFF, step, thread, "step_done", typed_with_phone(step))
    assert PHONE in channel_messages_now(teams)  # a flaming incident's answers are shown in its thread
    intro = fake.thread(REPORT, root)[0]
    response = driver.execute(STAFF, intro, thread, "kind_select", {"kind": "leak"})
    assert response.status == 200 and teams.view(incident_id).restricted
    now = channel_messages_now(teams)
    assert PHONE not in now  # every message posted in the public thread became the neutral line
    assert "詳細は個別に案内します" in now
    pr_card, *told = fake.posts_to(PR_CHANNEL)  # the PR card, then the severity change the answers made
    assert "閲覧制限付きの案件" in card_text(fake.message(pr_card["id"]))
    assert all("【重大度の変更】" in card_text(m) and PHONE not in card_text(m) for m in told)
    chat = fake.chats[STAFF.id]
    private = fake.posts_to(chat)
    assert private and not any("kind_select" in verbs(m) for m in private)  # in the personal chat, no kind control
    assert pending_step(fake, chat) is not None  # the leak playbook's step 1, in private
    before = len(fake.thread(REPORT, root))
    again = driver.execute(STAFF, intro, thread, "kind_select", {"kind": "leak"})  # chosen again: nothing twice
    assert again.status == 200 and len(fake.thread(REPORT, root)) == before and len(fake.posts_to(chat)) == len(private)


def test_a_leak_report_merged_into_an_ordinary_incident_moves_it_private(teams: TeamsEnv) -> None:
    """Session 17 #8 on Teams: a vague report of a post, then a colleague's leak report of the same post. Before:
    merged into the still public incident; now the merge restricts it as a correction to a leak does."""
    fake, driver = teams.fake, teams.driver
    url = "https://www.facebook.com/city/posts/888"
    root, _ = driver.channel_post(STAFF, f"市の公式アカウントになりすましたアカウントの投稿です {url}", REPORT)
    [incident_id] = teams.incident_ids()
    assert not teams.view(incident_id).restricted
    leak = f"住民の名簿を誤って添付したまま投稿してしまいました。山田太郎 {PHONE} {url}"
    _, response = driver.channel_post(OTHER, leak, REPORT)
    assert response.status == 202 and teams.incident_ids() == [incident_id]
    assert teams.view(incident_id).restricted
    now = channel_messages_now(teams)
    assert "なりすましたアカウント" not in now and "詳細は個別に案内します" in now  # thread and PR card redacted
    assert PHONE not in channel_bodies(teams) and "山田太郎" not in channel_bodies(teams)
    [told] = [m for m in fake.posts_to(PR_CHANNEL) if "【閲覧制限】" in card_text(m)]
    assert "佐藤 一郎" in card_text(told)
    chat = fake.chats[STAFF.id]
    assert pending_step(fake, chat) is not None  # the first reporter carries on in her personal chat
    assert any("閲覧制限付きになりました" in card_text(m) for m in fake.posts_to(chat))
