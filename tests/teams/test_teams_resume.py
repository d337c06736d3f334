"""Replay and resume on Teams, through the same ledger as Slack: a crash between claiming a post and sending it
is finished by the resume job once the claim's lease has run out, and nothing is posted twice."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from bot.clock import FixedClock
from bot.ports import Actor, ConversationRef, ReportInput
from tests.teams.env import PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.test_teams_rules import report
from tests.teams.test_teams_scenarios import REPORTS, answers, pending_step


def crash_before_the_pr_card(teams: TeamsEnv, incident_id: int) -> None:
    """The state a SIGKILL leaves after the intro and step 1 were posted and the PR card was claimed: the claim
    without an activity id, the report's mark claimed and never completed, no card in Teams."""
    [card] = teams.fake.posts_to(PR_CHANNEL)
    teams.fake.forget(card["id"])
    with teams.runtime.engine.begin() as conn:
        conn.execute(text("UPDATE platform_refs SET ts = NULL WHERE incident_id = :i AND platform = 'teams' "
                          "AND purpose IN ('pr_message', 'report_delivery')"), {"i": incident_id})


def test_resume_finishes_an_interrupted_report_once(teams: TeamsEnv, clock: FixedClock) -> None:
    incident_id, root = report(teams)
    crash_before_the_pr_card(teams, incident_id)
    thread = len(teams.fake.thread(REPORT, root))
    assert teams.fake.posts_to(PR_CHANNEL) == []
    assert teams.bot.resume_reports() == 0  # the claim is fresh: its holder may still be posting
    clock.advance(minutes=3)
    assert teams.bot.resume_reports() == 1
    [card] = teams.fake.posts_to(PR_CHANNEL)
    assert len(teams.fake.thread(REPORT, root)) == thread  # intro and step 1 were not posted again
    assert teams.bot.resume_reports() == 0  # done: marked in the ledger
    assert len(teams.fake.posts_to(PR_CHANNEL)) == 1


def test_a_redelivered_report_finishes_what_the_first_delivery_did_not(teams: TeamsEnv, clock: FixedClock) -> None:
    incident_id, root = report(teams)
    crash_before_the_pr_card(teams, incident_id)
    clock.advance(minutes=3)
    _, response = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT, activity_id=root)
    assert response.status == 202
    assert len(teams.fake.posts_to(PR_CHANNEL)) == 1 and teams.incident_ids() == [incident_id]
    assert teams.events(incident_id).count("reported") == 1


def test_a_report_stored_before_a_crash_is_shown_once_by_resume_and_a_redelivery_adds_nothing(
        teams: TeamsEnv, clock: FixedClock) -> None:
    """The state a SIGKILL leaves between the core's commit and the first post: the incident, no post at all."""
    root = teams.fake.new_id()
    digest = hashlib.sha256(REPORT.encode("utf-8")).hexdigest()[:12]
    actor = Actor(user_id=f"teams:{STAFF.aad}", display_name=STAFF.name, platform="teams")
    outcome = teams.runtime.triage.incidents.report(ReportInput(
        text=REPORTS["flaming"], reporter=actor, idempotency_key=f"teams:{root}@{digest}",
        conversation=ConversationRef("teams", REPORT, root)))
    assert outcome.created and teams.fake.calls == []
    clock.advance(minutes=3)
    assert teams.bot.resume_reports() == 1
    assert len(teams.fake.thread(REPORT, root)) == 2 and len(teams.fake.posts_to(PR_CHANNEL)) == 1
    _, response = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT, activity_id=root)  # redelivered
    assert response.status == 202
    assert len(teams.fake.thread(REPORT, root)) == 2 and len(teams.fake.posts_to(PR_CHANNEL)) == 1
    assert teams.bot.resume_reports() == 0


def test_the_next_step_is_posted_before_the_clicked_card_loses_its_buttons(teams: TeamsEnv) -> None:
    incident_id, root = report(teams)
    thread = f"{REPORT};messageid={root}"
    step = pending_step(teams.fake, thread)
    assert step is not None
    before = len(teams.fake.calls)
    teams.driver.execute(STAFF, step, thread, "step_done", answers(step))
    methods = [(c.method, c.activity_id) for c in teams.fake.calls[before:] if c.status < 300]
    assert methods[0][0] == "send" and ("update", step["id"]) in methods
    assert methods.index(("update", step["id"])) > 0
