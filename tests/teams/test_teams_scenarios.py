"""End to end through the real SDK app over HTTP: every incident kind from report to resolution in Teams.

Activities are posted to POST /api/messages as Teams sends them; the bot answers through the fake Bot
Connector, which records every call. Nothing reaches Microsoft.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import POST_URL
from tests.teams.env import OTHER, PR, PR_CHANNEL, PR_TAG, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import FakeConnector, card_of, card_text, inputs, verbs
from tests.teams.teams_driver import TeamsDriver, User

REPORTS = {
    "flaming": "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1",
    "impersonation": "市の公式アカウントを名乗るなりすましアカウントが見つかりました https://x.com/asahikawa_fak3",
    "misinformation": "市が給付金を配るというデマが拡散しています https://x.com/someone/status/2",
    "leak": "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです",
    "account_takeover": "市の公式Instagramアカウントが乗っ取られました。不正ログインされ、身に覚えのない投稿があります",
}


CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"


def thread_of(root: str) -> str:
    return f"{REPORT};messageid={root}"


def answers(card_message: dict[str, Any]) -> dict[str, str]:
    """Valid values for every input of a step card, keyed by the card's input ids."""
    values: dict[str, str] = {}
    for field in inputs(card_message):
        name = field["id"][len("in_"):]
        if field["type"] == "Input.ChoiceSet":
            options = [c["value"] for c in field["choices"]]
            preferred = {"spread": "large", "press": "no", "personal_data": "no"}.get(name)
            values[field["id"]] = preferred if preferred in options else options[0]
        elif field.get("style") == "Url":
            values[field["id"]] = POST_URL
        elif "X、Facebook" in str(field.get("placeholder")):
            values[field["id"]] = "x"
        else:
            values[field["id"]] = f"テスト入力（{name}）"
    return values


def pending_step(fake: FakeConnector, conversation: str) -> dict[str, Any] | None:
    """The step card still waiting for an answer (the bot's latest one with a done action)."""
    cards = [m for m in fake.posts_to(conversation) if "step_done" in verbs(m)]
    return cards[-1] if cards else None


def walk_steps(driver: TeamsDriver, user: User, conversation: str, *, submit: bool = False) -> list[str]:
    """Finish every step from its card (inputs filled in), until none is pending; returns the headings."""
    fake = driver.fake
    headings: list[str] = []
    while (step := pending_step(fake, conversation)) is not None:
        heading = card_text(step).split("\n", 1)[0]
        assert heading not in headings, f"step shown twice: {heading}"
        headings.append(heading)
        if submit:
            response = driver.submit(user, step, conversation, "step_done", answers(step))
            assert response.status in (200, 202)
        else:
            response = driver.execute(user, step, conversation, "step_done", answers(step))
            assert response.status == 200
            # The clicker is told it was received; the card itself changes only once what follows is posted.
            assert response.body["type"] == MESSAGE and response.body["value"] == "受け付けました。", response.body
        closed = fake.message(step["id"])
        assert "step_done" not in verbs(closed)  # updated in place (PUT), after the next step was posted
        assert f"✅ 完了（{user.name}・2026年11月18日（水）10:00）" in card_text(closed)
        assert len(headings) < 30
    return headings


