"""Coalesced in-place updates (the merged-reports count): latest wins, one per interval, on a fake clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.pacing import Job, Pacer
from bot.wiring import Runtime
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, make_runner, origin, report

KEY = "update:C_REPORT:m1"


class FakeClock:
    """Time that moves only when the test says; every reading is counted, so a test can wait for a waiter."""

    def __init__(self) -> None:
        self.now = 0.0
        self.reads = 0
        self._cond = threading.Condition()

    def __call__(self) -> float:
        with self._cond:
            self.reads += 1
            self._cond.notify_all()
            return self.now

    def read_at_least(self, reads: int) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self.reads >= reads, timeout=10), "no waiter read the clock"


def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for a condition (polled), failing after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        threading.Event().wait(0.005)


def test_the_newest_update_takes_the_turn_and_shows_the_highest_count() -> None:
    clock = FakeClock()
    pacer = Pacer(lambda key: 1.0, clock=clock)
    assert pacer.latest(KEY, 2) == 2  # the first update goes at once; the next turn is at t=1
    with ThreadPoolExecutor(2) as pool:
        older = pool.submit(pacer.latest, KEY, 5)
        clock.read_at_least(2)  # it is waiting for t=1
        newer = pool.submit(pacer.latest, KEY, 4)  # came later, but read the count before the older one did
        assert older.result(timeout=10) is None  # replaced: the newer one shows what it would have
        clock.read_at_least(4)
        assert not newer.done()  # still t=0: its turn has not come
        assert pacer.latest("update:C_REPORT:m2", 1) == 1  # another message has its own turns
        clock.now = 1.0
        pacer.poke()
        assert newer.result(timeout=10) == 5
    assert pacer._latest[KEY][1] == 0  # nobody waiting any more
    clock.now = 2.0
    assert pacer.latest(KEY, 3) == 5  # a late, stale count never takes the message back


def test_no_interval_means_every_update_goes_at_once() -> None:
    pacer = Pacer(lambda key: 0.0, clock=FakeClock())
    assert [pacer.latest(KEY, n) for n in (1, 2, 3)] == [1, 2, 3]


def test_a_burst_of_merges_updates_the_count_once_per_turn(runtime: Runtime) -> None:
    clock = FakeClock()
    pacer = Pacer(lambda key: 1.0, workers=4, clock=clock)
    port = FakePort()
    runner = make_runner(runtime, port)
    runner.latest = pacer.latest
    first = report(runtime, FLAMING.format(n=40))
    runner.run(plan.report(first, origin()))

    def merge(n: int) -> plan.Plan:
        merged = report(runtime, FLAMING.format(n=40), user=f"U_M{n}", key=f"ev-b{n}")
        assert merged.merged
        return plan.report(merged, origin(f"U_M{n}", ts=f"300.{n}"))

    for n in range(2):  # the count message is posted, then updated (its first turn, at once)
        runner.run(merge(n))
    for steps in [merge(n) for n in range(2, 7)]:  # five more merges while the message waits for t=1
        assert pacer.submit(Job(lambda steps=steps: runner.run(steps), steps.severity, steps.lane))
    # Every merged reporter is told at once; of the five updates one is left waiting, the others gave way.
    until(lambda: len(port.of("ephemeral")) == 7 and pacer.pending() == 1)
    counts = [s for s in port.calls if isinstance(s.content, c.MergedCount)]
    assert [(s.method, s.content.count) for s in counts] == [("post", 1), ("update", 2)]
    clock.now = 1.0
    pacer.poke()
    assert pacer.idle(10)
    counts = [s for s in port.calls if isinstance(s.content, c.MergedCount)]
    assert [(s.method, s.content.count) for s in counts] == [("post", 1), ("update", 2), ("update", 7)]
    assert len(port.posts("C_REPORT")) == 3  # intro, step 1, one count message
    pacer.close()
