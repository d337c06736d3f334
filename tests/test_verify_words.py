"""`incident-bot timeline verify` says each kind of problem in the configured language; the English reason stays on
ChainProblem.problem for scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import delete

from bot.clock import FixedClock
from bot.i18n import Catalog
from bot.retention_cli import problem_text
from bot.wiring import Runtime
from storage.models import TimelineEvent
from storage.timeline import ChainProblem
from tests.test_qa_session6_records import _cli, _tamper
from tests.test_records import _config, walk

REPORT = "市の公式Xの投稿が炎上しています https://x.com/city/status/1"


def _kinds() -> set[str]:
    # Every kind storage/timeline.py can report, read from the source so a new kind without wording fails here.
    source = (Path(__file__).parents[1] / "storage" / "timeline.py").read_text(encoding="utf-8")
    return set(re.findall(r'ChainProblem\([^()]*?"[^"]*",\s*"(\w+)"', source, flags=re.S))


def test_every_kind_of_problem_has_words_in_both_languages() -> None:
    kinds = _kinds()
    assert {"missing", "payload_edited", "event_edited", "prev_hash", "head_hash"} <= kinds
    for locale in ("ja", "en"):
        cat = Catalog.load(locale)
        for kind in kinds:
            problem = ChainProblem(3, "english reason", kind, 7, 2)
            said = problem_text(cat, problem)
            assert said != "english reason" and "{" not in said, (locale, kind)
            if locale == "ja":
                assert re.search(r"[ぁ-んァ-ヶ一-龥]", said), (kind, said)


def test_a_kind_without_words_falls_back_to_the_english_reason() -> None:
    assert problem_text(Catalog.load("ja"), ChainProblem(3, "something new", "unheard_of")) == "something new"


def test_tampered_payload_is_said_in_japanese_and_the_reason_kept(runtime: Runtime, clock: FixedClock,
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.triage.audit import verify_database

    seq = _tamper(runtime, walk(runtime, clock, REPORT))
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", "verify")
    assert code == 1 and f"seq {seq}: 記録の内容が書き換えられています" in said
    [problem] = verify_database(runtime.triage.deps).chain.problems
    assert (problem.seq, problem.kind, problem.problem) == (seq, "payload_edited", "payload edited (digest mismatch)")


def test_english_is_selected_by_the_locale(runtime: Runtime, clock: FixedClock, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    seq = _tamper(runtime, walk(runtime, clock, REPORT))
    config = _config(runtime, tmp_path)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump({**data, "locale": "en"}, allow_unicode=True), encoding="utf-8")
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", "verify")
    assert code == 1 and f"seq {seq}: What the event recorded has been edited" in said
    assert "記録の内容" not in said


def test_a_deleted_event_is_said_deleted(runtime: Runtime, clock: FixedClock, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    incident_id = walk(runtime, clock, REPORT)
    with runtime.triage.deps.sessions.begin() as session:
        seq = session.query(TimelineEvent.seq).filter_by(incident_id=incident_id) \
            .order_by(TimelineEvent.seq).offset(1).limit(1).scalar()
        session.execute(delete(TimelineEvent).where(TimelineEvent.seq == seq))
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", "verify")
    assert code == 1 and f"seq {seq}: 記録が削除されています" in said
    assert "missing (deleted)" not in said


def _problem_keys() -> set[str]:
    # Every key the table and erasure checks word their problems with, read from the source (a new one without
    # wording fails here).
    root = Path(__file__).parents[1] / "bot" / "triage"
    source = "".join((root / name).read_text(encoding="utf-8") for name in ("state_check.py", "audit.py"))
    return set(re.findall(r'Problem\(\s*f?"[^"]*"(?:\s*f"[^"]*")*,\s*"(\w+)"', source))


def test_every_table_and_erasure_problem_has_words_in_both_languages() -> None:
    keys = _problem_keys()
    assert {"column", "erased_leftover", "erasure_unrecorded", "erased_open", "row_missing"} <= keys
    for locale in ("ja", "en"):
        cat = Catalog.load(locale)
        assert keys == {k.removeprefix("state_problem.") for k in cat.keys() if k.startswith("state_problem.")}
        for key in keys:
            assert f"state_problem.{key}" in cat.keys(), (locale, key)


def _erase_without_record(runtime: Runtime, incident_id: int, clock: FixedClock) -> None:
    from sqlalchemy import update

    from storage.models import Incident

    with runtime.triage.deps.sessions.begin() as session:  # someone hides an open incident from every view
        session.execute(update(Incident).where(Incident.id == incident_id).values(erased_at=clock.now(),
                                                                                   kind="impersonation"))


def test_table_and_erasure_problems_are_said_in_japanese(runtime: Runtime, clock: FixedClock, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    incident_id = walk(runtime, clock, REPORT)
    _erase_without_record(runtime, incident_id, clock)
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", "verify")
    ref = f"INC-{incident_id:04d}"
    assert code == 1 and f"{ref}: 消去済みですが、まだ個人情報が残っています（text" in said
    assert f"{ref}: 消去済みになっていますが、タイムラインに消去の記録がありません。" in said
    assert f"{ref}: incidents.kind が 'impersonation' ですが、タイムラインの記録では 'flaming' です。" in said
    assert "erased" not in said and "the timeline says" not in said


def test_table_and_erasure_problems_are_said_in_english_with_locale_en(runtime: Runtime, clock: FixedClock,
                                                                       tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    incident_id = walk(runtime, clock, REPORT)
    _erase_without_record(runtime, incident_id, clock)
    config = _config(runtime, tmp_path)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump({**data, "locale": "en"}, allow_unicode=True), encoding="utf-8")
    code, said = _cli(runtime, tmp_path, monkeypatch, "timeline", "verify")
    assert code == 1 and "marked erased, but no erasure is recorded on the timeline." in said
    assert "消去" not in said


def test_the_daily_audit_post_says_table_problems_in_japanese(runtime: Runtime, clock: FixedClock) -> None:
    from bot.triage.audit import Attestation, AuditResult, audit_lines, verify_database
    from bot.triage.retention import RetentionReport

    incident_id = walk(runtime, clock, REPORT)
    _erase_without_record(runtime, incident_id, clock)
    report = verify_database(runtime.triage.deps)
    assert not report.ok
    retention = RetentionReport(now=clock.now(), dry_run=True, due=(), erased=(), failed=(), waiting_to_close=())
    result = AuditResult(clock.now().date(), retention, Attestation(9, "f" * 64, clock.now(), report))
    body = "\n".join(audit_lines(result, runtime.triage.catalog))
    assert "消去済みになっていますが、タイムラインに消去の記録がありません。" in body and "erased" not in body
