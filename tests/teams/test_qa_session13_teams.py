"""Session 13 on Teams (docs/qa/session13_teams.md): privacy advice for replies, private chats and links."""

from __future__ import annotations

import json

from bot.delivery.links import home_link
from tests.teams.env import OTHER, PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_of, card_text, verbs
from tests.teams.teams_driver import TENANT
from tests.teams.test_teams_scenarios import REPORTS, answers, pending_step

LEAK = "市のFacebookに住民の名簿が載ってしまっています。山田太郎 090-1234-5678 旭川市1条通1丁目 など。情報漏えいです"
GROUP_CHAT = "19:group-chat@thread.v2"
QUOTE = "> 山田太郎 090-1234-5678 旭川市1条通1丁目\nこれヤバくないですか"


def _advice_to(teams: TeamsEnv, user_id: str) -> list[str]:
    """What the bot posted in its personal chat with a Teams user (created for them if it had none)."""
    chat = teams.fake.chats.get(user_id)
    return [] if chat is None else [card_text(m) for m in teams.fake.posts_to(chat)]


def _posts_in_chat(teams: TeamsEnv, user_id: str) -> list[dict]:
    chat = teams.fake.chats.get(user_id)
    return [] if chat is None else teams.fake.posts_to(chat)


def test_a_colleague_quoting_a_leak_in_its_public_thread_is_told_in_a_personal_chat(teams: TeamsEnv) -> None:
    """#1: a reply under a leak reported in the report channel was ignored (TeamsReports.origin: conversation),
    so the quote with the personal data stayed and nobody was told."""
    fake, driver = teams.fake, teams.driver
    root, _ = driver.channel_post(STAFF, LEAK, REPORT)
    [incident_id] = teams.incident_ids()
    assert teams.view(incident_id).restricted
    before = len(fake.calls)
    reply, response = driver.channel_post(OTHER, QUOTE, REPORT, root=root)
    assert response.status == 202
    [advice] = _advice_to(teams, OTHER.id)
    assert "INC-0001 は閲覧制限付きの案件" in advice and "削除してください" in advice  # not the kind (s21)
    # OTHER never wrote to the bot: the personal chat was created through the Connector (member and tenant).
    [create] = [call for call in fake.calls[before:] if call.method == "create"]
    assert create.body["members"][0]["id"] == OTHER.id and create.body["tenantId"] == TENANT
    sent = json.dumps([call.body for call in fake.calls[before:]], ensure_ascii=False)
    assert "090-1234-5678" not in sent and "山田太郎" not in sent  # advised, never repeated anywhere
    assert all(call.conversation != REPORT and not call.conversation.startswith(f"{REPORT};")
               for call in fake.calls[before:])  # nothing said in the public thread
    # Teams may deliver the same reply again: advised once per reply (ledger), a new reply is a new advice.
    driver.channel_post(OTHER, QUOTE, REPORT, root=root, activity_id=reply)
    assert len(_advice_to(teams, OTHER.id)) == 1
    driver.channel_post(OTHER, "もう一点、住所も載っていました", REPORT, root=root)
    assert len(_advice_to(teams, OTHER.id)) == 2
    assert teams.incident_ids() == [incident_id]


