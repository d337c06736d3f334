"""Session 21 follow-up gaps on Teams (brief s21-followups): each test failed before its fix."""

from __future__ import annotations

import pytest

from bot.clock import FixedClock
from bot.ports import Actor, ConversationRef, ReportInput
from tests.teams.env import OTHER, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.test_teams_edits import _changed, _told
from tests.teams.test_teams_rules import report
from tests.teams.test_teams_scenarios import REPORTS

MORE = "。名簿には 山田太郎 090-1234-5678 札幌市中央区北1条西2丁目3-4 が載っています"


def test_a_leak_reporter_editing_more_personal_data_into_her_channel_post_is_told_to_delete_it(
        teams: TeamsEnv) -> None:
    """#2: her personal chat read only 「報告内容は変わりません」, never that the channel post should go."""
    report, _ = teams.driver.channel_post(STAFF, REPORTS["leak"], REPORT)
    _changed(teams, STAFF, report, text=REPORTS["leak"] + MORE)
    told = [text for text in _told(teams, STAFF) if "編集" in text]
    assert told and "削除してください" in told[-1], told
    assert "090-1234-5678" not in " ".join(told)


NEWS = "INC-0001 なりすましアカウント、凍結されました"


def _news(teams: TeamsEnv) -> list[str]:
    return [card_text(m) for m in teams.fake.posts_to(PR_CHANNEL) if "【続報】INC-0001" in card_text(m)]


def test_resume_posts_a_follow_up_the_crash_left_unposted_once(teams: TeamsEnv, clock: FixedClock) -> None:
    """#3: the core recorded the `followup`, the process died before PR's 【続報】; resume never posted it."""
    report, _ = teams.driver.channel_post(STAFF, REPORTS["impersonation"], REPORT)
    root = teams.fake.new_id()
    actor = Actor(user_id=f"teams:{OTHER.aad}", display_name=OTHER.name, platform="teams")
    outcome = teams.runtime.triage.incidents.report(ReportInput(
        text=NEWS, reporter=actor, idempotency_key=f"teams:{root}@crashed",
        conversation=ConversationRef("teams", REPORT, root)))  # the process died here
    assert outcome.followup and _news(teams) == []
    clock.advance(minutes=3)
    teams.bot.resume_reports()
    assert len(_news(teams)) == 1 and OTHER.name in _news(teams)[0]
    teams.bot.resume_reports()
    assert len(_news(teams)) == 1


def test_resume_reposts_nothing_of_a_follow_up_delivered_whole(teams: TeamsEnv, clock: FixedClock) -> None:
    """#3: a follow-up delivered live is not posted again by resume."""
    teams.driver.channel_post(STAFF, REPORTS["impersonation"], REPORT)
    teams.driver.channel_post(OTHER, NEWS, REPORT)
    assert len(_news(teams)) == 1
    clock.advance(minutes=3)
    teams.bot.resume_reports()
    assert len(_news(teams)) == 1


UNREACHED = "【通知が届いていません】"


def test_the_first_notice_the_pr_channel_refuses_with_403_is_told_in_the_thread(
        teams: TeamsEnv, caplog: pytest.LogCaptureFixture) -> None:
    """#4: at report time only the reporter saw an error; the unreached rule applied to re-notices only."""
    teams.fake.remove_bot(PR_CHANNEL)
    incident_id, root = report(teams, "flaming")
    told = [str(a) for a in teams.fake.thread(REPORT, root) if UNREACHED in str(a)]
    assert len(told) == 1 and "INC-0001" in told[0], told
    assert "setting=teams.pr_channel" in caplog.text


def test_a_bystanders_near_command_in_the_report_channel_is_refused_not_sent_to_pr(teams: TeamsEnv) -> None:
    """#1: 「INC-0001 対応完了」 by one with no role was a 続報 (or left unanswered), never refused."""
    teams.driver.channel_post(STAFF, REPORTS["impersonation"], REPORT)
    teams.driver.channel_post(OTHER, "INC-0001 対応完了", REPORT)
    assert _news(teams) == []
    events = teams.events(1)
    assert "followup" not in events and "access_denied" in events, events
