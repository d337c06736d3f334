"""Session 22 Teams walk (docs/qa/session22_walk_teams.md): each test failed before its fix."""

from __future__ import annotations

from bot.ports import Actor
from bot.triage import lifecycle
from tests.conftest import PR as CORE_PR
from tests.teams.env import OTHER, PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_actions, card_text, verbs
from tests.teams.teams_driver import User, personal_chat
from tests.teams.test_teams_flareup import _invoke

FLAMING = "市の公式Xの保育園の投稿が炎上してます、批判リプ多数 https://x.com/asahikawa_fake/status/55"


def _chat(teams: TeamsEnv, user: User) -> list[str]:
    """What the user read in their personal chat: the bot's (created) one and the one they wrote in."""
    chats = dict.fromkeys(c for c in (teams.fake.chats.get(user.id), personal_chat(user)) if c)
    return [card_text(m) if m.get("attachments") else str(m.get("text")) for chat in chats
            for m in teams.fake.posts_to(chat)]


def test_an_at_mention_in_an_incidents_thread_that_is_no_command_is_answered_privately(teams: TeamsEnv) -> None:
    """#2: 山田 wrote 「@bot 種別は炎上ではなくデマでした」 in INC-0001's thread and PR 「@bot 確認しました」 under the
    PR card: silence. Both believed the bot had taken it; the kind stayed 炎上 and the notice unacknowledged."""
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [card] = [m for m in teams.fake.posts_to(PR_CHANNEL) if "acknowledge" in verbs(m)]
    before = len(teams.fake.thread(REPORT, root))
    teams.driver.channel_post(STAFF, "種別は炎上ではなくデマでした", REPORT, root=root, mention=True)
    teams.driver.channel_post(PR, "確認しました。対応します", PR_CHANNEL, root=card["id"], mention=True)
    for user in (STAFF, PR):
        told = [text for text in _chat(teams, user) if "記録も通知もしていません" in text]
        assert len(told) == 1 and "種別 INC-0001" in told[0] and "確認" in told[0], _chat(teams, user)
    assert len(teams.fake.thread(REPORT, root)) == before  # nothing said in the public thread
    assert "followup" not in teams.events(1)
    teams.driver.channel_post(STAFF, "ありがとうございます", REPORT, root=root)  # no @mention: conversation, as ever
    assert len([text for text in _chat(teams, STAFF) if "記録も通知もしていません" in text]) == 1


LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです"


def test_teams_texts_say_channel_as_teams_does(teams: TeamsEnv) -> None:
    """#6 (known low): Teams says チャネル; the leak reporter's advice, the unreached notice and the help said
    チャンネル, next to 「報告の場（チャネル・スレッド）」 on PR's card."""
    teams.fake.remove_bot(PR_CHANNEL)
    teams.driver.channel_post(STAFF, LEAK, REPORT)
    teams.driver.chat_message(STAFF, "help")
    said = "\n".join(_chat(teams, STAFF) + [card_text(m) for m in teams.fake.posts_to(REPORT)])
    assert "公開のチャネル" in said and "【通知が届いていません】" in said and "報告用チャネル" in said, said
    assert "チャンネル" not in said, [line for line in said.splitlines() if "チャンネル" in line]


def test_two_flare_ups_reported_in_a_long_personal_chat_open_two_new_incidents(teams: TeamsEnv) -> None:
    """#5: 「新しい案件として報告する」 was keyed 「flareup:<chat id>:<message id>」, cut at 200 characters: in a
    personal chat with an id as long as Teams' can be, two messages' keys were one; the second press replayed the
    first's INC-0003 and its report was lost."""
    urls = ["https://x.com/asahikawa_fake/status/4242", "https://x.com/asahikawa_fake/status/4343"]
    for url in urls:
        teams.driver.channel_post(STAFF, f"市の公式Xの投稿が炎上しています。批判のリプライが殺到 {url}", REPORT)
    for incident_id in teams.incident_ids():
        teams.runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, Actor(CORE_PR, "広報 花子"))
    for n, url in enumerate(urls):  # Teams' message ids in one chat share all but their last digits
        teams.driver.chat_message(OTHER, f"また炎上が再燃しています {url}", activity_id=f"1:176342760000{n}")
    chat = personal_chat(OTHER)
    cards = [m for m in teams.fake.posts_to(chat) if "flareup" in str(card_actions(m))]
    assert len(cards) == 2
    for n, card in enumerate(cards):
        new = next(a for a in card_actions(card) if a["data"]["k"] == "new")
        assert teams.driver.post(_invoke(teams, OTHER, chat, card, new["data"], f"n{n}")).status == 200
    assert len(teams.incident_ids()) == 4
