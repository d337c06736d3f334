"""SQLite writers of one process queue on an in-process lock (storage/db.WriterConnection) that is never leaked."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from storage.db import WriterConnection, make_engine, make_session_factory, read_snapshot


def _engine(tmp_path: Path, seconds: float = 0.2) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}", sqlite_busy_seconds=seconds)
    with engine.begin() as connection:
        connection.execute(text("create table t (n integer)"))
    return engine


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("select count(*) from t")).scalar_one())


def _lock(engine: Engine) -> threading.Lock:
    with engine.connect() as connection:
        dbapi = connection.connection.dbapi_connection
        assert isinstance(dbapi, WriterConnection) and dbapi.writer is not None
        return dbapi.writer


def test_a_writer_holds_the_lock_until_its_transaction_ends(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.begin() as connection:
        dbapi = connection.connection.dbapi_connection
        assert isinstance(dbapi, WriterConnection) and dbapi.writer is not None
        connection.execute(text("insert into t values (1)"))
        assert dbapi.holds and dbapi.writer.locked()
    assert not dbapi.holds and not dbapi.writer.locked()


def test_a_second_writer_waits_then_is_refused_as_locked(tmp_path: Path) -> None:
    """Past the busy timeout the in-process wait ends as SQLite's would: "database is locked", nothing written."""
    engine = _engine(tmp_path)
    with engine.begin() as holder:
        holder.execute(text("insert into t values (1)"))
        with pytest.raises(OperationalError, match="locked"), engine.begin() as other:
            other.execute(text("insert into t values (2)"))
    assert _count(engine) == 1
    with engine.begin() as after:  # the refused writer left nothing behind
        after.execute(text("insert into t values (3)"))
    assert _count(engine) == 2


def test_the_lock_is_given_back_by_rollback_error_and_invalidation(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    sessions = make_session_factory(engine)
    lock = _lock(engine)
    with pytest.raises(RuntimeError), sessions.begin() as session:
        session.execute(text("insert into t values (1)"))
        raise RuntimeError("use case failed")
    assert not lock.locked()
    with pytest.raises(OperationalError), engine.begin() as connection:
        connection.execute(text("insert into nowhere values (1)"))
    assert not lock.locked()
    connection = engine.connect()
    connection.begin()
    connection.execute(text("insert into t values (2)"))
    connection.invalidate()  # a broken connection is closed, its transaction gone
    connection.close()
    assert not lock.locked()
    with sessions.begin() as session:  # would wait 0.2 s and fail if any of the above kept the lock
        session.execute(text("insert into t values (3)"))
    assert _count(engine) == 1


def test_a_snapshot_read_takes_no_writer_lock(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    sessions = make_session_factory(engine)
    with sessions() as reader:
        read_snapshot(reader)
        assert reader.execute(text("select count(*) from t")).scalar_one() == 0
        with sessions.begin() as writer:
            writer.execute(text("insert into t values (1)"))
        reader.rollback()
    assert _count(engine) == 1


def test_queued_writers_all_commit(tmp_path: Path) -> None:
    """Many threads writing at once all get their turn (each transaction well inside the busy timeout)."""
    engine = _engine(tmp_path, seconds=10.0)
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        start.wait()
        try:
            for i in range(25):
                with engine.begin() as connection:
                    connection.execute(text("insert into t values (:n)"), {"n": n * 100 + i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert _count(engine) == 200


def test_in_memory_databases_keep_working(tmp_path: Path) -> None:
    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("create table t (n integer)"))
        connection.execute(text("insert into t values (1)"))
        assert not getattr(connection.connection.dbapi_connection, "holds", False)
    assert _count(engine) == 1
