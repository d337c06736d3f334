"""An acknowledgement stored but never told (SIGKILL after the core's commit, before the plan ran): Teams redelivers
nothing that had its answer, so the restarted bot's resume tells it (bot/delivery/resume.py), exactly once."""

from __future__ import annotations

from collections.abc import Callable

from bot.clock import FixedClock
from bot.ports import Actor
from tests.teams.env import PR2, PR_CHANNEL, REPORT, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.test_teams_rules import report

TOLD = "広報 次郎 さんが確認しました"


def test_an_acknowledgement_a_crash_left_untold_is_told_after_the_restart_once(
        teams_factory: Callable[..., TeamsEnv], clock: FixedClock) -> None:
    first = teams_factory()
    incident_id, root = report(first)
    before = len(first.fake.thread(REPORT, root))
    [pr_card] = first.fake.posts_to(PR_CHANNEL)
    # The state a SIGKILL leaves right after 確認: stored, nobody told, the button still on. PR2 is a PR member by
    # Teams user id only, which a restarted bot has not seen yet (the acknowledgement on record is its standing).
    who = Actor(f"teams:{PR2.aad}", PR2.name, "teams")
    first.bot.people.core.get(user=who.user_id, aliases=[PR2.id]).incidents.acknowledge(incident_id, who)
    assert "acknowledge" in verbs(first.fake.message(pr_card["id"]))
    clock.advance(minutes=3)  # past the ledger's lease
    second = teams_factory()  # the restarted bot, on the same database
    assert second.bot.resume_reports() == 1
    thread = second.fake.thread(REPORT, root)
    assert len(thread) == before + 1 and TOLD in card_text(thread[-1])  # the reporters told in their thread
    card = second.fake.message(pr_card["id"])
    assert "acknowledge" not in verbs(card) and TOLD in card_text(card)
    assert second.bot.resume_reports() == 0  # told once: another tick or instance finds nothing
    assert len(second.fake.thread(REPORT, root)) == before + 1
    assert [m["id"] for m in second.fake.posts_to(PR_CHANNEL)] == [pr_card["id"]]
