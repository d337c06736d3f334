"""Session 12 config walk (docs/qa/session12_walk_config.md): an upgrade from an older release, app.yaml values as
operators type them, the environment, and `check` for each platform. Each test failed before its fix."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, select, update

from bot.clock import FixedClock
from bot.config import ConfigError, Settings, load_config
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


def _load(tmp_path: Path, text: str | bytes) -> Settings:
    path = tmp_path / "app.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_config(path, environ={})


def _refusal(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    return str(caught.value)


def test_numbers_written_with_full_width_digits_or_their_unit_are_read(tmp_path: Path) -> None:
    # Before: 「escalation.renotice_limit: 整数で指定してください（入力値: '６'）」 — the operator did write a whole
    # number (an IME in full-width mode), and 「30分」 for a field counted in minutes.
    settings = _load(tmp_path, "escalation:\n  renotice_limit: ６\n  levels:\n"
                               "    - {section: pr_section, after_minutes: ３０分}\n"
                               "rate_limit:\n  max_new_incidents: １０件\n  window_minutes: ６０\n"
                               "summary:\n  grace_hours: 48時間\nretention:\n  default_days: ３６５日\n")
    file = settings.file
    assert file.escalation.renotice_limit == 6 and file.escalation.levels[0].after_minutes == 30
    assert (file.rate_limit.max_new_incidents, file.rate_limit.window_minutes) == (10, 60)
    assert file.summary.grace_hours == 48 and file.retention.default_days == 365


def test_a_number_in_another_unit_is_refused_not_read_in_the_fields_unit(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "escalation:\n  levels:\n    - {section: pr_section, after_minutes: 1時間}\n")
    assert "escalation.levels[0].after_minutes" in message and "'1時間'" in message


def test_times_days_and_yes_no_written_in_japanese_are_read(tmp_path: Path) -> None:
    # Before: 「summary.time: 時刻を HH:MM の形で指定してください（入力値: '9時'）」,
    # 「national_holidays: true か false で指定してください（入力値: 'はい'）」,
    # 「holidays[0]: 休日「2026年8月14日」は YYYY-MM-DD の形で…」.
    settings = _load(tmp_path, "summary:\n  day_of_week: 月曜\n  time: 9時\n"
                               "escalation:\n  office_hours:\n    start: 8時半\n    end: 午後5時15分\n"
                               "    weekdays: 月〜金\n    national_holidays: はい\n    year_end_holidays: いいえ\n"
                               "    holidays: [２０２６年８月１４日, 2026年8月13日]\n"
                               "retention:\n  erase: いいえ\n")
    hours = settings.file.escalation.office_hours
    assert settings.file.summary.time == dt.time(9, 0) and settings.file.summary.day_of_week == "mon"
    assert (hours.start, hours.end) == (dt.time(8, 30), dt.time(17, 15))
    assert hours.weekdays == [0, 1, 2, 3, 4]
    assert hours.national_holidays is True and hours.year_end_holidays is False
    assert hours.holidays == ["2026-08-14", "2026-08-13"] and settings.file.retention.erase is False
    listed = _load(tmp_path, "escalation:\n  office_hours:\n    weekdays: 月曜、水曜、金曜\n")
    assert listed.file.escalation.office_hours.weekdays == [0, 2, 4]


@pytest.mark.parametrize("line", ["  pr_channel: #koho", "  pr_channel: #koho     # 広報担当への通知",
                                  "  report_channels:\n    - #sns-houkoku"])
def test_a_channel_written_with_hash_is_refused_not_read_as_empty(tmp_path: Path, line: str) -> None:
    # Before: `pr_channel: #koho` loaded as null (YAML comment) and `check` said OK: no PR notice ever posted.
    message = _refusal(tmp_path, f"slack:\n{line}\n")
    assert "app.yaml: " in message and "#" in message and "コメント" in message and "チャンネル ID" in message
    assert "行目" in message


def test_a_comment_after_a_value_is_still_a_comment(tmp_path: Path) -> None:
    settings = _load(tmp_path, "slack:\n  pr_channel: C0PR   # 広報\n  summary_channel:  # あとで\n")
    assert settings.file.slack.pr_channel == "C0PR" and settings.file.slack.summary_channel is None


@pytest.mark.parametrize(("text", "hint"), [
    ("rate_limit:\n\u3000max_new_incidents: 10\n  window_minutes: 60\n", "全角スペース"),
    ("rate_limit:\n  max_new_incidents:\u300010\n  window_minutes: 60\n", "全角スペース"),
    ("rate_limit:\n  max_new_incidents: 10\n\twindow_minutes: 60\n", "タブ文字"),
])
def test_a_yaml_mistake_in_app_yaml_names_a_full_width_space_or_a_tab(tmp_path: Path, text: str, hint: str) -> None:
    # Before: only the generic 「字下げ（半角スペース）…を確認してください」, the character itself never named.
    message = _refusal(tmp_path, text)
    assert "行目" in message and hint in message


def test_a_shift_jis_app_yaml_is_named_as_such(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "# 設定\nprofile: asahikawa\n".encode("shift_jis"))
    assert "Shift_JIS" in message and "UTF-8" in message


KAMISHIHORO = """locale: ja
profile: kamishihoro
custom_profiles:
  kamishihoro:
    extends: asahikawa
    name: "上士幌町 "
    sections:
      pr_section: {name: "企画財政課\u3000"}
      soumu: {name: 総務課}
    first_report_to: [pr_section, soumu]
    pr_role: 企画財政課
access:
  pr_members: ["console:console-pr"]
