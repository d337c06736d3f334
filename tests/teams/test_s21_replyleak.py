"""On Teams, end to end (session 21 Teams walk #6): a colleague's reply in an ordinary incident's channel thread
that exposes personal data restricts the incident as an edit adding it does: PR's card redacted, the thread
neutralised, the reporter carrying on in her personal chat, the replier told in theirs to delete the reply; the
reply's text is sent nowhere, and a redelivery or a second instance does nothing twice."""

from __future__ import annotations

import json

from bot.triage.core import reporter_roles
from tests.teams.env import PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.test_qa_session18_teams import COLLEAGUE, _told
from tests.teams.test_teams_privacy import channel_messages_now
from tests.teams.test_teams_scenarios import REPORTS, pending_step

FLAMING = REPORTS["flaming"]
LEAKY = "申請者は山田太郎さん、090-1234-5678、住所は旭川市1条通1丁目です"


def _sent(teams: TeamsEnv) -> str:
    return json.dumps([c.body for c in teams.fake.calls], ensure_ascii=False)


def _restricted_cards(teams: TeamsEnv) -> list[str]:
    return [card_text(m) for m in teams.fake.posts_to(PR_CHANNEL) if "【閲覧制限】" in card_text(m)]


def test_a_reply_with_personal_data_takes_the_incident_private(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    reply, _ = teams.driver.channel_post(COLLEAGUE, LEAKY, REPORT, root=root)
    assert teams.view(incident_id).restricted
    now = channel_messages_now(teams)
    assert "詳細は個別に案内します" in now and "批判のリプライ" not in now, now
    chat = teams.fake.chats[STAFF.id]
    assert pending_step(teams.fake, chat) is not None  # the reporter carries on in her personal chat
    [told] = _restricted_cards(teams)
    assert "返信" in told
    mine = _told(teams, COLLEAGUE)
    assert any("閲覧制限付きにし" in t and "削除してください" in t for t in mine), mine
    assert not any("情報漏えいの案件" in t for t in mine)  # the kind is not told (it stays 炎上)
    assert "090-1234-5678" not in _sent(teams) and "山田太郎" not in _sent(teams)
    with teams.runtime.triage.deps.sessions() as session:
        roles = reporter_roles(session, incident_id)
    assert list(roles.values()) == [True] and STAFF.aad in next(iter(roles))  # the replier gets no role
    calls = len(teams.fake.calls)
    teams.driver.channel_post(COLLEAGUE, LEAKY, REPORT, root=root, activity_id=reply)  # redelivered
    assert len(_restricted_cards(teams)) == 1 and _told(teams, COLLEAGUE) == mine
    assert not [c for c in teams.fake.calls[calls:] if c.method in ("send", "reply", "create")]


def test_a_reply_without_personal_data_does_nothing_new(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    calls = len(teams.fake.calls)
    teams.driver.channel_post(COLLEAGUE, "これ、本当ですか。広報に確認します", REPORT, root=root)
    assert not teams.view(incident_id).restricted
    assert not [c for c in teams.fake.calls[calls:] if c.method in ("send", "reply", "create")]
