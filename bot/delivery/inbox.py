"""Ack-first durable intake: a delivery is stored (one short transaction, shared with those arriving meanwhile)
before its HTTP 200, then run by a few bounded workers; rows a crash left are run again at the next start.
Platform-neutral: it stores text and hands it back to the adapter's `run`."""

# Why this keeps process_before_response's guarantees: the 200 is sent only after the row is committed, so a
# SIGKILL after the 200 loses nothing (the row runs at the next start) and a SIGKILL before it makes the platform
# redeliver. Running a row again is what a redelivery did before: the core's keys (the delivery id) and the
# ledger's claims finish the first run's work without repeating it. The row is deleted only after the run, in the
# next delivery's store transaction (or alone after DELETE_LINGER_SECONDS): a transaction of its own for every
# delivery cost a tenth of a new report's CPU, and a crash in between only runs a finished row again.

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from storage.db import SQLITE_BUSY_SECONDS, WriterConnection
from storage.models import InboxDelivery

log = logging.getLogger("incident_bot.inbox")

LIMIT = 1000  # deliveries stored and not yet run, per process: beyond it a delivery waits, then runs inline
ROOM_WAIT_SECONDS = 1.0  # how long a delivery waits for room before it is run before its 200 (as without inbox)
WORKERS = 4  # the core's work includes Web API calls: a few threads keep the CPU busy while one waits
ATTEMPTS = 3  # a run that fails (5xx, exception) is tried again, as the platform would have redelivered it
STALE_SECONDS = 60.0  # a row older than this that no worker of this process holds is another instance's leftover
RESCAN_SECONDS = 15.0
STORE_WAIT_SECONDS = 0.2  # SQLite: how long storing waits for the write lock before the delivery runs inline
DELETE_LINGER_SECONDS = 0.25  # how long a run's row waits for the next stored delivery's commit to delete it
KEEP_BODY_CHARS = 16_384  # a body up to this is kept in memory for its run (LIMIT of them: ~16 MB); longer: read back


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Batch:
    """Rows to insert and keys to delete, committed together by one of the threads waiting on them."""

    __slots__ = ("rows", "deletes", "stored", "ok", "done")

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, datetime]] = []  # (key, body, received_at)
        self.deletes: list[str] = []
        self.stored: set[str] = set()  # keys inserted (a key missing was stored already, by another instance)
        self.ok = False
        self.done = False


