"""Resume finishes exactly what a restriction's plan had not shown (session 19 left-over): besides the redaction,
the move, the reason and the step, PR's 【閲覧制限】 notice and the "please delete" advice to the colleague whose
public words restricted it, each once."""

from __future__ import annotations

from bot.clock import FixedClock
from bot.ports import Actor, ConversationRef, ReportInput
from tests.teams.env import OTHER, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.test_teams_late_restriction import FLAMING, FOLLOWUP, _taken_private


def _restricted_cards(teams: TeamsEnv) -> list[str]:
    return [card_text(m) for m in teams.fake.posts_to(PR_CHANNEL) if "【閲覧制限】" in card_text(m)]


def _advice(teams: TeamsEnv) -> list[str]:
    """The advice in 佐藤's personal chat, opened by his Teams id or (resume knows only the core's id) his AAD id."""
    chats = [teams.fake.chats[key] for key in (OTHER.id, OTHER.aad) if key in teams.fake.chats]
    said = [card_text(m) for chat in chats for m in teams.fake.posts_to(chat)]
    return [t for t in said if "削除" in t and "個人情報" in t]


def test_resume_tells_pr_and_advises_the_follow_ups_author_once(teams: TeamsEnv, clock: FixedClock) -> None:
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    poster = Actor(f"teams:{OTHER.aad}", OTHER.name, "teams")
    outcome = teams.runtime.triage.incidents.report(ReportInput(  # committed; the process died before its plan
        FOLLOWUP, poster, idempotency_key="teams:followup", explicit=True,
        conversation=ConversationRef("teams", REPORT, teams.fake.new_id())))
    assert outcome.became_restricted and _restricted_cards(teams) == []
    clock.advance(minutes=3)
    assert teams.bot.resume_reports() == 1
    _taken_private(teams)
    [told] = _restricted_cards(teams)
    assert "書き込み" in told and "住所" not in told and OTHER.name in told
    assert len(_advice(teams)) == 1
    assert teams.bot.resume_reports() == 0  # nothing left: nothing twice
    assert len(_restricted_cards(teams)) == 1 and len(_advice(teams)) == 1


def test_resume_posts_the_notice_and_the_move_that_failed_posts_left_out(teams: TeamsEnv, clock: FixedClock) -> None:
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    sent = len(teams.fake.posts_to(PR_CHANNEL))
    teams.fake.fail("send", 500, times=20)  # every new post fails: the PR channel's among them
    teams.fake.fail("reply", 500, times=0)
    teams.driver.channel_post(OTHER, FOLLOWUP, REPORT)
    teams.fake._failures.pop("send", None)  # noqa: SLF001 - the Bot Connector answers again
    [incident_id] = teams.incident_ids()
    assert teams.view(incident_id).restricted and len(teams.fake.posts_to(PR_CHANNEL)) == sent
    clock.advance(minutes=3)
    teams.bot.resume_reports()
    assert len(_restricted_cards(teams)) == 1
    teams.bot.resume_reports()
    assert len(_restricted_cards(teams)) == 1
