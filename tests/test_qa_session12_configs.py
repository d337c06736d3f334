"""Session 12 config walk (docs/qa/session12_walk_config.md): an upgrade from an older release, app.yaml values as
operators type them, the environment, and `check` for each platform. Each test failed before its fix."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, select, update

from bot.clock import FixedClock
from bot.main import run
from bot.ports import Actor, ReportInput
from bot.triage.audit import verify_database
from bot.wiring import Runtime, build_runtime
from storage.db import alembic_config, make_engine
from storage.models import Incident
from tests.conftest import PR, STAFF, make_settings

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/city/status/{n}"


@pytest.fixture
def at_0008(database_url: str, clock: FixedClock) -> Iterator[tuple[Runtime, Engine]]:
    """A database at revision 0008 (before 0009) and the core on it."""
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0008_incident_actors")
    runtime = build_runtime(make_settings(database_url), clock=clock, engine=engine, run_migrations=False)
    yield runtime, engine
    runtime.close()


def _acknowledged(runtime: Runtime, n: int) -> int:
    core = runtime.triage
    outcome = core.incidents.report(ReportInput(FLAMING.format(n=n), Actor(STAFF, "担当 山田", "slack"),
                                                explicit=True))
    assert outcome.incident is not None
    core.incidents.acknowledge(outcome.incident.id, Actor(PR, "広報 佐藤", "slack"))
    return outcome.incident.id


def _shift_ack(engine: Engine, incident_id: int, delta: timedelta) -> None:
    with engine.begin() as connection:
        at = connection.execute(select(Incident.acknowledged_at).where(Incident.id == incident_id)).scalar_one()
        connection.execute(update(Incident).where(Incident.id == incident_id).values(acknowledged_at=at - delta))


def test_upgrade_keeps_verify_clean_for_incidents_acknowledged_under_an_old_release(
        at_0008: tuple[Runtime, Engine]) -> None:
    # Before ced7c13 the column and the event read the clock separately (microseconds apart): after an upgrade
    # every such incident was reported as tampered with (「incidents.acknowledged_* … 一致しません」).
    runtime, engine = at_0008
    old = _acknowledged(runtime, 1)
    _shift_ack(engine, old, timedelta(microseconds=32))
    assert not verify_database(runtime.triage.deps).ok  # what 0008 leaves

    command.upgrade(alembic_config(engine), "head")

    report = verify_database(runtime.triage.deps)
    assert report.ok, report.problem_lines()


def test_upgrade_still_leaves_a_real_change_of_the_ack_time_for_verify(at_0008: tuple[Runtime, Engine]) -> None:
    runtime, engine = at_0008
    edited = _acknowledged(runtime, 2)
    _shift_ack(engine, edited, timedelta(minutes=5))  # someone moved the acknowledgement time

    command.upgrade(alembic_config(engine), "head")

    report = verify_database(runtime.triage.deps)
    assert not report.ok
    assert any("acknowledged" in line for line in report.problem_lines())


def _run(args: list[str], tmp_path: Path, env: dict[str, str] | None = None,
         monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str]:
    if monkeypatch is not None:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
    out = io.StringIO()
    code = run(args, stdout=out, stderr=out)
    return code, out.getvalue()


def test_a_second_server_on_one_sqlite_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/operations.md: SQLite is for one instance. A second `serve` started silently and, on SQLite, takes over
    # posts claimed before it started as a dead process's: the first instance's notices could be posted twice.
    import threading

    import bot.adapters.slack.cli as slack_cli

    (tmp_path / "app.yaml").write_text("profile: asahikawa\n", encoding="utf-8")
    first_running, stop_first = threading.Event(), threading.Event()
    started: list[str] = []

    def fake_serve(runtime: Runtime, args: object, stdout: object) -> int:
        started.append("serve")
        if len(started) == 1:
            first_running.set()
            stop_first.wait(30)
        return 0

    monkeypatch.setattr(slack_cli, "serve", fake_serve)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = str(tmp_path / "app.yaml")
    first = threading.Thread(target=run, args=(["serve", "--config", config],),
                             kwargs={"stdout": io.StringIO(), "stderr": io.StringIO()})
    first.start()
    try:
        assert first_running.wait(30)
        out = io.StringIO()
        code = run(["serve", "--config", config, "--port", "3999"], stdout=out, stderr=out)
    finally:
        stop_first.set()
        first.join(30)
    assert code == 2 and started == ["serve"]
    assert "別の incident-bot のサーバー" in out.getvalue() and "PostgreSQL" in out.getvalue()
    assert str(tmp_path / "incident-bot.db") in out.getvalue()
    # Once the first has stopped, the server starts again (a restart is not refused).
    assert run(["serve", "--config", config], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert started == ["serve", "serve"]
