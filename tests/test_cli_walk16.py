"""An IT person's app.yaml from the docs (console walk s16, docs/qa/session16_walk_console.md)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.main import run
from tests.conftest import REPO


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path / "app.yaml"


def _check(config: Path, text: str) -> tuple[int, str]:
    config.write_text(text, encoding="utf-8")
    out = io.StringIO()
    code = run(["--config", str(config), "check"], stdin=io.StringIO(), stdout=out, stderr=out)
    return code, out.getvalue()


def test_console_users_without_a_pr_member_are_warned_about(config: Path) -> None:
    # #6: console.users listed only staff; check said OK and nobody in the console could acknowledge or close.
    code, said = _check(config, 'profile: asahikawa\naccess:\n  pr_members: ["console:console-pr"]\n'
                                "console:\n  users:\n    staff: {id: console-staff, name: 山田}\n")
    assert code == 0
    assert "console.users" in said and "console-pr" in said, said


def test_the_shipped_console_users_are_not_warned_about(config: Path) -> None:
    code, said = _check(config, (REPO / "app.yaml").read_text(encoding="utf-8"))
    assert code == 0 and "console.users" not in said, said


def test_the_no_pr_members_example_is_a_console_id_that_works(config: Path) -> None:
    # #6b: the warning's example 「console:pr」 is no console user's id (the shipped one is console:console-pr).
    _, said = _check(config, "profile: asahikawa\n")
    assert "console:pr" not in said.replace("console:console-pr", ""), said


@pytest.mark.parametrize("typed, meant", [
    (r"C:\incident-bot\data\incident.db", "sqlite:///C:/incident-bot/data/incident.db"),
    ("data/incident.db", "sqlite:///data/incident.db"),
])
def test_a_file_path_as_database_url_says_how_to_write_it(config: Path, typed: str, meant: str) -> None:
    # #7: a Windows path was refused with 「入力値の形式: 'C'」, as if C were a scheme.
    code, said = _check(config, f"profile: asahikawa\ndatabase_url: '{typed}'\n")
    assert code == 2
    assert "'C'" not in said and meant in said, said


def test_a_bare_console_id_is_that_console_user_not_a_recorded_refusal(config: Path) -> None:
    # #19: 「--as console-staff」 (the id as console.users writes it) was refused and recorded in the chain as an
    # unauthorised attempt by 「console-staff」, a user nobody is; PR's own bare id, too.
    config.write_text((REPO / "app.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    out = io.StringIO()
    run(["--config", str(config)], stdin=io.StringIO("市の公式Xの投稿が炎上しています https://x.com/city/status/9\n/quit\n"),
        stdout=out, stderr=out)
    out = io.StringIO()
    code = run(["--config", str(config), "timeline", "1", "--as", "console-pr"], stdin=io.StringIO(), stdout=out,
               stderr=out)
    assert code == 0 and "炎上" in out.getvalue(), out.getvalue()
    assert "権限" not in out.getvalue()


def test_the_database_folder_app_yaml_names_is_made(config: Path) -> None:
    # #22: 「database_url: sqlite:///data/incident.db」 beside app.yaml, with no data/ folder yet: the bot refused to
    # start. A new folder for a new database is what an operator means, as the file itself is made.
    config.write_text((REPO / "app.yaml").read_text(encoding="utf-8")
                      + "\ndatabase_url: sqlite:///data/incident.db\n", encoding="utf-8")
    out = io.StringIO()
    code = run(["--config", str(config)], stdin=io.StringIO("/quit\n"), stdout=out, stderr=out)
    assert code == 0, out.getvalue()
    assert (config.parent / "data" / "incident.db").is_file()
