"""Config validation: a bad file stops start-up with file, field and expectation named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.main import run
from storage.db import make_engine
from tests.conftest import REPO


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    path = tmp_path / "app.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_repository_app_yaml_is_valid() -> None:
    settings = load_config(REPO / "app.yaml", environ={})
    assert settings.file.profile == "asahikawa"
    assert settings.database_url.startswith("sqlite:///")


def test_database_url_and_secrets_come_from_the_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, "profile: iwaki\n")
    settings = load_config(path, environ={"DATABASE_URL": "postgresql://localhost/test",
                                          "SLACK_BOT_TOKEN": "xoxb-secret"})
    assert settings.database_url == "postgresql://localhost/test"
    assert settings.secrets.slack_bot_token is not None
    assert "xoxb-secret" not in repr(settings)


@pytest.mark.parametrize(("body", "expected"), [
    ("locale: fr\n", "app.yaml: locale: 'ja'・'en' のいずれかを指定してください"),
    ("slack:\n  pr_channel: [1, 2]\n", "app.yaml: slack.pr_channel"),
    ("unknown_key: 1\n", "app.yaml: unknown_key: 使えない項目名です"),
    # s16 console walk #16: a mistyped name says which one was meant, at any depth (models, mappings, lists).
    ("acess:\n  pr_members: []\n",
     "app.yaml: acess: 使えない項目名です（書き誤りか、別の場所に書く項目です）。「access」のことですか？"),
    ("console:\n  users:\n    staff: {id: s, name: 山田, nmae: 山田}\n", "console.users.staff.nmae: 使えない項目名です"
     "（書き誤りか、別の場所に書く項目です）。「name」のことですか？"),
    ("escalation:\n  levels:\n    - {section: pr_section, after_minute: 30}\n", "「after_minutes」のことですか？"),
    ("locale: en\nescalation:\n  levls: []\n", "escalation.levls: Extra inputs are not permitted (did you mean "
     "levels?)"),
    ("escalation:\n  levels:\n    - {section: pr_section, after_minutes: 0}\n",
     "app.yaml: escalation.levels[0].after_minutes"),
    ("escalation:\n  office_hours:\n    holidays: ['2026/13/01']\n", "escalation.office_hours.holidays"),
    ("slack:\n  slash_command: incident\n", "app.yaml: slack.slash_command"),
    ("profile: [\n", "app.yaml: 2 行目 1 文字目: YAML の書き方に誤りがあります。"),
    ("locale: en\nprofile: [\n", "app.yaml: line 3, column 1: invalid YAML"),
    ("- a\n- b\n", "expected a mapping"),
])
def test_invalid_files_name_file_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    assert expected in str(info.value).replace(str(tmp_path) + "/", "")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found; create one with `incident-bot init`"):
        load_config(tmp_path / "nope.yaml", environ={})


def test_bad_database_url(tmp_path: Path) -> None:
    path = _write(tmp_path, "{}\n")
    with pytest.raises(ConfigError, match="DATABASE_URL: expected"):
        load_config(path, environ={"DATABASE_URL": "mysql://x"})


def test_a_postgres_url_as_psql_takes_it_is_accepted(tmp_path: Path) -> None:
    """postgres:// (libpq's and many hosts' spelling) was refused at start-up though storage already knew it."""
    path = _write(tmp_path, "{}\n")
    url = "postgres://bot@db.example.lg.jp:5432/incidents"
    assert load_config(path, environ={"DATABASE_URL": url}).database_url == url
    engine = make_engine(url)  # no connection is made here
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    with pytest.raises(ConfigError, match="DATABASE_URL: expected"):
        load_config(path, environ={"DATABASE_URL": "postgres+psycopg2://x/y"})


@pytest.mark.parametrize(("body", "expected"), [
    ("profile: sapporo\n", "profile: プロファイル 'sapporo' はありません"),  # app.yaml's locale (ja) only
    ("escalation:\n  levels:\n    - {section: mayor}\n",
     "escalation.levels[0].section: プロファイル asahikawa に部署 'mayor' はありません"),
    ("custom_profiles:\n  mycity: {extends: nagoya}\nprofile: mycity\n", "custom_profiles.mycity: extends"),
])
def test_start_up_refuses_semantic_errors_without_traceback(tmp_path: Path, body: str, expected: str,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, body)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    code = run(["--config", str(path), "check"])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert "Traceback" not in err


def test_custom_profile_is_usable(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "profile: mycity\ncustom_profiles:\n  mycity:\n    extends: chikugo\n"
                            "    name: {ja: 例市, en: Example City}\n")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert run(["--config", str(path), "check"]) == 0
    assert "profile mycity" in capsys.readouterr().out


