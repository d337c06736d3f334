"""Fixtures for the reliability tests: a killable fake Slack and a clock file. The database (`database_url`: a
SQLite file, and a private PostgreSQL schema when TEST_DATABASE_URL is set) comes from tests/conftest.py."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import make_engine
from tests.reliability.harness import ClockFile, KillSwitchSlack


@pytest.fixture
def fake() -> Iterator[KillSwitchSlack]:
    slack = KillSwitchSlack().start()
    yield slack
    slack.stop()


@pytest.fixture
def clock_file(tmp_path: Path) -> ClockFile:
    return ClockFile(tmp_path / "now.txt")


def create_pg_schema(prefix: str = "rel") -> str:
    """A new empty schema on TEST_DATABASE_URL; the URL that selects it (search_path), like tests/conftest.py."""
    base = os.environ["TEST_DATABASE_URL"]
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def drop_pg_schema(url: str) -> None:
    schema = url.rsplit("%3D", 1)[1]
    admin = make_engine(os.environ["TEST_DATABASE_URL"])
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A private PostgreSQL schema; the test is skipped without TEST_DATABASE_URL."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL not set (several instances need a shared PostgreSQL)")
    url = create_pg_schema()
    yield url
    drop_pg_schema(url)
