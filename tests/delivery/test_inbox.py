"""The ack-first inbox (bot/delivery/inbox.py): stored before the 200, run after it, run again after a restart,
never twice for one redelivery, bounded; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError

from bot.delivery.inbox import ATTEMPTS, KEEP_BODY_CHARS, Inbox
from storage.db import make_engine, migrate
from storage.models import InboxDelivery


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    migrate(made)
    yield made
    made.dispose()


def wait_until(what: str, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.005)


def stored(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(InboxDelivery.key).order_by(InboxDelivery.received_at)).scalars())


class Runs:
    """The adapter's side: records each body run; `gate` holds runs back until set."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.bodies: list[str] = []
        self.stored_when_run: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.answer = True

    def __call__(self, body: str) -> bool:
        self.stored_when_run.append(stored(self.engine))
        self.gate.wait(10)
        self.bodies.append(body)
        return self.answer


def test_stored_before_the_answer_run_after_it_then_deleted(engine: Engine) -> None:
    runs = Runs(engine)
    runs.gate.clear()
    inbox = Inbox(engine, "slack", runs)
    inbox.start()
    try:
        assert inbox.accept("Ev1", '{"event_id": "Ev1"}')
        assert stored(engine) == ["Ev1"]  # committed when accept returns: the 200 may follow
        runs.gate.set()
        wait_until("run, deleted and let go", lambda: runs.bodies == ['{"event_id": "Ev1"}']
                   and not stored(engine) and inbox.pending() == 0)
        assert runs.stored_when_run == [["Ev1"]]  # deleted only after its run
    finally:
        inbox.stop()


def test_a_redelivery_of_a_stored_delivery_is_answered_and_runs_once(engine: Engine) -> None:
    runs = Runs(engine)
    runs.gate.clear()
    inbox = Inbox(engine, "slack", runs, workers=1)
    other = Inbox(engine, "slack", runs)  # a second instance on the same database
    inbox.start()
    other.start()
    try:
        assert inbox.accept("Ev1", "first")
        assert inbox.accept("Ev1", "first, retried")  # Slack's X-Slack-Retry-Num: same event_id
        assert other.accept("Ev1", "first, retried again")  # the retry reached the other instance
        assert other.pending() == 0  # stored already: it runs where it was stored
        runs.gate.set()
        wait_until("deleted", lambda: not stored(engine) and inbox.pending() == 0)
        time.sleep(0.05)  # nothing else is queued: a second run would have started by now
        assert runs.bodies == ["first"]
    finally:
        inbox.stop()
        other.stop()


def test_rows_a_crash_left_run_at_the_next_start_oldest_first(engine: Engine) -> None:
    runs = Runs(engine)
    crashed = Inbox(engine, "slack", runs, workers=1)
    crashed.start()
    crashed.stop()  # its workers are gone, as after SIGKILL: what it stores now is never run by it
    crashed._running = True  # noqa: SLF001 - accept as the killed process did, up to the kill
    for number in range(3):
        assert crashed.accept(f"Ev{number}", f"body {number}")
    assert runs.bodies == []
    restarted = Inbox(engine, "slack", runs, workers=1)
    assert restarted.start() == 3
    try:
        wait_until("all run", lambda: not stored(engine))
        assert runs.bodies == ["body 0", "body 1", "body 2"]
    finally:
        restarted.stop()


def test_full_inbox_makes_the_caller_wait_then_run_inline(engine: Engine) -> None:
    runs = Runs(engine)
    runs.gate.clear()
    inbox = Inbox(engine, "slack", runs, limit=2, workers=1, room_wait=0.05)
    inbox.start()
    try:
        assert inbox.accept("Ev1", "1") and inbox.accept("Ev2", "2")
        started = time.monotonic()
        assert not inbox.accept("Ev3", "3")  # the caller runs it before its 200, as without an inbox
        assert time.monotonic() - started >= 0.05
        assert inbox.pending() == 2 and stored(engine) == ["Ev1", "Ev2"]
        runs.gate.set()
        wait_until("room again", lambda: inbox.pending() == 0)
        assert inbox.accept("Ev4", "4")
        wait_until("run", lambda: "4" in runs.bodies)
    finally:
        inbox.stop()


def test_not_started_means_inline(engine: Engine) -> None:
    inbox = Inbox(engine, "slack", Runs(engine))
    assert not inbox.accept("Ev1", "1")
    assert stored(engine) == []


def test_a_failing_run_is_tried_again_then_given_up_and_logged(engine: Engine,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    runs = Runs(engine)
    runs.answer = False
    inbox = Inbox(engine, "slack", runs, workers=1)
    inbox.start()
    try:
        assert inbox.accept("Ev1", "1")
        wait_until("given up", lambda: inbox.pending() == 0)
        assert runs.bodies == ["1"] * ATTEMPTS and stored(engine) == []
        assert "inbox.given_up" in caplog.text
    finally:
        inbox.stop()


def test_platforms_keep_their_own_rows(engine: Engine) -> None:
    runs = Runs(engine)
    slack = Inbox(engine, "slack", runs)
    slack._running = True  # noqa: SLF001 - stored, never run here
    assert slack.accept("X1", "slack's")
    teams = Inbox(engine, "teams", runs, workers=1)
    assert teams.start() == 0
    teams.stop()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(InboxDelivery)).scalar_one() == 1


