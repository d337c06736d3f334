"""Outbound pacing: plans run on a few workers; every post waits for its channel's turn.

* Turns: a channel gives one post per `interval(channel)` seconds (Slack ≈ 1 chat.postMessage/s/channel), to the
  waiting post of a critical incident first, then of the lane (the reporter who caused it) served least so far,
  then by severity, then of the oldest job (so a job under way finishes and frees its worker). One user flooding
  reports therefore delays others' notices by a turn or two, not by their backlog.
* Jobs: queued critical first, then by the lane's jobs already queued or running, then severity, then age; a job
  with a coalescing key replaces one with the same key still queued (a count updated in place once). One lane runs
  on at most half of the workers, so a colleague's report starts at once while a flood waits for its turns.
* Bounded: `submit` waits while `max_pending` jobs are queued (back-pressure on the caller) and answers False
  when there is still no room; the caller leaves the work to the ledger-driven resume. One lane (a user flooding
  reports) may hold at most half of that: beyond it its jobs are refused at once, so it neither fills the queue
  others need nor holds the request threads they are answered on.
* Latest wins: an in-place update (the merged-reports count) waits for its message's turn, one per interval; a newer
  update of the same message arriving meanwhile replaces the waiting one, which gives up its turn at once, and shows
  the highest count any of them read. A burst of merges is a few updates, not one per merge, and holds one worker.
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
    waiting: list[tuple[int, str, int, int]] = field(default_factory=list)  # (severity rank, lane, job, seq)
    served: Counter[str] = field(default_factory=Counter)

    def first(self) -> tuple[int, str, int, int]:
        """The waiting post whose turn it is (see the module docstring), with the lanes' service as it is now."""
        return min(self.waiting, key=lambda w: (w[0] != 0, self.served[w[1]], w[0], w[2], w[3]))