def test_sqlite_paths_are_taken_from_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "etc"
    conf.mkdir()
    monkeypatch.chdir(tmp_path)
    path = conf / "app.yaml"
    path.write_text("{}\n", encoding="utf-8")
    assert load_config(path, environ={}).database_url == f"sqlite:///{conf / 'incident-bot.db'}"
    path.write_text("database_url: sqlite:///data/bot.db\n", encoding="utf-8")
    assert load_config(path, environ={}).database_url == f"sqlite:///{conf / 'data' / 'bot.db'}"
    # DATABASE_URL is a shell setting: a relative path is taken from the current folder, as any shell path.
    env = {"DATABASE_URL": "sqlite:///here.db"}
    assert load_config(path, environ=env).database_url == f"sqlite:///{tmp_path / 'here.db'}"
    env = {"DATABASE_URL": "sqlite:///file:/x/y.db?mode=ro&uri=true"}
    assert load_config(path, environ=env).database_url == env["DATABASE_URL"]


def test_config_given_by_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "elsewhere.yaml"
    path.write_text("profile: iwaki\n", encoding="utf-8")
    monkeypatch.setenv("INCIDENT_BOT_CONFIG", str(path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.chdir(tmp_path)
    assert run(["check"]) == 0 and "profile iwaki" in capsys.readouterr().out


def test_missing_playbooks_dir_does_not_hide_a_misspelled_profile(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text("profile: asahikwa\nplaybooks_dir: /nonexistent/playbooks\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = str(info.value)
    assert "playbooks_dir: フォルダー /nonexistent/playbooks がありません" in message
    assert "profile: プロファイル 'asahikwa' はありません" in message


def _load(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "app.yaml"
    path.write_text(body, encoding="utf-8")
    return load_config(path, environ={}).file


def test_unquoted_clock_times_are_times_of_day_not_base_60_numbers(tmp_path: Path) -> None:
    """YAML 1.1 reads 17:30 as 1050 and 9:00 as 540; pydantic then made them 00:17:30 and 00:09:00 UTC."""
    file = _load(tmp_path, "summary:\n  time: 9:00\nescalation:\n  office_hours:\n    start: 8:30\n    end: 17:15\n"
                           "retention:\n  daily_at: ４：１５\n")
    assert file.summary.time == dt.time(9, 0) and file.retention.daily_at == dt.time(4, 15)
    assert (file.escalation.office_hours.start, file.escalation.office_hours.end) == (dt.time(8, 30), dt.time(17, 15))
    assert file.summary.time.tzinfo is None  # compared with JST wall-clock times
    # Other numbers read as before.
    file = _load(tmp_path, "escalation:\n  renotice_limit: 3\n"
                           "  levels:\n    - {section: pr_section, after_minutes: 90}\n"
                           "slack:\n  post_interval_seconds: 1.5\n")
    assert file.escalation.renotice_limit == 3 and file.escalation.levels[0].after_minutes == 90
    assert file.slack.post_interval_seconds == 1.5


@pytest.mark.parametrize("value", ["9", "930", "9.5"])
def test_a_bare_number_for_a_time_is_refused_in_japanese(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"summary\.time: 時刻は 09:00 のように「時:分」の形で書いてください"):
        _load(tmp_path, f"summary:\n  time: {value}\n")


def test_holidays_are_read_as_written_in_yaml_or_with_slashes(tmp_path: Path) -> None:
    """Unquoted 2026-12-29 is YAML's own date; it was refused as 'not a string'."""
    file = _load(tmp_path, 'escalation:\n  office_hours:\n    holidays: [2026-12-29, "2026/12/30", "２０２７/1/4"]\n')
    assert file.escalation.office_hours.holidays == ["2026-12-29", "2026-12-30", "2027-01-04"]


@pytest.mark.parametrize("value", ["2026-02-30", "12/29", "年末年始"])
def test_a_holiday_that_is_no_date_is_refused_in_japanese(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"holidays\[0\]: 休日「.*」は YYYY-MM-DD の形で指定してください"):
        _load(tmp_path, f'escalation:\n  office_hours:\n    holidays: ["{value}"]\n')


def test_days_of_the_week_are_read_in_japanese_and_english(tmp_path: Path) -> None:
    file = _load(tmp_path, "summary:\n  day_of_week: 金曜日\nescalation:\n  office_hours:\n"
                           "    weekdays: [月, 火曜, 水曜日, Thursday, 4]\n")
    assert file.summary.day_of_week == "fri" and file.escalation.office_hours.weekdays == [0, 1, 2, 3, 4]
    assert _load(tmp_path, "summary:\n  day_of_week: MON\n").summary.day_of_week == "mon"
    with pytest.raises(ConfigError, match=r"weekdays\[0\]: 整数で指定してください"):
        _load(tmp_path, "escalation:\n  office_hours:\n    weekdays: [平日]\n")
