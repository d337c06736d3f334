"""A section notice LINE WORKS refuses (the bot was removed from the PR room: 403 FORBIDDEN) is told to the reporter
in their 1:1 chat, once per incident and reason; the log names lineworks.pr_channel."""

from __future__ import annotations

import pytest

from bot.clock import FixedClock
from tests.lineworks.harness import PR_ROOM, STAFF, LwEnv, text_of
from tests.lineworks.test_lineworks_scenarios import REPORTS

TOLD = "【通知が届いていません】"


def test_a_renotice_the_pr_room_refuses_is_told_to_the_reporter_once(
        lw: LwEnv, core_clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    lw.say(STAFF, REPORTS["account_takeover"])
    [view] = lw.runtime.triage.queries.list(None)
    lw.fake.remove_bot(PR_ROOM)
    core_clock.advance(minutes=45)
    for _ in range(3):  # three ticks: recorded each time, told once
        assert lw.runtime.triage.escalations.fire_due(lw.adapter.deliver_notification, "worker-1") == 0
    lw.jobs.drain()
    told = [text_of(content) for content in lw.to_user(STAFF) if TOLD in text_of(content)]
    assert len(told) == 1 and "電話" in told[0] and view.ref in told[0], told
    events = [entry.type for entry in lw.runtime.triage.queries.timeline(view.id, None)]
    assert events.count("notify_failed") == 3
    assert "setting=lineworks.pr_channel" in caplog.text
