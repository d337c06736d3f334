"""On Teams: a kind correction to 情報漏えい whose move to the reporter's personal chat fails (the Bot Connector
refuses to open it) leaves the public thread with its one neutral line only: the leak's step is held, not posted
there, and resume opens the chat and shows it once the Bot Connector allows it."""

from __future__ import annotations

from bot.clock import FixedClock
from tests.teams.env import PR, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.test_teams_scenarios import REPORTS, pending_step


def test_a_failed_move_keeps_the_leaks_step_out_of_the_public_thread_until_resume_opens_the_chat(
        teams: TeamsEnv, clock: FixedClock) -> None:
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    [incident_id] = teams.incident_ids()
    before = {m["id"] for m in teams.fake.thread(REPORT, root)}
    teams.fake.fail("create", 403, times=50)  # 山田's personal chat cannot be opened
    teams.driver.chat_message(PR, "種別 INC-0001 情報漏えい")
    assert teams.view(incident_id).restricted
    new = [m for m in teams.fake.thread(REPORT, root) if m["id"] not in before]
    assert [card_text(m) for m in new] == ["詳細は個別に案内します。"], [card_text(m) for m in new]
    assert not any("step_done" in verbs(m) for m in teams.fake.thread(REPORT, root) if m["id"] not in before)
    with teams.fake._lock:  # the Bot Connector opens chats again
        teams.fake._failures.pop("create", None)
    clock.advance(minutes=3)
    teams.bot.resume_reports()
    chat = teams.fake.chats[STAFF.id]
    assert pending_step(teams.fake, chat) is not None
    assert [m for m in teams.fake.thread(REPORT, root) if m["id"] not in before and "step_done" in verbs(m)] == []