def test_deliveries_arriving_during_a_commit_share_the_next_one(engine: Engine) -> None:
    """Group commit: while one delivery's transaction commits, the next ones gather and commit together; each
    caller is answered only once its own row is committed."""
    runs = Runs(engine)
    runs.gate.clear()
    inbox = Inbox(engine, "slack", runs, workers=1)
    inbox.start()
    commits: list[int] = []
    gathered = threading.Event()

    def on_commit(connection: object) -> None:
        commits.append(len(commits))
        if len(commits) == 1:  # hold the first commit until the other callers wait for the next one
            gathered.wait(10)

    event.listen(engine, "commit", on_commit)
    seen: dict[str, list[str]] = {}
    answers: dict[str, bool] = {}

    def deliver(key: str) -> None:
        answers[key] = inbox.accept(key, f"body {key}")
        seen[key] = stored(engine)  # what is committed when the caller may answer 200

    try:
        first = threading.Thread(target=deliver, args=("Ev0",))
        first.start()
        wait_until("first commit started", lambda: len(commits) == 1)
        others = [threading.Thread(target=deliver, args=(f"Ev{n}",)) for n in range(1, 6)]
        for thread in others:
            thread.start()
        wait_until("five gathered", lambda: inbox._gathering is not None  # noqa: SLF001
                   and len(inbox._gathering.rows) == 5)  # noqa: SLF001
        assert answers == {}  # nobody answered while their rows are uncommitted
        gathered.set()
        for thread in [first, *others]:
            thread.join(10)
        assert answers == {f"Ev{n}": True for n in range(6)}
        assert len(commits) == 2  # six rows, two transactions
        assert all(key in seen[key] for key in answers)
        runs.gate.set()
        wait_until("all run and deleted", lambda: len(runs.bodies) == 6 and not stored(engine)
                   and inbox.pending() == 0)
        assert sorted(runs.bodies) == [f"body Ev{n}" for n in range(6)]
    finally:
        gathered.set()
        runs.gate.set()
        event.remove(engine, "commit", on_commit)
        inbox.stop()