"""


def test_a_custom_profile_takes_plain_names_for_an_added_section_and_a_pr_role(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 「sections.soumu.name: 「名前: 値」の組（マッピング）で指定してください（入力値: '総務課'）（ほかに 1 件の
    # 誤り）」 — the hidden other error was pr_role (asahikawa has none); README says both can be written.
    (tmp_path / "app.yaml").write_text(KAMISHIHORO, encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    stdin = io.StringIO(FLAMING.format(n=7) + "\n/as pr\n/ack\n/timeline\n/quit\n")
    out = io.StringIO()
    code = run(["chat", "--config", str(tmp_path / "app.yaml"), "--no-prompt"], stdin=stdin, stdout=out,
               stderr=io.StringIO())
    text = out.getvalue()
    assert code == 0, text
    assert "上士幌町・ja）" in text  # the trailing space (and 全角 space) dropped
    assert "→ 企画財政課及び総務課（自治体の運用設定） に通知しました" in text
    assert "企画財政課　" not in text
    assert "広報 佐藤（企画財政課）が報告を確認しました" in text  # pr_role names the acknowledging role


@pytest.mark.parametrize("block", [
    'teams:\n  pr_channel: "19:yyyy@thread.tacv2"\n  pr_menbers: ["x"]\n',
    'lineworks:\n  pr_channel: "room-pr"\n  pr_menbers: ["x"]\n',
])
def test_check_finds_a_mistake_in_a_teams_or_lineworks_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             block: str) -> None:
    # Before: `check` said OK (it read only the shared fields); `incident-bot teams` then stopped on the typo.
    (tmp_path / "app.yaml").write_text('access:\n  pr_members: ["console:console-pr"]\n' + block, encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = io.StringIO()
    code = run(["check", "--config", str(tmp_path / "app.yaml")], stdout=out, stderr=out)
    assert code == 2, out.getvalue()
    assert ".pr_menbers: 使えない項目名です" in out.getvalue()


@pytest.mark.parametrize(("detail", "key"), [
    ('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "townbot" '
     'does not exist', "db_missing"),
    ('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication '
     'failed for user "bot"', "db_auth"),
    ('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  role "bot" does not exist',
     "db_auth"),
    ("failed to resolve host 'db.town.lg.jp': [Errno -2] Name or service not known", "db_no_host"),
    ('connection failed: connection to server at "127.0.0.1", port 5999 failed: Connection refused', "db_unreachable"),
])
def test_a_postgresql_failure_says_what_is_wrong(detail: str, key: str) -> None:
    # Before: a missing database or a refused password read 「データベースに接続できません … サーバーが動いているか」
    # (the server was running), and an unknown host 「データベースでエラーが起きました」.
    from sqlalchemy.exc import OperationalError

    from bot.cli_errors import database_problem, say

    problem = database_problem(OperationalError("connect", None, Exception(detail)))
    assert problem == key
    assert "何も保存していません" in say(problem, "ja", url="postgresql://bot@db/townbot", detail=detail)


def test_an_sqlite_url_without_a_path_is_refused(tmp_path: Path) -> None:
    # Before: DATABASE_URL=sqlite:/// (sqlite:///$DB_PATH, the variable unset) ran on an in-memory database and
    # `check` said OK with 「database: 」 — every report was lost when the bot stopped.
    (tmp_path / "app.yaml").write_text("profile: asahikawa\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "app.yaml", environ={"DATABASE_URL": "sqlite:///"})
    assert "DATABASE_URL" in str(caught.value) and "メモリー" in str(caught.value)


def test_an_outdated_copy_of_a_built_in_profile_in_playbooks_dir_is_named_as_such(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first releases' app.yaml said `playbooks_dir: playbooks` (the repository's folder). After an upgrade that
    # folder's copies replace the built-ins and fail today's rules with only 「first_report_clauses: 必須の項目です」.
    import yaml

    from tests.conftest import REPO

    old = yaml.safe_load((REPO / "playbooks" / "profiles" / "asahikawa.yaml").read_text(encoding="utf-8"))
    del old["first_report_clauses"]  # as the 2026-11-20 release wrote it
    (tmp_path / "pb" / "profiles").mkdir(parents=True)
    (tmp_path / "pb" / "profiles" / "asahikawa.yaml").write_text(yaml.safe_dump(old, allow_unicode=True),
                                                               encoding="utf-8")
    (tmp_path / "app.yaml").write_text("profile: asahikawa\nplaybooks_dir: pb\n", encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = io.StringIO()
    assert run(["check", "--config", str(tmp_path / "app.yaml")], stdout=out, stderr=out) == 2
    assert "first_report_clauses" in out.getvalue()
    assert "組み込みファイル" in out.getvalue() and "削除すると" in out.getvalue()


def test_a_postgresql_database_that_skipped_0005_gets_its_wide_columns(database_url: str) -> None:
    # A database made under ffd1bb2 (0006 revising 0004) is stamped past 0005, which never ran: its conversation
    # columns stayed 120 characters on PostgreSQL and a Teams personal-chat id could not be stored.
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    from sqlalchemy import inspect, text

    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0009_ack_time_from_chain")
    with engine.begin() as connection:  # as that database is: 0005's widening never happened
        for table, column in (("platform_refs", "channel"), ("platform_refs", "ts"),
                              ("incidents", "conversation_channel"), ("incidents", "conversation_thread")):
            connection.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR(120)"))

    command.upgrade(config, "head")

    widths = {(table, c["name"]): getattr(c["type"], "length", None)
              for table in ("incidents", "platform_refs") for c in inspect(engine).get_columns(table)}
    assert widths[("incidents", "conversation_channel")] == widths[("incidents", "conversation_thread")] == 512
    assert widths[("platform_refs", "channel")] == widths[("platform_refs", "ts")] == 512
    engine.dispose()
