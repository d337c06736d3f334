"""A long read on SQLite (verify, audit) reads a snapshot and never makes a writer wait."""

from pathlib import Path

from sqlalchemy import text

from storage.db import make_engine, make_session_factory, read_snapshot


def test_snapshot_read_holds_no_write_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", sqlite_busy_seconds=0.2)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        session.execute(text("create table t (n integer)"))
        session.execute(text("insert into t values (1)"))
    with sessions() as reader:
        read_snapshot(reader)
        assert reader.execute(text("select count(*) from t")).scalar_one() == 1
        with sessions.begin() as writer:  # would raise "database is locked" after 0.2 s under BEGIN IMMEDIATE
            writer.execute(text("insert into t values (2)"))
        assert reader.execute(text("select count(*) from t")).scalar_one() == 1  # still its own snapshot
        reader.rollback()
    with sessions() as session:
        assert session.execute(text("select count(*) from t")).scalar_one() == 2


def test_plain_sessions_still_take_the_write_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", sqlite_busy_seconds=0.2)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        session.execute(text("create table t (n integer)"))
    with sessions.begin() as holder:
        holder.execute(text("select count(*) from t"))
        with sessions.begin() as other:
            try:
                other.execute(text("insert into t values (2)"))
            except Exception as exc:  # noqa: BLE001 - the lock is the point
                assert "locked" in str(exc)
            else:
                raise AssertionError("a second writer got in while the first held BEGIN IMMEDIATE")
