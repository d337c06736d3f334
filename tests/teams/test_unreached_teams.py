"""A section notice the Bot Connector refuses with 403 (the bot was removed from the PR channel's team) is told to
the reporter in the report's thread, once per incident and reason; the log names teams.pr_channel."""

from __future__ import annotations

import pytest

from bot.clock import FixedClock
from tests.teams.env import PR_CHANNEL, REPORT, TeamsEnv
from tests.teams.test_teams_rules import report

TOLD = "【通知が届いていません】"


def test_a_renotice_the_pr_channel_refuses_with_403_is_told_in_the_thread_once(
        teams: TeamsEnv, caplog: pytest.LogCaptureFixture) -> None:
    incident_id, root = report(teams, "flaming")
    teams.fake.remove_bot(PR_CHANNEL)
    clock = teams.runtime.triage.deps.clock
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=31)
    for _ in range(3):  # three ticks: recorded each time, told once
        assert teams.runtime.triage.escalations.fire_due(teams.bot.deliver_notification, "worker-1") == 0
    told = [str(a) for a in teams.fake.thread(REPORT, root) if TOLD in str(a)]
    assert len(told) == 1 and "電話" in told[0] and "INC-0001" in told[0], told
    assert teams.events(incident_id).count("notify_failed") == 3
    assert "setting=teams.pr_channel" in caplog.text
