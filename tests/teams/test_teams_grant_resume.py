"""A grant (権限付与) stored but its grantee never told (the process died after the core's commit): the restarted
bot's resume tells the grantee in their personal chat, once (session 12 walk #5)."""

from __future__ import annotations

from collections.abc import Callable

from bot.clock import FixedClock
from bot.ports import Actor
from tests.teams.env import OTHER, PR2, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.test_teams_rules import report


def _told(env: TeamsEnv) -> list[str]:
    """The grant notes posted, wherever (the personal chat the bot opens with the grantee)."""
    with env.fake._lock:
        posted = [m["activity"] for m in env.fake.messages.values()]
    return [card_text(a) for a in posted if "【権限の付与】" in card_text(a)]


def test_a_grant_a_crash_left_untold_is_told_after_the_restart_once(teams_factory: Callable[..., TeamsEnv],
                                                                    clock: FixedClock) -> None:
    first = teams_factory()
    incident_id, _ = report(first)
    who = Actor(f"teams:{PR2.aad}", PR2.name, "teams")
    roles = first.bot.people.core.get(user=who.user_id, aliases=[PR2.id]).roles
    roles.grant_reporter(incident_id, f"teams:{OTHER.aad}", who)  # then the process died
    clock.advance(minutes=3)  # past the ledger's lease
    second = teams_factory()  # the restarted bot, on the same database
    assert second.bot.resume_reports() == 1
    told = _told(second)
    assert len(told) == 1 and f"INC-{incident_id:04d}" in told[0]
    assert f"{PR2.name} さんが" in told[0]  # named as when granting, though the restarted bot has not seen PR2
    assert second.bot.resume_reports() == 0  # told once: another tick or instance finds nothing
    assert len(_told(second)) == 1
