"""Pacing: per-channel turns, severity and fairness order, coalescing, bounded queue (real threads, no sleeps)."""

from __future__ import annotations

import threading
import time

from bot.delivery.pacing import Job, Pacer

GAP = 0.05


def paced(workers: int = 4, max_pending: int = 100) -> tuple[Pacer, list[tuple[float, str, str]]]:
    posts: list[tuple[float, str, str]] = []
    return Pacer(lambda channel: GAP if channel.startswith("C") else 0.0, workers=workers,
                 max_pending=max_pending), posts


def poster(pacer: Pacer, posts: list[tuple[float, str, str]], channel: str, what: str, severity: str = "medium",
           lane: str = "") -> Job:
    def work() -> None:
        pacer.turn(channel, severity, lane)
        posts.append((time.monotonic(), channel, what))
    return Job(work, severity, lane)


def test_one_post_per_interval_per_channel() -> None:
    granted = threading.local()  # the clock reading at which the pacer granted this thread its turn

    def clock() -> float:
        granted.at = time.monotonic()
        return granted.at

    pacer = Pacer(lambda channel: GAP, workers=4, max_pending=100, clock=clock)
    posts: list[tuple[float, str]] = []

    def post(channel: str) -> Job:
        def work() -> None:
            pacer.turn(channel)
            posts.append((granted.at, channel))  # the grant itself: thread scheduling after it does not count
        return Job(work, "medium", "")

    for _ in range(6):
        assert pacer.submit(post("C1"))
        assert pacer.submit(post("C2"))
    assert pacer.idle(10)
    for channel in ("C1", "C2"):
        times = sorted(t for t, ch in posts if ch == channel)
        assert len(times) == 6
        assert all(later - earlier >= GAP * 0.99 for earlier, later in zip(times, times[1:], strict=False))
    pacer.close()


def report_job(pacer: Pacer, posts: list[tuple[float, str, str]], what: str, lane: str,
               severity: str = "medium") -> Job:
    """A report's posts: intro and step in the report channel, then the PR notice."""
    def work() -> None:
        for channel, part in (("C_REPORT", "intro"), ("C_REPORT", "step"), ("C_PR", "notice")):
            pacer.turn(channel, severity, lane)
            posts.append((time.monotonic(), channel, f"{what}:{part}"))
    return Job(work, severity, lane)


def test_a_flooding_user_does_not_delay_others() -> None:
    pacer, posts = paced(workers=4)
    for n in range(40):
        pacer.submit(report_job(pacer, posts, f"flood{n}", "U_FLOOD", "high"))
    pacer.submit(report_job(pacer, posts, "other", "U_OTHER", "medium"))  # less severe, but not flooding
    assert pacer.idle(30)
    order = [what for _, _, what in posts]
    # Its job waits for one worker to finish (at most two report-channel turns), then it takes the next turns.
    assert order.index("other:notice") <= 12, order[:15]
    notices = [what for _, channel, what in posts if channel == "C_PR"]
    assert notices.index("other:notice") <= 2, notices[:5]
    pacer.close()


def test_critical_first() -> None:
    pacer, posts = paced(workers=1)
    gate = threading.Event()
    pacer.submit(Job(gate.wait, "low", "x"))  # hold the only worker while the queue fills
    for n in range(5):
        pacer.submit(poster(pacer, posts, "C1", f"low{n}", "low", f"u{n}"))
    pacer.submit(poster(pacer, posts, "C1", "critical", "critical", "u9"))
    gate.set()
    assert pacer.idle(10)
    assert posts[0][2] == "critical"
    pacer.close()


def test_coalesced_jobs_run_once_with_the_latest_work() -> None:
    pacer, posts = paced(workers=1)
    gate = threading.Event()
    pacer.submit(Job(gate.wait))
    for n in range(10):
        pacer.submit(Job(lambda n=n: posts.append((0.0, "C1", f"count={n}")), coalesce="count:1"))
    gate.set()
    assert pacer.idle(10)
    assert [what for _, _, what in posts] == ["count=9"]
    pacer.close()


def test_bounded_queue_pushes_back() -> None:
    pacer, posts = paced(workers=1, max_pending=3)
    gate = threading.Event()
    pacer.submit(Job(gate.wait))
    assert pacer.idle(0.0) is False
    accepted = [pacer.submit(Job(lambda: None), timeout=0.0) for _ in range(5)]
    assert accepted.count(True) <= 4 and accepted[-1] is False
    gate.set()
    assert pacer.idle(10)
    assert pacer.submit(Job(lambda: None), timeout=0.0)
    pacer.close()


def test_a_failing_job_does_not_stop_the_workers() -> None:
    pacer, posts = paced(workers=1)

    def boom() -> None:
        raise RuntimeError("boom")
    pacer.submit(Job(boom))
    pacer.submit(poster(pacer, posts, "D1", "after"))
    assert pacer.idle(10)
    assert [what for _, _, what in posts] == ["after"]
    pacer.close()


def test_one_lane_holds_at_most_half_the_queue_and_is_refused_at_once() -> None:
    def frozen() -> float:  # time never moves: a submit that waited for room would never come back
        return 0.0

    pacer = Pacer(lambda channel: 0.0, workers=1, max_pending=4, clock=frozen)
    gate = threading.Event()
    ran: list[str] = []
    assert pacer.submit(Job(gate.wait, lane=""))  # holds the only worker
    flood = [pacer.submit(Job(lambda n=n: ran.append(f"flood{n}"), lane="U_FLOOD"), timeout=60) for n in range(4)]
    assert flood == [True, True, False, False]  # half of max_pending, then refused without waiting
    assert pacer.submit(Job(lambda: ran.append("other"), lane="U_OTHER"), timeout=60)  # the others still get in
    gate.set()
    assert pacer.idle(10)
    assert ran == ["flood0", "other", "flood1"]  # and go before the flood's second job
    assert pacer.submit(Job(lambda: ran.append("flood4"), lane="U_FLOOD"), timeout=0)  # room again once run
    assert pacer.idle(10)
    pacer.close()


def test_one_lane_runs_on_at_most_half_the_workers() -> None:
    pacer = Pacer(lambda channel: 0.0, workers=2, max_pending=100)
    release, seen = threading.Event(), threading.Condition()
    started: list[str] = []

    def job(name: str) -> Job:
        def work() -> None:
            with seen:
                started.append(name)
                seen.notify_all()
            assert release.wait(10)  # held until the test has looked
        return Job(work, lane=name.split(":")[0])

    for n in range(3):
        assert pacer.submit(job(f"U_FLOOD:{n}"))
    assert pacer.submit(job("U_OTHER:0"))
    with seen:
        assert seen.wait_for(lambda: len(started) == 2, timeout=10)
    assert sorted(started) == ["U_FLOOD:0", "U_OTHER:0"]  # the flood holds one worker; the colleague gets the other
    release.set()
    assert pacer.idle(10)
    assert sorted(started) == ["U_FLOOD:0", "U_FLOOD:1", "U_FLOOD:2", "U_OTHER:0"]
    pacer.close()