def test_a_failed_commit_sends_every_delivery_in_it_inline(engine: Engine) -> None:
    """When the batch's transaction fails, every caller waiting on it hears so (it runs its delivery before the
    200) and nothing is left held or stored."""
    runs = Runs(engine)
    inbox = Inbox(engine, "slack", runs, workers=1)
    inbox.start()
    failing = threading.Event()
    failing.set()

    def refuse(connection: object, *args: object) -> None:
        if failing.is_set():
            raise OperationalError("INSERT", None, Exception("database is gone"))

    event.listen(engine, "before_cursor_execute", refuse)
    answers: dict[str, bool] = {}
    try:
        threads = [threading.Thread(target=lambda k=f"Ev{n}": answers.__setitem__(k, inbox.accept(k, k)))
                   for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert answers == {f"Ev{n}": False for n in range(4)}
        assert inbox.pending() == 0
    finally:
        failing.clear()
        event.remove(engine, "before_cursor_execute", refuse)
        inbox.stop()
    assert stored(engine) == [] and runs.bodies == []


def test_a_worker_waits_for_a_commit_that_requests_wait_on_before_its_next_run(engine: Engine) -> None:
    """Requests first: while a batch whose callers wait for their 200 commits, a worker starts no new run (which
    would take the write lock and the CPU those callers need); it runs once the batch is committed."""
    during: list[bool] = []
    inbox = Inbox(engine, "slack", lambda body: during.append(inbox._committing is not None) or True,  # noqa: SLF001
                  workers=1)
    inbox.start()
    hold = threading.Event()
    holding = threading.Event()

    def on_commit(connection: object) -> None:
        if not hold.is_set():
            holding.set()
            hold.wait(10)

    with engine.begin() as connection:  # a row another instance left: queued below, while the batch commits
        connection.execute(InboxDelivery.__table__.insert().values(
            platform="slack", key="EvLeft", body="left", received_at=datetime.now(UTC)))
    event.listen(engine, "commit", on_commit)
    try:
        request = threading.Thread(target=inbox.accept, args=("EvRequest", "request"))
        request.start()
        wait_until("the request's batch commits", holding.is_set)
        inbox._held.add("EvLeft")  # noqa: SLF001 - queued as a rescan does (a rescan's read waits for the lock)
        inbox._later("EvLeft", 0)  # noqa: SLF001 - the worker would run it at once
        wait_until("the worker took it and waits (or ran it)", lambda: bool(during)
                   or len(inbox._write_cond._waiters) > 0)  # noqa: SLF001
        hold.set()
        request.join(10)
        wait_until("both run", lambda: len(during) == 2 and inbox.pending() == 0)
        assert during == [False, False]
    finally:
        hold.set()
        event.remove(engine, "commit", on_commit)
        inbox.stop()


def test_a_batch_holding_a_key_stored_already_stores_and_runs_only_the_new_ones(engine: Engine) -> None:
    """Two instances took the same redelivery: the second one's batch must not run it again, and the other rows
    in that batch are stored and run with the body they came with (not read back from the database)."""
    with engine.begin() as connection:  # stored by another instance; it runs there
        connection.execute(InboxDelivery.__table__.insert().values(
            platform="slack", key="EvTwice", body="first instance", received_at=datetime.now(UTC)))
    runs = Runs(engine)
    inbox = Inbox(engine, "slack", runs, workers=1)
    inbox.start()  # queues the leftover row; let it run first, so only the batch's rows remain
    wait_until("the leftover ran", lambda: runs.bodies == ["first instance"] and not inbox.pending())
    inbox._held.discard("EvTwice")  # noqa: SLF001 - as if this instance had never seen it
    with engine.begin() as connection:
        connection.execute(InboxDelivery.__table__.insert().values(
            platform="slack", key="EvTwice", body="first instance", received_at=datetime.now(UTC)))
    batch = inbox._commit(lambda b: b.rows.extend(  # noqa: SLF001 - one batch of three, as under load
        [(key, body, datetime.now(UTC)) for key, body in (("EvA", "a"), ("EvTwice", "again"), ("EvB", "b"))]))
    assert batch.ok and batch.stored == {"EvA", "EvB"}
    wait_until("the two new rows ran", lambda: sorted(runs.bodies) == ["a", "b", "first instance"])
    inbox.stop()
    assert stored(engine) == ["EvTwice"]  # the other instance's row is its own to delete


def test_a_long_body_is_read_back_for_its_run_not_kept_in_memory(engine: Engine) -> None:
    """Memory stays bounded by LIMIT rows of at most KEEP_BODY_CHARS each: a long delivery (a 40,000-character
    message) waits in the database, and its run gets exactly what was stored."""
    runs = Runs(engine)
    runs.gate.clear()
    inbox = Inbox(engine, "slack", runs, workers=1)
    inbox.start()
    long_body = "長" * (KEEP_BODY_CHARS + 1)
    assert inbox.accept("EvLong", long_body) and inbox.accept("EvShort", "short")
    assert [body for _, _, body in inbox._queue] in ([None, "short"], ["short"])  # noqa: SLF001 - the first may run
    runs.gate.set()
    wait_until("both ran", lambda: runs.bodies == [long_body, "short"])
    inbox.stop()


def commits(engine: Engine) -> list[int]:
    """A counter of committed transactions on the engine (one item per commit)."""
    seen: list[int] = []
    event.listen(engine, "commit", lambda connection: seen.append(1))
    return seen


def test_a_finished_row_is_deleted_by_the_next_deliverys_store_not_a_transaction_of_its_own(engine: Engine) -> None:
    runs = Runs(engine)
    inbox = Inbox(engine, "slack", runs, workers=1, linger=60.0)  # no idle flush within the test
    inbox.start()
    counted = commits(engine)
    try:
        assert inbox.accept("Ev1", "first")
        wait_until("first run", lambda: runs.bodies == ["first"])
        assert stored(engine) == ["Ev1"] and inbox.pending() == 1  # finished, its delete waits for a batch
        assert inbox.accept("Ev2", "second")  # this store transaction deletes Ev1's row too
        assert stored(engine) == ["Ev2"]
        wait_until("second run", lambda: runs.bodies == ["first", "second"])
        assert len(counted) == 2  # two deliveries, two transactions (each used to add a delete of its own)
    finally:
        inbox.stop()  # deletes what is left at once
    assert not stored(engine) and inbox.pending() == 0 and len(counted) == 3


def test_an_idle_inbox_deletes_a_finished_row_alone_after_the_linger(engine: Engine) -> None:
    runs = Runs(engine)
    inbox = Inbox(engine, "slack", runs, workers=2, linger=0.01)
    inbox.start()
    try:
        assert inbox.accept("Ev1", "only")
        wait_until("run, deleted alone and let go", lambda: runs.bodies == ["only"] and not stored(engine)
                   and inbox.pending() == 0)
    finally:
        inbox.stop()


def test_a_crash_between_run_and_delete_runs_the_finished_row_again_at_the_next_start(engine: Engine) -> None:
    runs = Runs(engine)
    inbox = Inbox(engine, "slack", runs, workers=1, linger=60.0)
    inbox.start()
    assert inbox.accept("Ev1", "body")
    wait_until("run", lambda: runs.bodies == ["body"])
    inbox._running = False  # a crash: nothing flushed  # noqa: SLF001 - simulates the process dying
    with inbox._cond:  # noqa: SLF001
        inbox._ready.notify_all()  # noqa: SLF001
    assert stored(engine) == ["Ev1"]
    again = Inbox(engine, "slack", runs)
    assert again.start() == 1  # the row is run again (the core's keys make a second run repeat nothing)
    try:
        wait_until("run again and deleted", lambda: runs.bodies == ["body", "body"] and not stored(engine))
    finally:
        again.stop()
