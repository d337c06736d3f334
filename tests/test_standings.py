"""Who counts as an outsider (bot/standings.py): the snapshot every delivery asks for follows each answer and
each expiry, and does not go through every user seen on every call."""

from __future__ import annotations

from bot.standings import FAILED_TTL_SECONDS, TTL_SECONDS, Standings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return self.now


def test_the_snapshot_follows_answers_and_their_expiry() -> None:
    clock = Clock()
    standings = Standings(clock)
    standings.remember("U_MEMBER", "member")
    standings.remember("U_GUEST", "guest")
    standings.remember("U_OTHER_ORG", "external")
    assert standings.snapshot() == (frozenset({"U_GUEST", "U_OTHER_ORG"}), frozenset())
    clock.now += 10
    standings.remember("U_LOOKUP_FAILED", "unknown")
    assert standings.snapshot() == (frozenset({"U_GUEST", "U_OTHER_ORG"}), frozenset({"U_LOOKUP_FAILED"}))
    clock.now += FAILED_TTL_SECONDS  # the failed lookup is asked again soon: no longer held against the user
    assert standings.snapshot() == (frozenset({"U_GUEST", "U_OTHER_ORG"}), frozenset())
    standings.remember("U_GUEST", "member")  # became a full member
    assert standings.snapshot() == (frozenset({"U_OTHER_ORG"}), frozenset())
    clock.now += TTL_SECONDS  # every answer too old: nothing known
    assert standings.snapshot() == (frozenset(), frozenset())
    standings.remember("U_OTHER_ORG", "external")
    assert standings.snapshot() == (frozenset({"U_OTHER_ORG"}), frozenset())


def test_a_snapshot_of_a_whole_city_hall_does_not_look_at_every_user_each_time() -> None:
    clock = Clock()
    standings = Standings(clock)
    for number in range(3000):
        standings.remember(f"U{number:05d}", "member" if number % 100 else "guest")
    first = standings.snapshot()
    assert len(first[0]) == 30
    clock.calls = 0
    for _ in range(100):
        assert standings.snapshot() == first
    assert clock.calls <= 100  # one clock reading per call, not one per user (300,000 before)


def test_slack_outsiders_follow_the_team_each_payload_names() -> None:
    """Slack Connect: a user another team's payload names is an outsider until a payload names our team."""
    from bot.adapters.slack.people import Outsiders

    clock = Clock()
    outsiders = Outsiders(client=None, monotonic=clock)  # type: ignore[arg-type] - home is known (below)
    outsiders._home = ("T_HOME", None)  # noqa: SLF001 - what auth.test answered at start-up
    outsiders.observe_team("U_COLLEAGUE", "T_HOME")
    outsiders.observe_team("U_PARTNER", "T_PARTNER")
    assert outsiders.members() == frozenset({"U_PARTNER"})
    outsiders.observe_team("U_PARTNER", "T_PARTNER")  # every payload names it again: nothing changes
    outsiders.observe_team("U_NEW", "T_OTHER")
    assert outsiders.members() == frozenset({"U_PARTNER", "U_NEW"})
    outsiders.observe_team("U_NEW", "T_HOME")  # moved into our workspace
    outsiders._flags.remember("U_GUEST", "guest")  # noqa: SLF001 - what users.info said
    assert outsiders.members() == frozenset({"U_PARTNER", "U_GUEST"})
    outsiders._home = ("T_HOME", "E_ORG")  # noqa: SLF001 - an Enterprise Grid org: other teams are colleagues
    assert outsiders.members() == frozenset({"U_GUEST"})
