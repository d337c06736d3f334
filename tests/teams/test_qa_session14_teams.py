"""Session 14 Teams walk (docs/qa/session14_walk_teams.md): 筑後市 and 浦臼町's staff on Microsoft Teams."""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import ChannelAccount

from bot.clock import FixedClock
from tests.teams.env import OTHER, PR_CHANNEL, REPORT, SECURITY, STAFF, TeamsEnv
from tests.teams.fake_connector import card_of, card_text
from tests.teams.teams_driver import BOT, TENANT, personal_chat
from tests.teams.test_qa_session8_teams import HEAD, SOUMU, urausu  # noqa: F401 - the 浦臼町 fixture
from tests.teams.test_qa_session11_teams import LEAK
from tests.teams.test_teams_scenarios import answers, pending_step, thread_of

DEMA = ("ＳＮＳで「浦臼町の水道水から基準値超えの物質が出た」ってデマが回ってます。事実じゃないです "
        "https://x.com/someone/status/1876543210?s=46&t=q")


def _mentioned(message: dict[str, Any]) -> list[str]:
    return [entity["mentioned"]["id"] for entity in card_of(message).get("msteams", {}).get("entities", [])]


def _grant_by_mention(teams: TeamsEnv) -> None:
    """The security officer's 「権限付与 INC-0001 @佐藤 一郎」 in the personal chat, the mention as Teams sends it."""
    picked = {"type": "mention", "text": f"<at>{OTHER.name}</at>", "mentioned": {"id": OTHER.id, "name": OTHER.name}}
    teams.driver.post({"channelId": "msteams", "serviceUrl": teams.fake.url, "from": SECURITY.account(),
                       "recipient": dict(BOT), "type": "message", "id": teams.fake.new_id(),
                       "text": f"権限付与 INC-0001 <at>{OTHER.name}</at>", "textFormat": "plain",
                       "entities": [picked], "locale": "ja-JP",
                       "conversation": {"tenantId": TENANT, "id": personal_chat(SECURITY),
                                        "conversationType": "personal", "isGroup": False},
                       "channelData": {"tenant": {"id": TENANT}}, "timestamp": "2026-11-18T01:00:00.000Z"})


def test_a_severity_notice_mentions_every_section_the_guideline_names(urausu: TeamsEnv) -> None:  # noqa: F811
    """#2: 浦臼町 5(3) names 所属課局長及び総務課; the first notice mentioned both, but 【重大度の変更】 (中 → 最高,
    「次の連絡先へ直ちに通知します」) mentioned only 所属課局長: 総務課, who acknowledges, was not alerted."""
    root, _ = urausu.driver.channel_post(STAFF, DEMA, REPORT)
    step = pending_step(urausu.fake, thread_of(root))
    assert step is not None
    urausu.driver.execute(STAFF, step, thread_of(root), "step_done", {**answers(step), "in_press": "yes"})
    [changed] = [m for m in urausu.fake.posts_to(PR_CHANNEL) if "【重大度の変更】" in card_text(m)]
    assert "<at>所属課局長</at>" in card_text(changed) and "<at>総務課</at>" in card_text(changed)
    assert _mentioned(changed) == [HEAD.id, SOUMU.id]


def test_a_step_card_redrawn_by_a_repeated_click_keeps_who_finished_it_and_when(teams: TeamsEnv,
                                                                                clock: FixedClock) -> None:
    """#3: after a SIGKILL left 浦臼町's step 1 card open, a click on it (by anyone, minutes later) replayed the
    completion and redrew the card as 「✅ 完了（<the clicker>・<now>）」; the timeline says 山田 花子 at 10:00."""
    root, _ = teams.driver.channel_post(STAFF, DEMA, REPORT)
    step = pending_step(teams.fake, thread_of(root))
    assert step is not None
    teams.driver.execute(STAFF, step, thread_of(root), "step_done", answers(step))
    first = card_text(teams.fake.message(step["id"]))
    assert "✅ 完了（山田 花子・" in first
    teams.fake.forget(step["id"])  # as a kill before the card was redrawn leaves it: still open, with its button
    teams.fake.messages[step["id"]] = {"conversation": thread_of(root), "activity": step, "updates": 0, "seq": -1}
    clock.advance(minutes=3)
    response = teams.driver.execute(OTHER, step, thread_of(root), "step_done", answers(step))
    assert response.status == 200
    again = card_text(teams.fake.message(step["id"]))
    assert again == first  # 山田 花子 and the minute she finished, not 佐藤 一郎 three minutes later


def test_a_colleague_granted_by_the_mention_teams_sends_holds_the_role_when_he_acts(teams: TeamsEnv) -> None:
    """#5: Teams' mention entity names a person by their Teams user id (29:…) only, while the bot knows a sender by
    the AAD object id: a security officer's 「権限付与 INC-0001 @佐藤 一郎」 gave the role to teams:29:…, the grant
    notice and the records reached him, and when he accepted the file he was refused 「この操作（詳細の閲覧）が
    できるのは…」, recorded as his unauthorised attempt."""
    teams.driver.chat_message(STAFF, LEAK)
    [incident_id] = teams.incident_ids()
    _grant_by_mention(teams)
    assert teams.events(incident_id).count("role_granted") == 1
    # He acts as Teams sends him: both ids, the AAD object id first (the id the core knows him by).
    core = teams.bot.people.triage(ChannelAccount(id=OTHER.id, aad_object_id=OTHER.aad, name=OTHER.name))
    view = core.queries.view(incident_id, f"teams:{OTHER.aad}")
    assert view.details_visible
    # Nobody else gains it: a bystander's ids are his own.
    bystander = teams.bot.people.triage(ChannelAccount(id="29:x-0009", aad_object_id="aad-x-0009", name="x"))
    assert not bystander.queries.view(incident_id, "teams:aad-x-0009").details_visible


def test_an_acknowledged_leak_notice_does_not_claim_it_withdrew_a_text_it_never_showed(teams: TeamsEnv) -> None:
    """#13: a leak reported as one: its card never carried the report's text, yet once acknowledged it read
    「情報漏えいの案件のため、報告内容の表示を取り消しました」; it should say only who can see the details."""
    from tests.teams.env import PR

    teams.driver.chat_message(STAFF, LEAK)
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    assert LEAK[:15] not in card_text(pr_card)
    teams.driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge")
    shown = card_text(teams.fake.message(pr_card["id"]))
    assert "広報 太郎 さんが確認しました" in shown and LEAK[:15] not in shown
    assert "取り消しました" not in shown and "閲覧権限のある職員だけが確認できます" in shown


def test_a_grant_confirmation_names_the_colleague_the_mention_named(teams: TeamsEnv) -> None:
    """#14: 「INC-0002 の報告者として teams:29:staff-0002 さんに…付与しました」: the @mention carried his name."""
    teams.driver.chat_message(STAFF, LEAK)
    _grant_by_mention(teams)
    [said] = [card_text(m) for m in teams.fake.posts_to(personal_chat(SECURITY)) if "付与しました" in card_text(m)]
    assert f"{OTHER.name} さん" in said and OTHER.id not in said
