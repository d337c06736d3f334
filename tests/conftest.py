"""Shared fixtures: a runtime on a fresh database (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.clock import JST, FixedClock
from bot.config import FileSettings, Secrets, Settings, parse_file_settings
from bot.triage.playbook import PlaybookLibrary, load_library
from bot.triage.profiles import Profile, load_profiles
from bot.wiring import Runtime, build_runtime
from storage.db import make_engine

REPO = Path(__file__).resolve().parent.parent
PR = "slack:U_PR"
SECURITY = "slack:U_SEC"
STAFF = "slack:U_STAFF"
OTHER = "slack:U_OTHER"


PG_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL copy of a database test"
PG_SKIP_NOTE = ("PostgreSQL: TEST_DATABASE_URL is not set, so the PostgreSQL copies of the database tests are "
                "skipped (each also runs on SQLite). Run them with TEST_DATABASE_URL=postgresql://USER@HOST/DB.")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip PostgreSQL-parametrised tests when no TEST_DATABASE_URL is given."""
    if os.environ.get("TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason=PG_SKIP_REASON)
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front why the PostgreSQL tests will be skipped (shown without -q)."""
    return "PostgreSQL: " + (f"tests run on {os.environ['TEST_DATABASE_URL'].split('@')[-1]}"
                             if os.environ.get("TEST_DATABASE_URL") else "skipped (TEST_DATABASE_URL not set)")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Explain the PostgreSQL skips in the output, also under -q (the default addopts)."""
    skipped = terminalreporter.stats.get("skipped", [])
    count = sum(1 for report in skipped if PG_SKIP_REASON in str(getattr(report, "longrepr", "")))
    if count:
        terminalreporter.write_line(f"{count} skipped: {PG_SKIP_NOTE}")


@pytest.fixture
def clock() -> FixedClock:
    """A Wednesday morning in Tokyo, inside office hours."""
    return FixedClock(datetime(2026, 11, 18, 10, 0, tzinfo=JST))


def _postgres_url() -> str:
    return os.environ["TEST_DATABASE_URL"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test (a private schema on PostgreSQL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file for tests that only need the default database."""
    return f"sqlite:///{tmp_path / 'test.db'}"


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for tests: PR and security members set, the repository's playbooks."""
    data: dict[str, Any] = {
        "profile": "asahikawa",
        "access": {"pr_members": [PR], "security_officers": [SECURITY]},
        "escalation": {"levels": [
            {"section": "pr_section", "after_minutes": 30, "mention": "S_PR"},
            {"section": "department_head", "after_minutes": 60, "mention": "U_HEAD"},
        ]},
    }
    data.update(overrides)
    file_settings = parse_file_settings(data, "test-app.yaml")
    return Settings(source="test-app.yaml", file=file_settings, database_url=database_url,
                    playbooks_dir=REPO / "playbooks", secrets=Secrets())


@pytest.fixture
def runtime_factory(clock: FixedClock) -> Iterator[Callable[..., Runtime]]:
    """Build runtimes on a database; all are closed after the test."""
    made: list[Runtime] = []

    def factory(database_url: str, **overrides: Any) -> Runtime:
        runtime = build_runtime(make_settings(database_url, **overrides), clock=clock)
        made.append(runtime)
        return runtime

    yield factory
    for runtime in made:
        runtime.close()


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], database_url: str) -> Runtime:
    """A runtime on a fresh database (SQLite, and PostgreSQL when configured)."""
    return runtime_factory(database_url)


__all__ = ["FileSettings", "PR", "SECURITY", "STAFF", "OTHER", "make_settings"]


@pytest.fixture(scope="module")
def profiles() -> dict[str, Profile]:
    """The built-in municipality profiles, as shipped."""
    return load_profiles(Path(__file__).resolve().parents[1] / "playbooks" / "profiles")


@pytest.fixture(scope="module")
def library(profiles: dict[str, Profile]) -> PlaybookLibrary:
    """The shipped playbooks, loaded against the built-in profiles."""
    return load_library(Path(__file__).resolve().parents[1] / "playbooks", profiles)
