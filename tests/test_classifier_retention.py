"""Labelled examples follow retention: an incident's go with its text, 「報告ではない」 ones after their period."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.ports import Actor, ReportInput
from bot.triage.audit import verify_database
from bot.triage.classifier_model import Thresholds
from bot.triage.classifier_retention import PURGE_EVENT, purge_unlinked_examples
from bot.triage.classify import Classifier
from bot.triage.retention import RetentionPolicy, run_retention
from bot.triage.service import Triage
from bot.wiring import Runtime
from storage.models import ClassifierExample, TimelineEvent
from tests.conftest import PR, STAFF

REPORTER = Actor(STAFF, "山田 花子", "test")
PR_ACTOR = Actor(PR, "広報", "test")
ALL_UNSURE = Thresholds(report=1.01, chatter=0.0)
POLICY = RetentionPolicy(default_days=30, by_kind={}, unlinked_examples_days=30)


def _unsure(runtime: Runtime) -> Triage:
    classifier = Classifier(runtime.triage.deps.classifier.model, ALL_UNSURE)
    return Triage(dataclasses.replace(runtime.triage.deps, classifier=classifier))


def _examples(runtime: Runtime) -> list[ClassifierExample]:
    with runtime.triage.deps.sessions.begin() as session:
        rows = session.execute(select(ClassifierExample).order_by(ClassifierExample.id)).scalars().all()
        session.expunge_all()
        return list(rows)


def _decline(runtime: Runtime, text: str, key: str) -> None:
    outcome = _unsure(runtime).incidents.answer(ReportInput(text, REPORTER, idempotency_key=key), None)
    assert outcome.incident is None and outcome.messages


def _purge_events(runtime: Runtime) -> list[TimelineEvent]:
    with runtime.triage.deps.sessions.begin() as session:
        rows = session.execute(select(TimelineEvent).where(TimelineEvent.type == PURGE_EVENT)).scalars().all()
        session.expunge_all()
        return list(rows)


def test_not_a_report_examples_go_after_their_period_with_one_event(runtime: Runtime, clock: FixedClock) -> None:
    _decline(runtime, "来週の研修で炎上対応を扱います（講師は山田さん）", "Ev-old")
    clock.advance(days=10)
    _decline(runtime, "課内の飲み会の出欠です", "Ev-new")
    deps = runtime.triage.deps
    # 25 days after the first: nothing is past 30 days yet
    assert run_retention(deps, POLICY, clock.now() + timedelta(days=15)).examples_purged == 0
    later = clock.now() + timedelta(days=25)  # the first is 35 days old, the second 25
    dry = run_retention(deps, POLICY, later, dry_run=True)
    assert dry.examples_purged == 1 and all(e.text for e in _examples(runtime)) and not _purge_events(runtime)
    report = run_retention(deps, POLICY, later)
    assert report.examples_purged == 1
    old, new = _examples(runtime)
    assert old.text is None and old.erased_at is not None and (old.kind, old.source) == ("none", "not_a_report")
    assert new.text == "課内の飲み会の出欠です" and new.erased_at is None
    [event] = _purge_events(runtime)
    assert event.incident_id is None and event.data["count"] == 1 and "研修" not in str(event.data)
    assert run_retention(deps, POLICY, later).examples_purged == 0  # nothing left to purge: no second event
    assert len(_purge_events(runtime)) == 1
    assert verify_database(deps, POLICY).ok


def test_examples_of_an_incident_wait_for_the_incident(runtime: Runtime, clock: FixedClock) -> None:
    triage = runtime.triage
    opened = triage.incidents.report(ReportInput("住民の氏名と住所が載った名簿を誤って公開しました", REPORTER,
                                                 kind_hint="misinformation"))
    # A 名簿 said to be published restricts the report whatever its kind (session 19): PR corrects the kind.
    assert opened.incident is not None and opened.incident.restricted
    incident_id = opened.incident.id
    triage.incidents.correct_kind(incident_id, "leak", PR_ACTOR)
    [example] = _examples(runtime)
    assert example.restricted and example.incident_id == incident_id
    # Years later, still open: the unlinked-example period does not touch an incident's (restricted) example.
    far = clock.now() + timedelta(days=4000)
    report = run_retention(runtime.triage.deps, POLICY, far)
    assert report.examples_purged == 0 and not report.erased
    assert _examples(runtime)[0].text is not None
    for target in ("resolved", "closed"):
        triage.incidents.change_status(incident_id, target, PR_ACTOR)
    report = run_retention(runtime.triage.deps, POLICY, clock.now() + timedelta(days=31))
    assert [e.incident_id for e in report.erased] == [incident_id]
    assert report.erased[0].counts["classifier_examples"] == 1
    assert _examples(runtime)[0].text is None


def test_no_period_keeps_them(runtime: Runtime, clock: FixedClock) -> None:
    _decline(runtime, "会議室Bの鍵はどこですか", "Ev-keep")
    deps = runtime.triage.deps
    assert purge_unlinked_examples(deps, None, clock.now() + timedelta(days=9999)) == 0
    assert purge_unlinked_examples(deps, 0, clock.now() + timedelta(days=9999)) == 0
    keep = dataclasses.replace(POLICY, unlinked_examples_days=None)
    assert run_retention(deps, keep, clock.now() + timedelta(days=9999)).examples_purged == 0
    assert _examples(runtime)[0].text == "会議室Bの鍵はどこですか"


def test_policy_reads_app_yaml(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, retention={"unlinked_examples_days": 90})
    assert RetentionPolicy.from_settings(runtime.settings.file.retention).unlinked_examples_days == 90
    default = runtime_factory(sqlite_url)
    assert RetentionPolicy.from_settings(default.settings.file.retention).unlinked_examples_days == 365


def test_cli_purges_examples(runtime_factory: Callable[..., Runtime], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.main import run
    from tests.conftest import REPO

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    config = tmp_path / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text(encoding="utf-8") + "\nretention:\n  unlinked_examples_days: 1\n",
                      encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", db)
    runtime = runtime_factory(db)  # its clock (FixedClock, November 2026) is in the past of the command's real one
    _decline(runtime, "年末の当番表です", "Ev-cli")

    def cli(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        code = run(["--config", str(config), "classify", *argv], stdin=io.StringIO(), stdout=out,
                   stderr=io.StringIO())
        return code, out.getvalue()

    expected = ("「報告ではない」と回答された判定例のうち、保存期間（1 日）を過ぎた 1 件が消去の対象です"
                "（--dry-run のため消去していません）。\n")
    assert cli("--purge-examples", "--dry-run") == (0, expected)
    assert _examples(runtime)[0].text == "年末の当番表です"
    code, out = cli("--purge-examples")
    assert code == 0 and "1 件の本文を消去しました" in out
    assert _examples(runtime)[0].text is None
    assert "保存期間（1 日）を過ぎた 0 件" in cli("--purge-examples")[1]
