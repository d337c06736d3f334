"""A port that cannot find a crashed holder's post (Teams, LINE WORKS: `finds_posted = False`) has each post
recorded at once, so a crash repeats at most the post it interrupted; one that can (Slack) records a plan's posts
in one transaction at its end and finds the rest by marker."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.clock import FixedClock
from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.content import Marker, Place, Posted
from bot.delivery.ledger import INTRO, LedgerRun
from bot.wiring import Runtime
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, Transactions, make_runner, origin, report


class Killed(BaseException):
    """The process dying in the middle of a plan (nothing after it runs, no clean-up)."""


@dataclass
class DyingPort(FakePort):
    """Dies right after its `after`-th post reached the platform; can or cannot search for posts."""

    after: int = 2

    def post(self, place: Place, content: c.Content, marker: Marker | None = None) -> Posted:
        posted = super().post(place, content, marker)
        if len(self.posts()) == self.after:
            raise Killed()
        return posted

    def find_posted(self, place: Place, marker: Marker) -> Posted | None:
        return super().find_posted(place, marker) if self.finds_posted else None


@pytest.mark.parametrize("finds_posted", [True, False])
def test_a_crash_in_a_plan_repeats_at_most_the_interrupted_post(runtime: Runtime, clock: FixedClock,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 finds_posted: bool) -> None:
    port = DyingPort(finds_posted=finds_posted)
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=70))
    steps = plan.report(outcome, origin(ts="700.1"))
    with monkeypatch.context() as dead, pytest.raises(Killed):
        dead.setattr(LedgerRun, "release", lambda self: None)  # a killed process runs no clean-up
        runner.run(steps)  # intro and step posted; killed before the step's id was recorded
    assert outcome.incident is not None
    recorded = runner.ledger.posted(outcome.incident.id, INTRO)
    assert (recorded is not None) == (not finds_posted)  # recorded at once only where it could not be found
    port.after = 0
    clock.advance(minutes=3)  # the dead holder's claims are taken over
    runner.run(steps)
    shown = [type(s.content) for s in port.posts()]
    assert shown.count(c.Intro) == 1  # found by marker, or recorded before the crash
    assert shown.count(c.Step) == (1 if finds_posted else 2)  # the interrupted post repeats where it cannot be found
    assert shown.count(c.SectionNotice) == 1


def test_recording_each_post_costs_transactions_only_where_needed(runtime: Runtime) -> None:
    counts = {}
    for n, finds_posted in enumerate((True, False)):
        runner = make_runner(runtime, FakePort(finds_posted=finds_posted))
        outcome = report(runtime, FLAMING.format(n=80 + n), key=f"ev-r{n}")
        txns = Transactions(runtime)
        runner.run(plan.report(outcome, origin(ts=f"800.{n}")))
        counts[finds_posted] = txns.take()
    assert counts[True] == 2 and counts[False] > counts[True], counts  # claims + one record at the end