def test_a_reply_in_an_ordinary_incidents_teams_thread_gets_no_privacy_advice(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    before = len(teams.fake.calls)
    teams.driver.channel_post(OTHER, "こちらでもリプ欄を見ています", REPORT, root=root)
    assert _advice_to(teams, OTHER.id) == [] and teams.fake.calls[before:] == []


def test_advice_the_connector_refused_is_given_when_the_reply_comes_again(teams: TeamsEnv) -> None:
    """A failed post gives its claim back (the runner's post_once): the reply's next delivery advises, still once."""
    fake, driver = teams.fake, teams.driver
    root, _ = driver.channel_post(STAFF, LEAK, REPORT)
    fake.fail("create", 403)
    reply, response = driver.channel_post(OTHER, QUOTE, REPORT, root=root)
    assert response.status == 202 and _advice_to(teams, OTHER.id) == []  # logged; the turn still answered
    driver.channel_post(OTHER, QUOTE, REPORT, root=root, activity_id=reply)
    driver.channel_post(OTHER, QUOTE, REPORT, root=root, activity_id=reply)
    [advice] = _advice_to(teams, OTHER.id)
    assert "INC-0001" in advice


def test_a_teams_incident_in_a_personal_chat_is_private_and_no_notice_links_to_it(teams: TeamsEnv) -> None:
    """#2: the Teams port had no is_private, so home_link took a personal chat for a shared place: the section's
    card and a co-reporter's note were drawn as if a link could exist, and the co-reporter was not told why none."""
    fake, driver = teams.fake, teams.driver
    driver.chat_message(STAFF, REPORTS["impersonation"])
    [incident_id] = teams.incident_ids()
    bot = teams.bot
    assert home_link(bot.port, bot.runner.ledger, incident_id) == (None, True)
    [pr_card] = fake.posts_to(PR_CHANNEL)
    assert "報告者とのチャットで案内しています" in card_text(pr_card)
    assert all(a["type"] != "Action.OpenUrl" for a in card_of(pr_card).get("actions", []))
    # A colleague reports the same account in the report channel: merged, told privately where it is handled.
    driver.channel_post(OTHER, REPORTS["impersonation"], REPORT)
    assert teams.incident_ids() == [incident_id]
    [merged] = [m for m in _posts_in_chat(teams, OTHER.id) if "INC-0001" in card_text(m)]
    assert "最初の報告者とボットの個人チャットで進んでいます" in card_text(merged)
    assert all(a["type"] != "Action.OpenUrl" for a in card_of(merged).get("actions", []))


def test_a_teams_incident_in_a_channel_thread_is_not_private_and_is_linked(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    [incident_id] = teams.incident_ids()
    url, private = home_link(teams.bot.port, teams.bot.runner.ledger, incident_id)
    assert not private and url is not None and root in url
    assert not teams.bot.port.is_private(GROUP_CHAT)  # a group chat's members can open it: not a personal chat


def test_a_teams_notice_redrawn_for_a_new_url_shows_the_severity_the_same_answers_set(teams: TeamsEnv) -> None:
    """#3 (session 12 Slack #4, on Teams): step 1 answered with another URL and 「大量に拡散」: 【重大度の変更】
    中 → 高 was posted, but the PR card redrawn for the URL still said 重大度: 中."""
    fake, driver = teams.fake, teams.driver
    root, _ = driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    [pr_card] = fake.posts_to(PR_CHANNEL)
    assert "重大度: 中" in card_text(pr_card)
    thread = f"{REPORT};messageid={root}"
    step = pending_step(fake, thread)
    assert step is not None
    values = answers(step)  # 拡散の規模: 大量に拡散 (-> 高)
    url_field = next(key for key, value in values.items() if value.startswith("https://"))
    values[url_field] = "https://x.com/asahikawa_fake/status/9"
    assert driver.execute(STAFF, step, thread, "step_done", values).status == 200
    shown = card_text(fake.message(pr_card["id"]))
    assert "https://x.com/asahikawa_fake/status/9" in shown
    assert "重大度: 高" in shown and "重大度: 中" not in shown
    assert any("【重大度の変更】" in card_text(m) for m in fake.posts_to(PR_CHANNEL))


def test_the_copy_of_a_pr_card_a_crash_left_unrecorded_loses_its_button_when_clicked(teams: TeamsEnv) -> None:
    """#3's crash interaction: the Bot Connector cannot find posts, so a PR card it accepted just before a kill is
    posted again and the first copy's id is never recorded (tests/teams/test_teams_crash.py allows that copy).
    PR acknowledging on that copy acknowledged the incident but left the copy's button: only recorded notices were
    redrawn. Seen in the crash test's seed 1 once the redrawn card's title (its severity) told the copies apart."""
    fake, driver = teams.fake, teams.driver
    driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    [recorded] = fake.posts_to(PR_CHANNEL)
    copy_id = fake.new_id()
    with fake._lock:  # the copy the killed process posted: the same card, an id no ledger holds
        fake.messages[copy_id] = {"conversation": PR_CHANNEL, "activity": dict(recorded, id=copy_id), "updates": 0,
                                  "seq": len(fake.messages)}
    response = driver.execute(PR, fake.message(copy_id), PR_CHANNEL, "acknowledge")
    assert response.status == 200
    assert teams.view(teams.incident_ids()[0]).acknowledged_at is not None
    for shown in (fake.message(recorded["id"]), fake.message(copy_id)):
        assert "acknowledge" not in verbs(shown) and "さんが確認しました" in card_text(shown)
