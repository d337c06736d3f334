"""Outbound pacing: plans run on a few workers; every post waits for its channel's turn.

* Turns: a channel gives one post per `interval(channel)` seconds (Slack ≈ 1 chat.postMessage/s/channel), to the
  waiting post with the highest severity, then the least-served lane (the reporter who caused it), then the
  oldest. One user flooding reports therefore does not delay others' notices by more than a turn or two.
* Jobs: queued by the same order; a job with a coalescing key replaces one with the same key still queued
  (a count message updated in place once, not once per merged report).
* Bounded: `submit` waits while `max_pending` jobs are queued (back-pressure on the caller) and answers False
  when there is still no room; the caller leaves the work to the ledger-driven resume.
* Never gives up: a rate-limited post is waited out by the runner, and retried (runner._patient).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("incident_bot.delivery")
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def rank(severity: str) -> int:
    """Lower runs first; unknown severities as medium."""
    return SEVERITY_RANK.get(severity, 2)


@dataclass
class Job:
    """Work for one incident (usually: run a plan), with what pacing orders it by."""

    work: Callable[[], None]
    severity: str = "medium"
    lane: str = ""
    coalesce: str | None = None


@dataclass
class _Channel:
    next_free: float = 0.0
    waiting: list[tuple[int, int, int]] = field(default_factory=list)  # (severity rank, lane served, seq) heap
    served: Counter[str] = field(default_factory=Counter)


class Pacer:
    """Workers, a fair bounded job queue and per-channel turns (see the module docstring)."""

    def __init__(self, interval: Callable[[str], float], *, workers: int = 8, max_pending: int = 5000,
                 clock: Callable[[], float] = time.monotonic, name: str = "delivery") -> None:
        self.interval = interval
        self.workers = workers
        self.max_pending = max_pending
        self.clock = clock
        self.name = name
        self._lock = threading.Condition()
        self._jobs: list[tuple[int, int, int, Job]] = []
        self._keyed: dict[str, Job] = {}
        self._lanes: Counter[str] = Counter()  # queued or running jobs per lane
        self._channels: dict[str, _Channel] = {}
        self._seq = itertools.count()
        self._threads: list[threading.Thread] = []
        self._running = 0
        self._closed = False

    # -- jobs ---------------------------------------------------------------------------------------------------
    def submit(self, job: Job, timeout: float = 1.0) -> bool:
        """Queue a job; False when the queue stayed full for `timeout` seconds (nothing queued)."""
        with self._lock:
            if job.coalesce is not None and job.coalesce in self._keyed:
                self._keyed[job.coalesce].work = job.work  # the queued one now does the latest work
                return True
            deadline = self.clock() + timeout
            while len(self._jobs) >= self.max_pending and not self._closed:
                left = deadline - self.clock()
                if left <= 0:
                    log.warning("delivery.queue_full pending=%s", len(self._jobs))
                    return False
                self._lock.wait(left)
            if self._closed:
                return False
            entry = (rank(job.severity), self._lanes[job.lane], next(self._seq), job)
            self._lanes[job.lane] += 1
            heapq.heappush(self._jobs, entry)
            if job.coalesce is not None:
                self._keyed[job.coalesce] = job
            self._start_workers()
            self._lock.notify_all()
            return True

    def pending(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return len(self._jobs) + self._running

    def idle(self, timeout: float) -> bool:
        """Wait until no job is queued or running; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._jobs or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.05))
            return True

    def close(self) -> None:
        """Stop the workers once the queue is empty (jobs still queued are left to resume)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)

    def _start_workers(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._jobs and not self._closed:
                    self._lock.wait()
                if not self._jobs:
                    return
                job = heapq.heappop(self._jobs)[3]
                if job.coalesce is not None:
                    self._keyed.pop(job.coalesce, None)
                self._running += 1
                self._lock.notify_all()
            try:
                job.work()
            except Exception:  # noqa: BLE001 - one job's failure must not stop a worker (the job logs its own)
                log.exception("delivery.job_failed")
            finally:
                with self._lock:
                    self._running -= 1
                    self._lanes[job.lane] -= 1
                    if self._lanes[job.lane] <= 0:
                        del self._lanes[job.lane]
                    self._lock.notify_all()

    # -- turns --------------------------------------------------------------------------------------------------
    def turn(self, channel: str, severity: str = "medium", lane: str = "") -> None:
        """Wait until this post may go to `channel` (see the module docstring)."""
        gap = self.interval(channel)
        if gap <= 0:
            return
        with self._lock:
            state = self._channels.setdefault(channel, _Channel())
            me = (rank(severity), state.served[lane], next(self._seq))
            heapq.heappush(state.waiting, me)
            while True:
                now = self.clock()
                if state.waiting[0] == me and now >= state.next_free:
                    heapq.heappop(state.waiting)
                    state.next_free = now + gap
                    state.served[lane] += 1
                    if not state.waiting and len(state.served) > 1000:
                        state.served.clear()  # bounded memory: fairness only matters among current waiters
                    self._lock.notify_all()
                    return
                self._lock.wait(max(state.next_free - now, 0.0) if state.waiting[0] == me else None)
