"""On Teams, end to end (session 18 Teams walk #5): a reported channel post edited to add personal data, or a
follow-up naming INC-0001 that exposes it, restricts the incident as a merged leak report does: PR's card redacted,
the public thread neutralised, the reporter carrying on in her personal chat, the message's author told privately
to delete it."""

from __future__ import annotations

from tests.teams.env import OTHER, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.test_qa_session18_teams import ADVICE, COLLEAGUE, _told
from tests.teams.test_teams_edits import _changed, _notes
from tests.teams.test_teams_privacy import channel_bodies, channel_messages_now
from tests.teams.test_teams_scenarios import REPORTS, pending_step

FLAMING = REPORTS["flaming"]
PHONE = "090-1234-5678"
EDITED = f"{FLAMING}。晒されているのは申請者の携帯 {PHONE} です"
FOLLOWUP = "INC-0001 の件、リプ欄に申請者の住所が載っています"


def _taken_private(teams: TeamsEnv) -> None:
    """The channel shows the neutral line and a redacted PR card; the reporter's step is in her personal chat."""
    now = channel_messages_now(teams)
    assert "詳細は個別に案内します" in now and "批判のリプライ" not in now, now
    assert PHONE not in channel_bodies(teams)
    chat = teams.fake.chats[STAFF.id]
    assert pending_step(teams.fake, chat) is not None
    assert any("閲覧制限付きになりました" in card_text(m) for m in teams.fake.posts_to(chat))


def test_an_edit_adding_personal_data_takes_the_incident_private(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    teams.driver.channel_post(COLLEAGUE, "これ、本当ですか", REPORT, root=root)
    _changed(teams, STAFF, root, text=EDITED)
    assert teams.view(incident_id).restricted
    _taken_private(teams)
    [told] = [m for m in teams.fake.posts_to(PR_CHANNEL) if "【閲覧制限】" in card_text(m)]
    assert "編集" in card_text(told) and PHONE not in card_text(told)
    mine = _told(teams, STAFF)
    assert any("閲覧制限付きにし" in t for t in mine) and any("削除" in t for t in mine), mine
    assert len([t for t in _told(teams, COLLEAGUE) if ADVICE in t]) == 1  # who had replied in the thread
    [note] = _notes(teams, incident_id)
    assert PHONE in note  # on the (now restricted) timeline, once
    _changed(teams, STAFF, root, text=EDITED)  # delivered again: nothing more
    assert len([m for m in teams.fake.posts_to(PR_CHANNEL) if "【閲覧制限】" in card_text(m)]) == 1
    assert len(_notes(teams, incident_id)) == 1


def test_a_co_reporters_edit_adding_personal_data_advises_her_about_her_post(teams: TeamsEnv) -> None:
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    theirs, _ = teams.driver.channel_post(OTHER, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    _changed(teams, OTHER, theirs, text=EDITED)
    assert teams.view(incident_id).restricted
    _taken_private(teams)
    mine = _told(teams, OTHER)
    assert any("閲覧制限付きにし" in t for t in mine), mine
    assert any("削除" in t and "個人情報" in t for t in mine), mine


def test_a_follow_up_exposing_personal_data_takes_the_incident_private(teams: TeamsEnv) -> None:
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    teams.driver.channel_post(OTHER, FOLLOWUP, REPORT)
    assert teams.incident_ids() == [incident_id] and teams.view(incident_id).restricted
    _taken_private(teams)
    [told] = [m for m in teams.fake.posts_to(PR_CHANNEL) if "【閲覧制限】" in card_text(m)]
    assert "書き込み" in card_text(told) and "住所" not in card_text(told)
    mine = _told(teams, OTHER)
    assert any("閲覧制限付きにし" in t for t in mine) and any("削除" in t for t in mine), mine
