"""Session 20 authz walk on Teams (docs/qa/session20_walk_authz.md): each test failed before its fix."""

from __future__ import annotations

from typing import Any

import pytest

from tests.teams.env import OTHER, SECURITY, STAFF, TeamsEnv
from tests.teams.teams_driver import BOT, TENANT, User, personal_chat
from tests.teams.test_qa_session11_teams import LEAK, _chat


def _dm(teams: TeamsEnv, sender: User, text: str, mentioned: dict[str, Any]) -> None:
    """A personal-chat message with one @mention entity as Teams sends it."""
    entities = [{"type": "mention", "text": f"<at>{mentioned['name']}</at>", "mentioned": mentioned}]
    teams.driver.post({"channelId": "msteams", "serviceUrl": teams.fake.url, "from": sender.account(),
                       "recipient": dict(BOT), "type": "message", "id": teams.fake.new_id(), "text": text,
                       "textFormat": "plain", "entities": entities, "locale": "ja-JP",
                       "conversation": {"tenantId": TENANT, "id": personal_chat(sender), "conversationType": "personal",
                                        "isGroup": False},
                       "channelData": {"tenant": {"id": TENANT}}, "timestamp": "2026-11-18T01:00:00.000Z"})


@pytest.mark.parametrize("mentioned", [
    {"id": "MjQzMmYzNjItZmE0NS00", "name": "広報チーム", "type": "tag"},
    {"id": "19:abc123@thread.tacv2", "name": "一般", "type": "channel"},
], ids=["tag", "channel"])
def test_a_grant_to_a_tag_or_channel_mention_grants_nobody(teams: TeamsEnv, mentioned: dict[str, Any]) -> None:
    """#3: 「権限付与 INC-0001 @広報チーム」 (a tag picked from the list) or a channel mention was 「広報チーム さんに
    閲覧・操作の権限を付与しました」 and role_granted to teams:<tag id>: the role went to nobody."""
    teams.driver.chat_message(STAFF, LEAK)
    [incident_id] = teams.incident_ids()
    _dm(teams, SECURITY, f"権限付与 INC-0001 <at>{mentioned['name']}</at>", mentioned)
    said = _chat(teams, SECURITY)
    assert "付与しました" not in said and "権限は付与していません" in said, said[-400:]
    assert "role_granted" not in teams.events(incident_id)
    _dm(teams, SECURITY, f"権限付与 INC-0001 <at>{OTHER.name}</at>", OTHER.account())  # a person: granted
    assert teams.events(incident_id).count("role_granted") == 1
