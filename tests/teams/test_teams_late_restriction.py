"""On Teams, end to end (session 18 Teams walk #5): a reported channel post edited to add personal data, or a
follow-up naming INC-0001 that exposes it, restricts the incident as a merged leak report does: PR's card redacted,
the public thread neutralised, the reporter carrying on in her personal chat, the message's author told privately
to delete it."""

from __future__ import annotations

from bot.clock import FixedClock
from bot.ports import Actor, ConversationRef, ReportInput
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
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    teams.driver.channel_post(COLLEAGUE, "これ、本当ですか", REPORT, root=root)
    teams.driver.channel_post(OTHER, FOLLOWUP, REPORT)
    assert teams.incident_ids() == [incident_id] and teams.view(incident_id).restricted
    _taken_private(teams)
    [told] = [m for m in teams.fake.posts_to(PR_CHANNEL) if "【閲覧制限】" in card_text(m)]
    assert "書き込み" in card_text(told) and "住所" not in card_text(told)
    mine = _told(teams, OTHER)
    assert any("閲覧制限付きにし" in t for t in mine) and any("削除" in t for t in mine), mine
    # Who had replied in the thread, as after a correction to a leak (Slack advises them after a merge too).
    assert len([t for t in _told(teams, COLLEAGUE) if ADVICE in t]) == 1


def test_resume_moves_a_restriction_a_crash_left_in_public(teams: TeamsEnv, clock: FixedClock) -> None:
    """The state a SIGKILL leaves between the core's commit of a restricting follow-up and its plan: restricted, yet
    the thread and PR's card still show the report. Teams redelivers nothing that got its answer, and resume looked
    only for new reports: the thread stayed public. Resume now finishes the redaction and the move, once."""
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    poster = Actor(f"teams:{OTHER.aad}", OTHER.name, "teams")
    outcome = teams.runtime.triage.incidents.report(ReportInput(
        FOLLOWUP, poster, idempotency_key="teams:followup", explicit=True,
        conversation=ConversationRef("teams", REPORT, teams.fake.new_id())))
    assert outcome.became_restricted and "批判のリプライ" in channel_messages_now(teams)  # nothing moved yet
    assert teams.bot.resume_reports() == 0  # fresh: the delivery that committed it may still be moving it
    clock.advance(minutes=3)
    assert teams.bot.resume_reports() == 1
    _taken_private(teams)
    posts = len(teams.fake.posts_to(teams.fake.chats[STAFF.id]))
    assert teams.bot.resume_reports() == 0  # done: the ledger holds its private home
    assert len(teams.fake.posts_to(teams.fake.chats[STAFF.id])) == posts
