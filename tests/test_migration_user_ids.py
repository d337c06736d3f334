"""Migration 0006: a database made before user ids were namespaced (0004) with Slack and Teams rows is upgraded;
the tables carry "slack:…"/"teams:…", the hashed timeline is untouched, and `timeline verify` still passes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, text, update

from bot.clock import FixedClock
from bot.main import run
from bot.ports import Actor, ConversationRef, ReportInput
from bot.triage.access import AccessPolicy
from bot.triage.audit import verify_database
from bot.triage.service import Triage
from bot.wiring import Runtime, build_runtime
from storage.db import alembic_config, make_engine
from storage.models import ClassifierExample, Incident, IncidentActor, IncidentReporter, StepState, TimelineEvent
from tests.conftest import REPO, make_settings

# Ids as the adapters stored them before 0006: Slack's own, Teams' own (a Bot Framework id and an AAD object id).
SLACK_REPORTER = Actor("U0STAFF01", "山田 花子", "slack")
SLACK_CO = Actor("U0OTHER01", "佐藤 一郎", "slack")
SLACK_PR = Actor("U0PRMEM01", "広報 太郎", "slack")
TEAMS_REPORTER = Actor("29:staff-0001", "田中 次郎", "teams")
TEAMS_CO = Actor("aad-other-0001", "鈴木 三郎", "teams")
TEAMS_PR = Actor("aad-pr-0001", "広報 花子", "teams")
SLACK_URL = "https://x.com/city_example/status/6001"
TEAMS_URL = "https://x.com/city_example/status/6002"
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {url}"


@pytest.fixture
def old_database(database_url: str, clock: FixedClock) -> Iterator[tuple[Runtime, Engine]]:
    """A database at 0004 and the core as it ran then (raw ids in the access policy)."""
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0004_security_events")
    IncidentActor.__table__.create(engine)  # today's core keeps colleagues' names: dropped before the upgrade
    runtime = build_runtime(make_settings(database_url), clock=clock, engine=engine, run_migrations=False)
    yield runtime, engine
    runtime.close()


def _upgrade(engine: Engine) -> None:
    """To head, as a database of that time: without the names table a later migration (0008) creates."""
    IncidentActor.__table__.drop(engine)
    command.upgrade(alembic_config(engine), "head")


def _old_core(runtime: Runtime) -> Triage:
    policy = AccessPolicy(pr_members=frozenset({SLACK_PR.user_id, TEAMS_PR.user_id}))
    return Triage(replace(runtime.triage.deps, access=policy))


def _incident(core: Triage, reporter: Actor, co: Actor, pr: Actor, url: str, where: ConversationRef) -> int:
    outcome = core.incidents.report(ReportInput(FLAMING.format(url=url), reporter, conversation=where,
                                                explicit=True))
    assert outcome.incident is not None
    incident_id = outcome.incident.id
    core.incidents.report(ReportInput(FLAMING.format(url=url) + " 再掲", co, conversation=where, explicit=True))
    core.incidents.correct_kind(incident_id, "misinformation", reporter)  # a classifier example with its actor
    core.incidents.acknowledge(incident_id, pr)
    step = core.steps.current(incident_id, reporter.user_id)
    assert step is not None
    core.steps.complete(incident_id, step.step_id, reporter, skip=True)
    return incident_id


def _rows(engine: Engine, model: type, column: str) -> list[str]:
    with engine.connect() as connection:
        return sorted(str(v) for v in connection.execute(select(getattr(model, column))).scalars())


def test_upgrade_from_0004_namespaces_every_user_id_and_verify_still_passes(
        old_database: tuple[Runtime, Engine], database_url: str) -> None:
    runtime, engine = old_database
    core = _old_core(runtime)
    slack = _incident(core, SLACK_REPORTER, SLACK_CO, SLACK_PR, SLACK_URL,
                      ConversationRef("slack", "C0REPORT1", "1700000000.000100"))
    teams = _incident(core, TEAMS_REPORTER, TEAMS_CO, TEAMS_PR, TEAMS_URL,
                      ConversationRef("teams", "19:report@thread.tacv2", "1700000000001"))
    before = verify_database(runtime.triage.deps)
    assert before.ok, before.problem_lines()
    events_before = _rows(engine, TimelineEvent, "actor")

    _upgrade(engine)

    assert _rows(engine, Incident, "reporter_id") == ["slack:U0STAFF01", "teams:29:staff-0001"]
    assert _rows(engine, IncidentReporter, "user_id") == [
        "slack:U0OTHER01", "slack:U0STAFF01", "teams:29:staff-0001", "teams:aad-other-0001"]
    assert set(_rows(engine, StepState, "actor")) == {"slack:U0STAFF01", "teams:29:staff-0001"}
    assert set(_rows(engine, ClassifierExample, "actor")) == {"slack:U0STAFF01", "teams:29:staff-0001"}
    assert _rows(engine, TimelineEvent, "actor") == events_before  # hashed events are never rewritten
    after = verify_database(runtime.triage.deps)
    assert after.ok, after.problem_lines()
    assert after.chain.head_hash == before.chain.head_hash

    with runtime.triage.deps.sessions.begin() as session:  # the rule followed each incident's platform
        platforms = {row.id: row.conversation_platform for row in session.execute(select(Incident)).scalars()}
    assert platforms == {slack: "slack", teams: "teams"}


def test_the_check_still_finds_a_reporter_swapped_for_another_platforms_user(
        old_database: tuple[Runtime, Engine]) -> None:
    runtime, engine = old_database
    core = _old_core(runtime)
    slack = _incident(core, SLACK_REPORTER, SLACK_CO, SLACK_PR, SLACK_URL,
                      ConversationRef("slack", "C0REPORT1", "1700000000.000100"))
    _upgrade(engine)
    with engine.begin() as connection:  # someone edits the table: the Slack co-reporter becomes a Teams user
        connection.execute(update(IncidentReporter).where(IncidentReporter.incident_id == slack,
                                                          IncidentReporter.user_id == "slack:U0OTHER01")
                           .values(user_id="teams:U0OTHER01"))
    report = verify_database(runtime.triage.deps)
    assert report.chain.ok and not report.ok
    assert any("incident_reporters" in line for line in report.problem_lines())


def test_downgrade_strips_the_prefixes_again(old_database: tuple[Runtime, Engine]) -> None:
    runtime, engine = old_database
    core = _old_core(runtime)
    _incident(core, TEAMS_REPORTER, TEAMS_CO, TEAMS_PR, TEAMS_URL,
              ConversationRef("teams", "19:report@thread.tacv2", "1700000000001"))
    config = alembic_config(engine)
    _upgrade(engine)
    command.downgrade(config, "0004_security_events")
    assert _rows(engine, Incident, "reporter_id") == ["29:staff-0001"]
    assert verify_database(runtime.triage.deps).ok


def test_timeline_verify_command_passes_after_the_upgrade(old_database: tuple[Runtime, Engine], tmp_path: Path,
                                                          database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime, engine = old_database
    core = _old_core(runtime)
    _incident(core, SLACK_REPORTER, SLACK_CO, SLACK_PR, SLACK_URL,
              ConversationRef("slack", "C0REPORT1", "1700000000.000100"))
    _incident(core, TEAMS_REPORTER, TEAMS_CO, TEAMS_PR, TEAMS_URL,
              ConversationRef("teams", "19:report@thread.tacv2", "1700000000001"))
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump({"profile": "asahikawa", "playbooks_dir": str(REPO / "playbooks"),
                                      "access": {"pr_members": ["slack:U0PRMEM01", "teams:aad-pr-0001"]}}),
                      encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    IncidentActor.__table__.drop(engine)  # as a database of that time (the command migrates it to the head)
    out = io.StringIO()
    assert run(["timeline", "verify", "--config", str(config)], stdout=out, stderr=out) == 0, out.getvalue()
    with engine.connect() as connection:  # the command migrated the database on start-up
        # Migrated to the head, whatever later revisions follow 0006.
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == \
            ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