class Pacer:
    """Workers, a fair bounded job queue and per-channel turns (see the module docstring)."""

    def __init__(self, interval: Callable[[str], float], *, workers: int = 8, max_pending: int = 5000,
                 clock: Callable[[], float] = time.monotonic, name: str = "delivery",
                 spawn: Callable[[Callable[[], None]], object] | None = None) -> None:
        self.interval = interval
        self.spawn = spawn  # run each job on this executor (tests wait on it) instead of the pacer's own workers
        self.workers = workers
        self.max_pending = max_pending
        self.clock = clock
        self.name = name
        # One lock, two conditions: idle workers wait for a job (`_has_work`), everyone else (turns, room, idle)
        # for a state change (`_lock`); waking all eight workers on every change cost more than the jobs' own work.
        lock = threading.RLock()
        self._lock = threading.Condition(lock)
        self._has_work = threading.Condition(lock)
        self._jobs: list[tuple[bool, int, int, int, Job]] = []
        self._current = threading.local()  # the job a worker runs: its posts take turns by the job's age
        self._keyed: dict[str, Job] = {}
        self._lanes: Counter[str] = Counter()  # queued or running jobs per lane
        self._busy: Counter[str] = Counter()  # running jobs per lane
        self._channels: dict[str, _Channel] = {}
        # update key -> (next free time, the waiting caller's ticket or 0, the highest value offered)
        self._latest: dict[str, tuple[float, int, int]] = {}
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
            if job.lane and self._lanes[job.lane] >= max(1, self.max_pending // 2):
                log.warning("delivery.lane_full lane_jobs=%s", self._lanes[job.lane])
                return False
            deadline = self.clock() + timeout
            while len(self._jobs) >= self.max_pending and not self._closed:
                left = deadline - self.clock()
                if left <= 0:
                    log.warning("delivery.queue_full pending=%s", len(self._jobs))
                    return False
                self._lock.wait(left)
            if self._closed:
                return False
            severity = rank(job.severity)
            entry = (severity != 0, self._lanes[job.lane], severity, next(self._seq), job)
            self._lanes[job.lane] += 1
            heapq.heappush(self._jobs, entry)
            if job.coalesce is not None:
                self._keyed[job.coalesce] = job
            if self.spawn is None:
                self._start_workers()
            self._has_work.notify()
        if self.spawn is not None:
            self.spawn(self._run_one)
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
            self._has_work.notify_all()
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
                taken = self._take()
                while taken is None:
                    if self._closed and not self._jobs:
                        return
                    self._has_work.wait()
                    taken = self._take()
            self._execute(*taken)

    def _run_one(self) -> None:
        """Take the first job in order (if another worker has not) and run it."""
        with self._lock:
            taken = self._take()
        if taken is not None:
            self._execute(*taken)

    def _take(self) -> tuple[int, Job] | None:
        """Under the lock: the first queued job whose lane may take another worker, marked running (or None)."""
        # Own workers: half of them per lane, so a flooding lane leaves workers free for others; only the first
        # few queued jobs are looked at, the others' lanes sort after them anyway (by their queued count).
        skipped, found = [], None
        while self._jobs and len(skipped) < 32:
            entry = heapq.heappop(self._jobs)
            lane = entry[4].lane
            if self.spawn is not None or not lane or self._busy[lane] < max(1, self.workers // 2):
                found = entry
                break
            skipped.append(entry)
        for entry in skipped:
            heapq.heappush(self._jobs, entry)
        if found is None:
            return None
        job = found[4]
        if job.coalesce is not None:
            self._keyed.pop(job.coalesce, None)
        self._running += 1
        self._busy[job.lane] += 1
        self._lock.notify_all()
        return found[3], job

    def _execute(self, order: int, job: Job) -> None:
        self._current.order = order
        try:
            job.work()
        except Exception:  # noqa: BLE001 - one job's failure must not stop a worker (the job logs its own)
            log.exception("delivery.job_failed")
        finally:
            with self._lock:
                self._running -= 1
                self._busy[job.lane] -= 1
                if self._busy[job.lane] <= 0:
                    del self._busy[job.lane]
                self._lanes[job.lane] -= 1
                if self._lanes[job.lane] <= 0:
                    del self._lanes[job.lane]
                self._lock.notify_all()
                if self._jobs:  # a job its lane held back may be taken now
                    self._has_work.notify()

    def poke(self) -> None:
        """Wake every waiter to read the clock again (a test's fake clock moved)."""
        with self._lock:
            self._lock.notify_all()
            self._has_work.notify_all()

    # -- turns --------------------------------------------------------------------------------------------------
    def latest(self, key: str, value: int = 0) -> int | None:
        """Wait for `key`'s turn: the highest `value` offered for it, or None when a newer caller came."""
        # One turn per interval(key); a replaced caller returns at once: the newer one shows at least as much.
        with self._lock:
            ticket = next(self._seq) + 1  # never 0 (nobody waiting)
            next_free, _, best = self._latest.get(key, (0.0, 0, value))
            self._latest[key] = (next_free, ticket, max(best, value))
            self._lock.notify_all()  # the caller it replaces stops waiting
            while True:
                next_free, newest, best = self._latest[key]
                if newest != ticket:
                    return None
                now = self.clock()
                if now >= next_free:
                    self._latest[key] = (now + self.interval(key), 0, best)  # 0: nobody waiting
                    if len(self._latest) > 1000:  # bounded: a key nobody waits on, its interval over, is forgotten
                        for old in [k for k, (free, waiting, _) in self._latest.items() if not waiting and free <= now]:
                            del self._latest[old]
                    return best
                self._lock.wait(next_free - now)

    def turn(self, channel: str, severity: str = "medium", lane: str = "") -> None:
        """Wait until this post may go to `channel` (see the module docstring)."""
        gap = self.interval(channel)
        if gap <= 0:
            return
        with self._lock:
            state = self._channels.setdefault(channel, _Channel())
            me = (rank(severity), lane, getattr(self._current, "order", 0), next(self._seq))
            state.waiting.append(me)
            while True:
                now = self.clock()
                first = state.first() == me
                if first and now >= state.next_free:
                    state.waiting.remove(me)
                    state.next_free = now + gap
                    state.served[lane] += 1
                    if not state.waiting and len(state.served) > 1000:
                        state.served.clear()  # bounded memory: fairness only matters among current waiters
                    self._lock.notify_all()
                    return
                self._lock.wait(max(state.next_free - now, 0.0) if first else None)