class Inbox:
    """Stored deliveries of one platform, run in arrival order by `workers` threads once `start` is called."""

    def __init__(self, engine: Engine, platform: str, run: Callable[[str], bool], *, limit: int = LIMIT,
                 workers: int = WORKERS, room_wait: float = ROOM_WAIT_SECONDS,
                 linger: float = DELETE_LINGER_SECONDS, now: Callable[[], datetime] = _utcnow) -> None:
        self._engine, self._platform, self._run = engine, platform, run
        self.limit, self._workers, self._room_wait, self._now = limit, workers, room_wait, now
        self._linger = linger
        # One lock, two conditions: workers wait for queued work (`_ready`), callers of `accept` for room
        # (`_cond`). Waking only whom a change concerns: waking every worker on every change cost ~1 ms a delivery.
        lock = threading.RLock()
        self._cond = threading.Condition(lock)
        self._ready = threading.Condition(lock)
        # (key, attempts so far, body): the body as stored, so a run needs no read; None for rows found by a scan
        self._queue: deque[tuple[str, int, str | None]] = deque()
        self._held: set[str] = set()  # keys queued or running in this process (bounded by `limit`)
        self._done: list[str] = []  # keys run, their rows to delete with the next batch (still held until then)
        self._threads: list[threading.Thread] = []
        self._running = False
        self._write_cond = threading.Condition()  # group commit: the batch gathering, and whether one commits
        self._gathering: _Batch | None = None
        self._committing: _Batch | None = None
        self._committed = 0  # batches committed (or failed) so far
        # Built once, run with one parameter set per row. On SQLite, OR IGNORE (not on_conflict_do_nothing, which
        # has no cache key) lets SQLAlchemy compile it once: compiling it cost a third of a stored delivery's CPU.
        self._insert = (pg_insert(InboxDelivery).on_conflict_do_nothing() if engine.dialect.name == "postgresql"
                        else insert(InboxDelivery).prefix_with("OR IGNORE")).returning(InboxDelivery.key)
        # One parameter set per finished row, not an IN list: SQLAlchemy rewrote the list into the SQL on every
        # execution, which cost about what the INSERT does.
        self._delete = delete(InboxDelivery).where(InboxDelivery.platform == bindparam("of_platform"),
                                                   InboxDelivery.key == bindparam("of_key"))

    def pending(self) -> int:
        """Deliveries stored and not yet finished by this process."""
        with self._cond:
            return len(self._held)

    def accept(self, key: str, body: str) -> bool:
        """Store a delivery to run after the 200 (True: answer 200 now); False: not started, full for
        ROOM_WAIT_SECONDS or the database refused, so the caller runs it before answering, as without an inbox."""
        deadline = time.monotonic() + self._room_wait
        with self._cond:
            if not self._running:
                return False
            if key in self._held:
                return True  # a redelivery of one waiting here: it runs once
            while len(self._held) >= self.limit:  # back-pressure: the caller's thread (and so the platform) waits
                left = deadline - time.monotonic()
                if left <= 0 or not self._running:
                    return False
                self._cond.wait(left)
            self._held.add(key)
        batch = self._commit(lambda batch: batch.rows.append((key, body, self._now())))
        if not batch.ok:
            self._release(key)
            return False
        if key not in batch.stored:
            self._release(key)  # already stored by an earlier attempt of another instance: it runs there
        return True  # stored (and queued by the batch's committer), or stored already

    def start(self) -> int:
        """Queue the rows a crash left (oldest first) and start the workers; how many rows were queued."""
        with self._cond:
            self._running = True
        queued = self._rescan(older_than=None)
        for number in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"inbox-{self._platform}-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if queued:
            log.info("inbox.resumed platform=%s deliveries=%d", self._platform, queued)
        return queued

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking work; workers finish the delivery they run (the rest runs at the next start)."""
        with self._cond:
            self._running = False
            self._cond.notify_all()
            self._ready.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self._flush_done()

    def _commit(self, add: Callable[[_Batch], None]) -> _Batch:
        """Add to the batch being gathered and return once it is committed (or failed): the first caller to find
        no commit running commits it, with whatever arrived meanwhile (group commit: one transaction, one fsync)."""
        with self._write_cond:
            batch = self._gathering or _Batch()
            self._gathering = batch
            add(batch)
            while self._committing is not None and not batch.done:
                self._write_cond.wait()
            if batch.done:  # another caller committed it
                return batch
            self._committing, self._gathering = batch, None
            with self._cond:
                batch.deletes.extend(self._done)
                self._done.clear()
        try:
            batch.stored = self._write(batch) if batch.rows or batch.deletes else set()
            batch.ok = True
            queued = [(key, 0, body if len(body) <= KEEP_BODY_CHARS else None)
                      for key, body, _ in batch.rows if key in batch.stored]
            with self._cond:  # in arrival order, once committed; rows deleted are no longer held
                self._queue.extend(queued)
                self._ready.notify(len(queued))
                if batch.deletes:
                    self._held.difference_update(batch.deletes)
                    self._cond.notify_all()
        except SQLAlchemyError as exc:
            log.warning("inbox.store_failed platform=%s rows=%d error=%s", self._platform, len(batch.rows),
                        type(exc).__name__)
            self._redo(batch.deletes)
        except Exception:  # noqa: BLE001 - every caller waiting on this batch must hear that it failed
            log.exception("inbox.store_failed platform=%s rows=%d", self._platform, len(batch.rows))
            self._redo(batch.deletes)
        finally:
            with self._write_cond:
                self._committing, batch.done = None, True
                self._committed += 1
                self._write_cond.notify_all()
        return batch

    def _redo(self, deletes: list[str]) -> None:
        """Rows a failed batch did not delete: tried again with the next one (a row left stored only runs again)."""
        with self._cond:
            self._done.extend(deletes)

    def _flush_done(self) -> None:
        """Delete the rows of finished runs now (idle, or stopping)."""
        with self._cond:
            if not self._done:
                return
        if not self._commit(lambda batch: None).ok:
            log.warning("inbox.delete_failed platform=%s", self._platform)

    def _write(self, batch: _Batch) -> set[str]:
        """One transaction: delete the rows run, insert the new ones; the keys inserted (not stored already)."""
        with self._engine.connect() as connection:
            dbapi = connection.connection.dbapi_connection
            if not isinstance(dbapi, WriterConnection):
                with connection.begin():
                    return self._statements(connection, batch)
            # SQLite: when other writers (another process's lock, or this one's writers waiting on it) keep the
            # database busy, give up soon and run inline, whose retries tell the user within Slack's 3 s.
            if not dbapi.take_writer(STORE_WAIT_SECONDS):  # BEGIN below then finds the lock held already
                raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
            dbapi.execute(f"PRAGMA busy_timeout={int(STORE_WAIT_SECONDS * 1000)}")
            try:
                with connection.begin():
                    return self._statements(connection, batch)
            finally:
                dbapi.give_writer()  # already given back by commit or rollback, unless BEGIN never ran
                dbapi.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")

    def _statements(self, connection: Connection, batch: _Batch) -> set[str]:
        """The batch's DELETE and INSERT … ON CONFLICT DO NOTHING RETURNING key; the keys inserted."""
        if batch.deletes:
            connection.execute(self._delete, [{"of_platform": self._platform, "of_key": key} for key in batch.deletes])
        if not batch.rows:
            return set()
        rows = [{"platform": self._platform, "key": key, "body": body, "received_at": at}
                for key, body, at in batch.rows]
        return set(connection.execute(self._insert, rows).scalars())

    def _release(self, key: str) -> None:
        with self._cond:
            self._held.discard(key)
            self._cond.notify_all()

    def _rescan(self, older_than: float | None) -> int:
        """Queue stored rows no worker here holds (all at start; later only stale ones, another instance's)."""
        query = select(InboxDelivery.key).where(InboxDelivery.platform == self._platform)
        if older_than is not None:
            query = query.where(InboxDelivery.received_at < self._now() - timedelta(seconds=older_than))
        try:
            with self._engine.connect() as connection:
                keys = list(connection.execute(query.order_by(InboxDelivery.received_at)).scalars())
        except SQLAlchemyError as exc:
            log.warning("inbox.scan_failed platform=%s error=%s", self._platform, type(exc).__name__)
            return 0
        queued = 0
        with self._cond:
            for key in keys:
                if key not in self._held:
                    self._held.add(key)
                    self._queue.append((key, 0, None))
                    queued += 1
            self._ready.notify(queued)
        return queued

    def _next(self) -> tuple[str, int, str | None] | None:
        with self._cond:
            waited = 0.0
            while not self._queue and self._running:
                if self._done and waited >= self._linger:
                    return ("", 1, None)  # no delivery came to carry the finished rows' delete: delete them alone
                if waited >= RESCAN_SECONDS:
                    return ("", 0, None)  # idle long enough: look for another instance's leftovers
                started = time.monotonic()
                self._ready.wait((self._linger if self._done else RESCAN_SECONDS) - waited)
                waited += time.monotonic() - started
            return self._queue.popleft() if self._running else None

    def _work(self) -> None:
        while (item := self._next()) is not None:
            key, attempts, body = item
            if not key:
                if attempts:
                    self._flush_done()
                else:
                    self._rescan(older_than=STALE_SECONDS)
                continue
            self._yield_to_requests()
            self._run_one(key, attempts, body)

    def _yield_to_requests(self) -> None:
        """Wait until deliveries whose 200 waits on a batch are committed, before starting work that takes the
        write lock and the CPU they need; at most two batches (the one committing, the one gathering)."""
        with self._write_cond:
            waiting = [batch for batch in (self._committing, self._gathering) if batch is not None and batch.rows]
            if waiting:
                until = self._committed + (self._committing is not None) + (self._gathering in waiting)
                self._write_cond.wait_for(lambda: self._committed >= until or not self._running,
                                          2 * STORE_WAIT_SECONDS)

    def _run_one(self, key: str, attempts: int, body: str | None) -> None:
        if body is None:  # a row a crash or another instance left: read it
            try:
                with self._engine.connect() as connection:
                    body = connection.execute(select(InboxDelivery.body).where(
                        InboxDelivery.platform == self._platform, InboxDelivery.key == key)).scalar_one_or_none()
            except SQLAlchemyError as exc:
                log.warning("inbox.load_failed platform=%s error=%s", self._platform, type(exc).__name__)
                self._release(key)  # still stored: the stale rescan or the next start runs it
                return
        ok = True
        if body is not None:
            try:
                ok = self._run(body)
            except Exception:  # noqa: BLE001 - one delivery's failure must not stop the worker
                log.exception("inbox.run_failed platform=%s", self._platform)
                ok = False
        if not ok and attempts + 1 < ATTEMPTS:
            self._later(key, attempts + 1, body)
            return
        if not ok:
            log.error("inbox.given_up platform=%s attempts=%d", self._platform, attempts + 1)
        with self._cond:  # deleted (and released) with the next batch
            self._done.append(key)

    def _later(self, key: str, attempts: int, body: str | None = None) -> None:
        with self._cond:
            self._queue.append((key, attempts, body))
            self._ready.notify()


__all__ = ["Inbox", "LIMIT"]
