"""Engine and session factory; SQLite by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.timeline import write_head

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _normalise_url(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


# How long one transaction waits for another SQLite writer. Short on purpose: core.transaction() tries three
# times, so a user hears "一時的に保存できません" within about Slack's 3 s instead of after 45 s (docs/operations.md).
# A writer of this process waits this long for the in-process lock; only a writer of another process on the same
# file (a second bot, the CLI) can add SQLite's own wait of the same length.
SQLITE_BUSY_SECONDS = 1.0
# Execution option for a read-only transaction: on SQLite it reads a snapshot and holds no write lock.
SNAPSHOT_OPTION = "incident_bot_snapshot"
# A PostgreSQL that does not answer (host down, network cut) fails a connection attempt after this long.
PG_CONNECT_TIMEOUT_SECONDS = 5


class WriterConnection(sqlite3.Connection):
    """An SQLite connection whose BEGIN IMMEDIATE first takes the engine's in-process writer lock, given back once
    the transaction ends (commit, rollback, close).

    SQLite's busy handler sleep-polls (1, 2, 5 … 100 ms) while another connection writes; writers of one process
    queue on a lock instead and start the moment the previous one commits. Other processes still meet SQLite's
    own lock and busy timeout."""

    writer: threading.Lock | None = None
    holds = False

    def take_writer(self, seconds: float) -> bool:
        """Wait for the writer lock (False after `seconds`: the database counts as locked)."""
        if self.writer is None or self.holds:
            return True
        self.holds = self.writer.acquire(timeout=seconds)
        return self.holds

    def give_writer(self) -> None:
        """Give the writer lock back, if this connection holds it."""
        if self.holds and self.writer is not None:
            self.holds = False
            self.writer.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_writer()


def make_sqlite_folder(url: str) -> None:
    """The folder of a SQLite file made if missing, as SQLite makes the file: a new data/ folder is what is meant
    (one that cannot be made is left to the opening's own message)."""
    parsed = make_url(_normalise_url(url))
    name = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and name and name != ":memory:" and not name.startswith("file:"):
        with contextlib.suppress(OSError):
            Path(name).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, *, sqlite_busy_seconds: float = SQLITE_BUSY_SECONDS, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE writers that queue on an in-process
    lock (WriterConnection); PostgreSQL gets pool_pre_ping (a connection broken by a database restart is replaced,
    not handed out) and a connect timeout."""
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        busy_ms = int(sqlite_busy_seconds * 1000)
        on_disk = ":memory:" not in url and url != "sqlite://"
        writer = threading.Lock()  # one per engine: the writers of this process
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_seconds, "check_same_thread": False,
                                                  "factory": WriterConnection}, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy emit BEGIN itself so it can be IMMEDIATE (one writer at a time, no upgrade deadlock).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if on_disk:
                cursor.execute("PRAGMA journal_mode=WAL")
                if isinstance(dbapi_connection, WriterConnection):  # an in-memory database has one connection
                    dbapi_connection.writer = writer
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            # A long read (verify, audit) takes a WAL snapshot instead of the write lock, so it never makes a
            # user's write wait past the busy timeout.
            if connection.get_execution_options().get(SNAPSHOT_OPTION):
                connection.exec_driver_sql("BEGIN")
                return
            dbapi = connection.connection.dbapi_connection
            if not isinstance(dbapi, WriterConnection):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            if not dbapi.take_writer(sqlite_busy_seconds):
                # As SQLite says it, so retries, messages and logs treat both waits alike.
                raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
            try:
                # On the DBAPI connection: SQLAlchemy's execution path (events, result setup) costs ~11 µs per
                # transaction for a statement that returns nothing; its error is wrapped as SQLAlchemy would.
                dbapi.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                dbapi.give_writer()
                raise DBAPIError.instance("BEGIN IMMEDIATE", None, exc, sqlite3.Error) from exc
            except BaseException:
                dbapi.give_writer()
                raise

        return engine
    if url.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS, **kwargs.get("connect_args", {})}
    return create_engine(url, pool_pre_ping=True, **kwargs)


def read_snapshot(session: Session) -> None:
    """Make the session's next transaction a consistent read-only snapshot (call before its first query)."""
    if session.get_bind().dialect.name == "postgresql":
        # One snapshot for every batch: events committed meanwhile are neither half-seen nor "missing".
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        session.connection(execution_options={SNAPSHOT_OPTION: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (views are built after the transaction) and store the
    timeline's chain head once per transaction, before it commits."""
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "before_commit", write_head)
    return factory


def alembic_config(engine: Engine) -> AlembicConfig:
    """Alembic configuration pointing at our migrations and this engine."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision."""
    command.upgrade(alembic_config(engine), "head")
