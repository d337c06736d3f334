"""A step press cut short by SIGKILL is finished by the restarted bot's resume, with nobody pressing again.

The step's completion committed (Slack had its HTTP 200), then the process died at one of three points of the posts in
flight: before or after the next step was posted, or before the clicked card was redrawn (pressed at once, the
report's own last posts may still be in flight, their ids unrecorded: the restarted inbox replays the report, and
the first step's card is found by its marker). Nobody clicks again (the user saw the 200 and waits):
resume.py must post what is missing and take the buttons off the card, each once.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.reliability.harness import (
    STAFF,
    BotProcess,
    ClockFile,
    KillPlan,
    KillSwitchSlack,
    SlackSide,
    action_ids,
    has_buttons,
    meta_of,
    open_step,
    read_engine,
    step_posts,
    write_config,
)
from tests.reliability.invariants import leftover_problems, log_problems, slack_problems, verify_problems

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/{n}"
# (Web API call after the click, killed after Slack answered it): the press's posts are the next step
# (chat.postMessage) then the clicked card (chat.update).
POINTS = ((1, False), (1, True), (2, False))


@pytest.mark.parametrize(("calls", "after"), POINTS, ids=["before-next-step", "after-next-step", "before-card"])
def test_a_step_press_cut_by_a_kill_is_finished_by_resume_without_a_second_press(
        tmp_path: Path, database_url: str, fake: KillSwitchSlack, clock_file: ClockFile, calls: int,
        after: bool) -> None:
    seed = 11 + POINTS.index((calls, after))
    bot = BotProcess(f"steps-{seed}", tmp_path, write_config(tmp_path), database_url, fake.api_url, clock_file)
    bot.start()
    slack = SlackSide(fake, [bot], clock_file, random.Random(seed))
    try:
        incident = slack.report(STAFF, FLAMING.format(n=2000 + seed))
        card = slack.find(lambda: open_step(fake, incident))
        assert card is not None
        key = (card["channel"], card["ts"])
        assert "step_skip" in action_ids(card), action_ids(card)
        fake.arm(KillPlan(calls, after, bot))
        response = bot.send(*slack.click_request(STAFF, card, "step_skip"))
        assert response is not None and response.status == 200, response  # the completion is stored
        slack.wait_for("the bot killed during the press's posts", lambda: not bot.alive())
        slack.recover()  # restarted; nobody presses again
        slack.wait_for("the pressed card closed by resume", lambda: not has_buttons(fake.message(*key)))
        slack.wait_for("the next step posted by resume", lambda: len(step_posts(fake, incident)) == 2)
        slack.quiesce()
        engine = read_engine(database_url)
        problems = slack_problems(fake, engine) + leftover_problems(fake, engine) + log_problems(bot)
        done = [meta_of(m) for m in step_posts(fake, incident) if not has_buttons(m)]
        engine.dispose()
    finally:
        fake.arm(None)
        bot.stop()
    problems += verify_problems(bot)
    assert not problems, f"seed {seed} point {(calls, after)} → {fake.kill_log}:\n" + "\n".join(problems)
    assert done == [meta_of(card)], done
