"""Session 22 Teams walk (docs/qa/session22_walk_teams.md): each test failed before its fix."""

from __future__ import annotations

from tests.teams.env import PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.teams_driver import personal_chat

FLAMING = "市の公式Xの保育園の投稿が炎上してます、批判リプ多数 https://x.com/asahikawa_fake/status/55"


def _chat(teams: TeamsEnv, user: object) -> list[str]:
    chat = teams.fake.chats.get(user.id) or personal_chat(user)  # type: ignore[attr-defined]
    return [card_text(m) if m.get("attachments") else str(m.get("text")) for m in teams.fake.posts_to(chat)]


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
