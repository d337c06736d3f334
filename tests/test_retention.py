"""Retention: per-kind periods, erasure of personal data that keeps the hash chain verifiable, and tamper checks.

Incidents are made through the real core (report, steps, notes, resolve/close/decline/merge) under a FixedClock;
the clock then jumps past the configured periods.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from bot.clock import JST, FixedClock
from bot.config import ConfigError, RetentionSettings, parse_file_settings
from bot.main import run
from bot.ports import Actor, ReportInput
from bot.triage.audit import check_erasures, verify_database
from bot.triage.export import export_timeline
from bot.triage.retention import STATE_EVENTS, RetentionPolicy, run_retention
from bot.wiring import Runtime, build_runtime
from storage.models import Base, Incident, IncidentReporter, StepState, TimelineEvent
from storage.timeline import verify_chain
from tests.conftest import OTHER, PR, REPO, STAFF, make_settings
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "山田 花子", "test")
PR_OFFICER = Actor(PR, "広報 太郎", "test")
LEAK_URL = "https://www.facebook.com/asahikawa.fake/posts/99887766"
LEAK = f"市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです {LEAK_URL}"
NOTE = "投稿者の電話番号は 090-1234-5678 です"
SECRETS = ("山田 花子", "住所", LEAK_URL, "090-1234-5678", "asahikawa.fake")
RETENTION = {"default_days": 1827, "by_kind": {"leak": 30, "flaming": 365}}


def _flaming(n: int) -> str:
    return f"市の公式Xの投稿が炎上しています。批判が殺到 https://x.com/asahikawa_fake/status/{1000 + n}"


def _report(runtime: Runtime, text_: str, kind: str, reporter: Actor = REPORTER) -> int:
    outcome = runtime.triage.incidents.report(ReportInput(text_, reporter, kind_hint=kind))
    assert outcome.incident is not None and outcome.created
    return outcome.incident.id


def _answer_first_step(runtime: Runtime, incident_id: int) -> None:
    step = runtime.triage.steps.current(incident_id, STAFF)
    assert step is not None
    runtime.triage.steps.complete(incident_id, step.step_id, REPORTER, answers=answers_for(step, LEAK_URL))


def _close(runtime: Runtime, incident_id: int) -> None:
    runtime.triage.incidents.change_status(incident_id, "resolved", PR_OFFICER)
    runtime.triage.incidents.change_status(incident_id, "closed", PR_OFFICER)


def _seed(runtime: Runtime) -> dict[str, int]:
    """A closed leak with answers and a note, a closed flaming, an open one, a resolved one, a declined one."""
    ids = {"leak": _report(runtime, LEAK, "leak")}
    _answer_first_step(runtime, ids["leak"])
    runtime.triage.incidents.add_note(ids["leak"], REPORTER, NOTE)
    _close(runtime, ids["leak"])
    ids["flaming_closed"] = _report(runtime, _flaming(1), "flaming")
    _close(runtime, ids["flaming_closed"])
    ids["flaming_open"] = _report(runtime, _flaming(2), "flaming")
    ids["flaming_resolved"] = _report(runtime, _flaming(3), "flaming")
    runtime.triage.incidents.change_status(ids["flaming_resolved"], "resolved", PR_OFFICER)
    ids["declined"] = _report(runtime, "市のなりすましアカウントを発見 https://x.com/fake_city_9", "impersonation")
    runtime.triage.incidents.change_status(ids["declined"], "declined", PR_OFFICER, reason="訓練の投稿のため")
    return ids


def _rows_text(runtime: Runtime, incident_id: int) -> str:
    """Every column of every row that belongs to the incident, as text."""
    parts = []
    with runtime.engine.connect() as conn:
        for table, column in (("incidents", "id"), ("incident_reporters", "incident_id"),
                              ("step_states", "incident_id"), ("timeline_events", "incident_id")):
            rows = Base.metadata.tables[table]
            parts += [repr(tuple(row)) for row in conn.execute(select(rows).where(rows.c[column] == incident_id))]
    return "\n".join(parts)


def _event_types(runtime: Runtime) -> list[str]:
    with runtime.triage.deps.sessions.begin() as session:
        return list(session.execute(select(TimelineEvent.type).order_by(TimelineEvent.seq)).scalars())


@pytest.fixture
def seeded(runtime_factory: Callable[..., Runtime], database_url: str, clock: FixedClock
           ) -> tuple[Runtime, dict[str, int]]:
    runtime = runtime_factory(database_url, retention=RETENTION)
    ids = _seed(runtime)
    assert all(secret in _rows_text(runtime, ids["leak"]) for secret in SECRETS)  # the test sees real data
    return runtime, ids


def _policy(runtime: Runtime) -> RetentionPolicy:
    return RetentionPolicy.from_settings(runtime.settings.file.retention)


# -- the rule -------------------------------------------------------------------------------------------------
def test_expiry_per_kind_and_never_open(seeded: tuple[Runtime, dict[str, int]], clock: FixedClock) -> None:
    runtime, ids = seeded
    deps, policy = runtime.triage.deps, _policy(runtime)
    clock.advance(days=29, hours=23)
    assert run_retention(deps, policy).due == ()
    clock.advance(hours=1)  # 30 days after the leak was closed
    report = run_retention(deps, policy)
    assert [e.incident_id for e in report.erased] == [ids["leak"]]
    clock.advance(days=365)  # flaming (365 days) is due now; the declined impersonation (1827) is not
    report = run_retention(deps, policy)
    assert [e.incident_id for e in report.erased] == [ids["flaming_closed"]]
    assert [d.incident_id for d in report.waiting_to_close] == [ids["flaming_resolved"]]
    clock.advance(days=1827)
    report = run_retention(deps, policy)
    assert [e.incident_id for e in report.erased] == [ids["declined"]]
    clock.advance(days=36500)  # a century later, the open and the resolved incident still hold their data
    assert run_retention(deps, policy).erased == ()
    with deps.sessions.begin() as session:
        kept = {i.id: i for i in session.execute(select(Incident)).scalars()}
    assert kept[ids["flaming_open"]].erased_at is None and kept[ids["flaming_open"]].text == _flaming(2)
    assert kept[ids["flaming_resolved"]].erased_at is None and kept[ids["flaming_resolved"]].text == _flaming(3)
    with deps.sessions.begin() as session:
        assert verify_chain(session).ok


def test_keep_forever_with_null_or_zero(runtime_factory: Callable[..., Runtime], database_url: str,
                                        clock: FixedClock) -> None:
    runtime = runtime_factory(database_url, retention={"default_days": None, "by_kind": {"leak": 0}})
    ids = _seed(runtime)
    clock.advance(days=36500)
    report = run_retention(runtime.triage.deps, _policy(runtime))
    assert report.due == () and report.erased == () and report.waiting_to_close == ()
    assert all(secret in _rows_text(runtime, ids["leak"]) for secret in SECRETS)


def test_policy_arithmetic_and_fiscal_year_counting() -> None:
    policy = RetentionPolicy.from_settings(RetentionSettings(default_days=10, by_kind={"leak": 0, "flaming": 3}))
    ended = datetime(2026, 3, 15, 12, 0, tzinfo=JST)
    assert policy.days_for("leak") is None and policy.expires_at("leak", ended) is None
    assert policy.expires_at("flaming", ended) == ended + timedelta(days=3)
    assert policy.expires_at("impersonation", ended) == ended + timedelta(days=10)
    fiscal = RetentionPolicy.from_settings(RetentionSettings(default_days=1827, count_from="next_fiscal_year"))
    assert fiscal.counting_start(ended) == datetime(2026, 4, 1, tzinfo=JST)
    # 31 March 20:00 UTC is already 1 April in Tokyo: the next fiscal year's incident counts from 2027-04-01.
    assert fiscal.counting_start(datetime(2026, 3, 31, 20, 0, tzinfo=UTC)) == datetime(2027, 4, 1, tzinfo=JST)
    # 1827 days is at least five years whichever leap years fall inside (here one: a day more than five years).
    assert fiscal.expires_at("leak", ended) == datetime(2031, 4, 2, tzinfo=JST)
    assert RetentionPolicy.from_settings(RetentionSettings()).days_for("leak") == 1827  # the documented default


def test_merged_report_is_kept_while_its_target_is_open(runtime_factory: Callable[..., Runtime], database_url: str,
                                                        clock: FixedClock) -> None:
    runtime = runtime_factory(database_url, retention={"default_days": 30})
    target = _report(runtime, _flaming(1), "flaming")
    source = _report(runtime, _flaming(2), "flaming", Actor(OTHER, "佐藤 一郎", "test"))
    runtime.triage.incidents.merge(source, target, PR_OFFICER)
    clock.advance(days=100)
    deps, policy = runtime.triage.deps, _policy(runtime)
    assert run_retention(deps, policy).due == ()  # the merged report's own 30 days are long past
    _close(runtime, target)
    clock.advance(days=30)
    report = run_retention(deps, policy)
    assert sorted(e.incident_id for e in report.erased) == sorted([target, source])
    assert "佐藤 一郎" not in _rows_text(runtime, target) + _rows_text(runtime, source)


# -- what erasure removes and keeps ------------------------------------------------------------------------------
def test_erased_incident_loses_personal_data_everywhere_but_the_chain_verifies(
        seeded: tuple[Runtime, dict[str, int]], clock: FixedClock) -> None:
    runtime, ids = seeded
    leak = ids["leak"]
    with runtime.triage.deps.sessions.begin() as session:
        hashes_before = list(session.execute(select(TimelineEvent.seq, TimelineEvent.payload_digest,
                                                    TimelineEvent.prev_hash, TimelineEvent.hash)
                                             .order_by(TimelineEvent.seq)))
    clock.advance(days=31)
    report = run_retention(runtime.triage.deps, _policy(runtime))
    [erasure] = report.erased
    assert erasure.counts["timeline_events"] >= 3 and erasure.counts["step_states"] == 1
    assert erasure.counts["reporters"] == 1 and erasure.counts["fields"] == 3  # text, source_url, reporter_name
    # Database rows.
    dump = _rows_text(runtime, leak)
    assert not [secret for secret in SECRETS if secret in dump]
    with runtime.triage.deps.sessions.begin() as session:
        incident = session.get(Incident, leak)
        assert incident is not None and incident.erased_at == clock.now()
        assert incident.text is None and incident.source_url is None and incident.reporter_name == ""
        assert incident.kind == "leak" and incident.status == "closed" and incident.reporter_id == STAFF
        assert [r.name for r in session.execute(select(IncidentReporter).where(
            IncidentReporter.incident_id == leak)).scalars()] == [""]
        assert [s.answers for s in session.execute(select(StepState).where(
            StepState.incident_id == leak)).scalars()] == [{}]
        events = session.execute(select(TimelineEvent).where(TimelineEvent.incident_id == leak)
                                 .order_by(TimelineEvent.seq)).scalars().all()
        # Events that can carry personal data are blanked; state events (ids, statuses, kinds) stay checkable.
        blanked = [e for e in events[:-1] if e.type not in STATE_EVENTS]
        assert blanked and all(e.erased for e in blanked)
        assert all(e.old_value is None and e.new_value is None and e.data == {} for e in blanked)
        assert not [e.seq for e in events[:-1] if e.type in STATE_EVENTS and e.erased]
        last = events[-1]
        assert (last.type, last.actor, last.erased) == ("erased", "retention", False)
        assert {k: last.data[k] for k in erasure.counts} == dict(erasure.counts)
        assert last.data["seqs"] == [e.seq for e in blanked]
        assert last.data["state"]["status"] == "closed" and last.data["state"]["reporters"] == {STAFF: True}
        # Digests and hashes untouched: the chain verifies end to end.
        after = {row.seq: tuple(row) for row in session.execute(select(
            TimelineEvent.seq, TimelineEvent.payload_digest, TimelineEvent.prev_hash, TimelineEvent.hash))}
        assert all(after[row.seq] == tuple(row) for row in hashes_before)
        assert verify_chain(session).ok
    assert verify_database(runtime.triage.deps).ok
    # Views and exports, for the operator and for the reporter.
    queries = runtime.triage.queries
    for viewer in (None, STAFF, PR):
        view = queries.view(leak, viewer)
        assert view.text is None and view.source_url is None
        entries = queries.timeline(leak, viewer)
        for fmt in ("md", "csv", "json"):
            exported = export_timeline(view, entries, fmt, runtime.triage.catalog)
            assert not [secret for secret in SECRETS if secret in exported], fmt
    listed = [v for v in queries.list(None) if v.id == leak]
    assert listed and listed[0].text is None and listed[0].source_url is None
    # Other incidents keep their data.
    assert _flaming(1) in _rows_text(runtime, ids["flaming_closed"])


def test_second_run_erases_nothing_new_then_only_what_was_added(seeded: tuple[Runtime, dict[str, int]],
                                                                 clock: FixedClock) -> None:
    runtime, ids = seeded
    deps, policy = runtime.triage.deps, _policy(runtime)
    clock.advance(days=31)
    assert len(run_retention(deps, policy).erased) == 1
    events = _event_types(runtime)
    again = run_retention(deps, policy)
    assert again.erased == () and again.due == () and _event_types(runtime) == events
    # A note added to the erased (closed) incident later is personal data again: only it is erased next time.
    runtime.triage.incidents.add_note(ids["leak"], REPORTER, NOTE)
    [later] = run_retention(deps, policy).erased
    assert later.counts == {"fields": 0, "reporters": 0, "names": 0, "step_states": 0, "classifier_examples": 0,
                            "timeline_events": 1}
    assert NOTE not in _rows_text(runtime, ids["leak"])
    assert run_retention(deps, policy).erased == ()
    assert verify_database(deps).ok


def test_dry_run_lists_and_erases_nothing(seeded: tuple[Runtime, dict[str, int]], clock: FixedClock) -> None:
    runtime, ids = seeded
    clock.advance(days=31)
    before = _rows_text(runtime, ids["leak"])
    report = run_retention(runtime.triage.deps, _policy(runtime), dry_run=True)
    assert [d.incident_id for d in report.due] == [ids["leak"]] and report.erased == ()
    assert _rows_text(runtime, ids["leak"]) == before


# -- tampering after erasure ------------------------------------------------------------------------------------
def _erased(seeded: tuple[Runtime, dict[str, int]], clock: FixedClock) -> tuple[Runtime, list[int]]:
    runtime, ids = seeded
    clock.advance(days=31)
    run_retention(runtime.triage.deps, _policy(runtime))
    with runtime.triage.deps.sessions.begin() as session:
        seqs = list(session.execute(select(TimelineEvent.seq).where(
            TimelineEvent.incident_id == ids["leak"], TimelineEvent.erased.is_(True))
            .order_by(TimelineEvent.seq)).scalars())
    return runtime, seqs


def _problems(runtime: Runtime) -> list[tuple[int, str]]:
    with runtime.triage.deps.sessions.begin() as session:
        return [(p.seq, p.problem) for p in verify_chain(session).problems]


def test_edited_actor_of_an_erased_row_is_caught(seeded: tuple[Runtime, dict[str, int]], clock: FixedClock) -> None:
    runtime, seqs = _erased(seeded, clock)
    with runtime.triage.deps.sessions.begin() as session:
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == seqs[1]).values(actor="U_EVIL"))
    assert _problems(runtime) == [(seqs[1], "event edited (hash mismatch)")]


def test_deleted_erased_row_is_caught(seeded: tuple[Runtime, dict[str, int]], clock: FixedClock) -> None:
    runtime, seqs = _erased(seeded, clock)
    with runtime.triage.deps.sessions.begin() as session:
        session.execute(delete(TimelineEvent).where(TimelineEvent.seq == seqs[2]))
    problems = _problems(runtime)
    assert (seqs[2], "missing (deleted)") in problems
    assert any(f"erasure names seq {seqs[2]}, which is not an erased event" in p for _, p in problems)


def test_payload_written_into_an_erased_row_is_caught(seeded: tuple[Runtime, dict[str, int]],
                                                      clock: FixedClock) -> None:
    runtime, seqs = _erased(seeded, clock)
    with runtime.triage.deps.sessions.begin() as session:
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == seqs[0]).values(data={"text": "偽の記録"}))
    assert _problems(runtime) == [(seqs[0], "erased event still carries a payload")]


def test_blanking_a_live_row_as_if_erased_is_caught(seeded: tuple[Runtime, dict[str, int]],
                                                    clock: FixedClock) -> None:
    runtime, _ = _erased(seeded, clock)
    _, ids = seeded
    with runtime.triage.deps.sessions.begin() as session:
        victim = session.execute(select(TimelineEvent.seq).where(
            TimelineEvent.incident_id == ids["flaming_closed"]).order_by(TimelineEvent.seq).limit(1)).scalar_one()
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == victim).values(
            erased=True, old_value=None, new_value=None, data={}))
    expected = f"marked erased, but no erasure event of incident {ids['flaming_closed']} names it"
    assert _problems(runtime) == [(victim, expected)]


def test_erasure_flags_and_leftovers_are_checked(seeded: tuple[Runtime, dict[str, int]], clock: FixedClock) -> None:
    runtime, _ = _erased(seeded, clock)
    _, ids = seeded
    with runtime.triage.deps.sessions.begin() as session:
        # Someone hides an incident's text from every view by marking it erased, and restores text elsewhere.
        session.execute(update(Incident).where(Incident.id == ids["flaming_open"]).values(erased_at=clock.now()))
        session.execute(update(Incident).where(Incident.id == ids["leak"]).values(text="復元された本文"))
        problems = check_erasures(session)
    leak, hidden = f"INC-{ids['leak']:04d}", f"INC-{ids['flaming_open']:04d}"
    assert problems == [f"{leak}: erased but still holds text",
                        f"{hidden}: erased but still holds text, source_url, reporter_name, incident_reporters.name",
                        f"{hidden}: marked erased but no erasure is recorded in the timeline"]
    report = verify_database(runtime.triage.deps)
    assert report.chain.ok and not report.ok


# -- configuration --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("retention", "expected"), [
    ({"default_days": -1}, "test-app.yaml: retention.default_days: 0 以上の値を指定してください"),
    ({"default_days": "5 years"}, "retention.default_days: 整数で指定してください"),
    ({"by_kind": {"leak": True}}, "retention.by_kind.leak: 整数で指定してください"),
    ({"by_kind": {"leak": 36501}}, "retention.by_kind.leak: 36500 以下の値を指定してください"),
    ({"by_kind": ["leak"]}, "retention.by_kind: 「名前: 値」の組（マッピング）で指定してください"),
    ({"count_from": "april"}, "retention.count_from: 'ended'・'next_fiscal_year' のいずれかを指定してください"),
    ({"erase": "maybe"}, "retention.erase: true か false で指定してください"),
    ({"daily_at": "25:00"}, "retention.daily_at"),
    ({"keep": 3}, "retention.keep: 使えない項目名です"),
])
def test_bad_retention_settings_name_the_field(retention: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_file_settings({"retention": retention}, "test-app.yaml")
    assert expected in str(info.value)


def test_unknown_kind_names_the_field(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, retention={"by_kind": {"flame": 30}})
    with pytest.raises(ConfigError, match=r"retention\.by_kind\.flame: unknown incident kind 'flame'"):
        build_runtime(settings, run_migrations=False)


# -- the command line -------------------------------------------------------------------------------------------
def _cli(config: Path, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--config", str(config), *argv], stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue() + err.getvalue()


def test_retention_command_and_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real clock runs the CLI: incidents closed in 2020 with a 30-day period are long expired."""
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    config = tmp_path / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text(encoding="utf-8")
                      + "\nretention:\n  default_days: 1827\n  by_kind: {leak: 30}\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    seeding = build_runtime(make_settings(url, retention={"by_kind": {"leak": 30}}),
                            clock=FixedClock(datetime(2020, 1, 6, 10, 0, tzinfo=JST)))
    ids = _seed(seeding)
    seeding.close()
    code, out = _cli(config, "retention", "--dry-run")
    assert code == 0 and f"INC-{ids['leak']:04d}" in out and "--dry-run" in out and "既定 1827 日" in out
    assert f"INC-{ids['flaming_resolved']:04d}" in out  # resolved, past 1827 days, waiting to be closed
    code, out = _cli(config, "retention", "--json")
    data = json.loads(out)
    assert code == 0 and not data["dry_run"]
    assert sorted(e["id"] for e in data["erased"]) == sorted([ids["leak"], ids["flaming_closed"], ids["declined"]])
    assert [w["id"] for w in data["waiting_to_close"]] == [ids["flaming_resolved"]]
    code, out = _cli(config, "retention")
    assert code == 0 and "保存期間を過ぎたインシデントはありません" not in out and "消去 0 件" in out
    code, out = _cli(config, "timeline", "verify")
    assert code == 0 and "改ざんされていません" in out
    code, out = _cli(config, "timeline", str(ids["leak"]), "--format", "json")
    assert code == 0 and not [secret for secret in SECRETS if secret in out]
    code, out = _cli(config, "incidents", "--json")
    assert code == 0 and LEAK_URL not in out
    code, out = _cli(config, "timeline", "verify", "--expect", "3:abc")
    assert code == 2 and "SEQ:HASH" in out
    check = build_runtime(make_settings(url))
    with check.triage.deps.sessions.begin() as session:
        head = session.execute(select(TimelineEvent.seq, TimelineEvent.hash)
                               .order_by(TimelineEvent.seq.desc()).limit(1)).one()
        count = session.execute(select(func.count()).select_from(TimelineEvent)).scalar_one()
    check.close()
    assert count == head.seq
    code, out = _cli(config, "timeline", "verify", "--expect", f"{head.seq}:{head.hash}")
    assert code == 0 and "一致しました" in out
    code, out = _cli(config, "timeline", "verify", "--expect", f"{head.seq}:{'0' * 64}")
    assert code == 1 and "一致しません" in out