# 旭川市 misinformation tells 広報広聴課 only when the post is 悪質 (7(3)イ; tests/test_first_notice.py).
@pytest.mark.parametrize("kind", [k for k in REPORTS if k != "misinformation"])
def test_every_kind_from_report_to_resolution(teams: TeamsEnv, kind: str) -> None:
    fake, driver = teams.fake, teams.driver
    root, response = driver.channel_post(STAFF, REPORTS[kind], REPORT)
    assert response.status == 202
    [incident_id] = teams.incident_ids()
    view = teams.view(incident_id)
    assert view.kind == kind and view.reporter_id == f"teams:{STAFF.aad}"

    # The thread: what was received with the kind correction choice, then step 1 with its actions. A leak lives
    # in the reporter's personal chat (opened by the bot); the channel thread gets one neutral line.
    home = thread_of(root)
    if kind == "leak":
        [line] = fake.thread(REPORT, root)
        assert card_text(line) == "詳細は個別に案内します。"
        home = fake.chats[STAFF.id]
        assert len(home) > 150
        assert "個人情報" not in json.dumps([c.body for c in fake.calls if c.conversation.startswith("19:")],
                                        ensure_ascii=False)
    # A leak's intro offers its reporter no kind correction (plan.intro).
    intro = next(m for m in fake.posts_to(home) if "を受け付けました（種別" in card_text(m))
    step1 = next(m for m in fake.posts_to(home) if "step_done" in verbs(m))
    assert verbs(intro) == ([] if view.restricted else ["kind_select"]) and view.ref in card_text(intro)
    assert "【手順 1/" in card_text(step1) and "根拠" in card_text(step1)
    assert verbs(step1) == ["step_done", "step_skip"]
    for action in card_of(step1)["actions"]:  # Action.Execute with an Action.Submit fallback, same data
        assert action["fallback"]["type"] == "Action.Submit" and action["fallback"]["data"] == action["data"]
    assert card_of(step1)["version"] == "1.5"

    # The PR section: one card with the section's mention, kind, severity, reporter and the acknowledge.
    [pr_card] = fake.posts_to(PR_CHANNEL)
    pr_text = card_text(pr_card)
    assert view.kind_label in pr_text and view.severity_label in pr_text and STAFF.name in pr_text
    assert f"<at>{PR_TAG.name}</at>" in pr_text
    assert card_of(pr_card)["msteams"]["entities"][0]["mentioned"]["id"] == PR_TAG.id
    assert verbs(pr_card) == ["acknowledge"]
    if kind == "leak":
        assert view.restricted and "住所" not in pr_text and "個人情報" not in pr_text
    else:
        assert REPORTS[kind][:10] in pr_text

    # Someone outside the PR section cannot acknowledge: told in the invoke response, logged, card unchanged.
    refused = driver.execute(OTHER, pr_card, PR_CHANNEL, "acknowledge")
    assert refused.status == 200 and refused.body["type"] == "application/vnd.microsoft.activity.message"
    assert "広報広聴課として登録された職員だけ" in refused.body["value"]
    assert teams.events(incident_id)[-1] == "access_denied"
    assert fake.updates_of(pr_card["id"]) == 0 and verbs(fake.message(pr_card["id"])) == ["acknowledge"]

    # A PR member acknowledges: the card is updated (PUT) to who and when; the thread is told.
    accepted = driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge")
    assert accepted.status == 200 and accepted.body["type"] == MESSAGE
    updated = fake.message(pr_card["id"])
    assert fake.updates_of(pr_card["id"]) == 1 and verbs(updated) == []
    assert "広報 太郎 さんが確認しました（2026年11月18日（水）10:00）" in card_text(updated)
    assert fake.calls_to("update", conversation=PR_CHANNEL, activity_id=pr_card["id"])
    assert "広報 太郎 さんが確認しました" in card_text(fake.posts_to(home)[-1])
    assert len(fake.posts_to(PR_CHANNEL)) == 1
    assert teams.view(incident_id).status == "acknowledged"

    # The steps, each finished from its card with its inputs and updated in place, until resolution.
    headings = walk_steps(driver, STAFF, home)
    assert len(headings) >= 3
    final = teams.view(incident_id)
    # A leak is ended by PR or security, never by its reporter (bot/triage/access.py).
    assert final.status == ("responding" if kind == "leak" else "resolved")
    step_cards = [m for m in fake.posts_to(home) if "【手順" in card_text(m)]
    assert len(step_cards) == len(headings)  # one card per step, nothing re-posted
    # Ended: the closing review invitation follows, once (a leak is not ended by its reporter: none).
    invites = [m for m in fake.posts_to(home) if "records_review" in verbs(m)]
    assert len(invites) == (0 if kind == "leak" else 1)
    said = [m for m in fake.posts_to(home) if m not in invites and len(m.get("attachments") or []) == 1]
    assert "すべての手順が終わりました" in card_text(said[-1])
    events = teams.events(incident_id)
    assert events.count("step_completed") == len(headings) and "acknowledged" in events
    if any(inputs(m) for m in step_cards):
        timeline = teams.runtime.triage.queries.timeline(incident_id, None)
        completed = [e for e in timeline if e.type == "step_completed"]
        assert any(e.data.get("answers") or e.new for e in completed)


def test_misinformation_tells_the_pr_section_once_the_reporter_says_it_is_malicious(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    root, response = driver.channel_post(STAFF, REPORTS["misinformation"], REPORT)
    assert response.status == 202
    [incident_id] = teams.incident_ids()
    assert teams.view(incident_id).kind == "misinformation"
    home = thread_of(root)
    assert fake.posts_to(PR_CHANNEL) == []  # 旭川市 7(3)イ: not before the reporter says it is 悪質
    fire_due = teams.runtime.triage.escalations.fire_due
    while (step := pending_step(fake, home)) is not None:
        values = answers(step)
        malicious = "in_is_malicious" in values
        if malicious:
            values["in_is_malicious"] = "yes"
        assert driver.execute(STAFF, step, home, "step_done", values).status == 200
        if malicious:
            break
    assert fire_due(teams.bot.deliver_notification, "worker-1") == 1  # the queued first notice, due at once
    assert fire_due(teams.bot.deliver_notification, "worker-2") == 0
    [pr_card] = fake.posts_to(PR_CHANNEL)
    assert verbs(pr_card) == ["acknowledge"] and REPORTS["misinformation"][:10] in card_text(pr_card)
    assert driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge").status == 200
    assert teams.view(incident_id).acknowledged_at is not None
    headings = walk_steps(driver, STAFF, home)
    assert teams.view(incident_id).status == "resolved" and len(headings) >= 1
    others = [m for m in fake.posts_to(PR_CHANNEL) if m["id"] != pr_card["id"]]  # the closing records note
    assert all("acknowledge" not in verbs(m) and REPORTS["misinformation"][:10] not in card_text(m) for m in others)
    assert len(others) <= 1
