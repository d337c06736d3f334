"""Every failure a user can cause or meet: one short message naming the file/URL and what to do, exit code 2,
and no traceback (bot/cli_errors.py)."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.main import run
from tests.conftest import REPO

REPORT = "市の公式アカウントのなりすましを発見しました https://x.com/fake\n"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped app.yaml in its own folder; DATABASE_URL unset (the database sits beside it)."""
    folder = tmp_path / "conf"
    folder.mkdir()
    path = folder / "app.yaml"
    path.write_text((REPO / "app.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    return path


def _run(*argv: str, stdin: str | io.StringIO = "", **kwargs: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    source = stdin if isinstance(stdin, io.StringIO) else io.StringIO(stdin)
    code = run(list(argv), stdin=source, stdout=out, stderr=err, **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def _no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


def test_missing_config_says_where_it_looked_and_how_to_create_one(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run("incidents")
    assert code == 2 and f"{tmp_path / 'app.yaml'}: 設定ファイルがありません" in err and "incident-bot init" in err
    _no_traceback(out, err)


def test_unreachable_postgresql(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nope:secretpw@127.0.0.1:1/x")
    code, out, err = _run("incidents", "--config", str(config))
    assert code == 2
    assert "データベースに接続できません: postgresql://nope:***@127.0.0.1:1/x" in err and "DATABASE_URL" in err
    assert "secretpw" not in err
    _no_traceback(out, err)


@pytest.mark.parametrize(("make", "expected"), [
    (lambda d: (d / "db").mkdir(), "データベースファイルを開けません"),  # a folder, not a file
    # its folder cannot be made (a file has that name, below); a folder that is only missing is made (s16 walk #22)
    (lambda d: (d / "missing").write_text("a file, not a folder\n"), "データベースファイルを開けません"),
    (lambda d: (d / "db").write_text("not a database, just text\n" * 100),
     "SQLite のデータベースではないか、壊れています"),
])
def test_unusable_sqlite_file(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make, expected) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path)
    target = tmp_path / "db" if (tmp_path / "db").exists() else tmp_path / "missing" / "x.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    code, out, err = _run("timeline", "verify", "--config", str(config))
    assert code == 2 and expected in err and str(target) in err and "何も保存していません" in err
    _no_traceback(out, err)


def test_read_only_database_says_nothing_was_saved(config: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run("migrate", "--config", str(config))[0] == 0
    db = config.parent / "incident-bot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    code, out, err = _run("chat", "--config", str(config), stdin=REPORT + "/list\n")
    assert code == 0
    assert "読み取り専用のため書き込めません" in out and "何も保存していません" in out
    assert "失われていません" not in out and "INC-0001" not in out
    _no_traceback(out, err)


def test_locked_database(config: Path) -> None:
    assert _run("migrate", "--config", str(config))[0] == 0
    holder = sqlite3.connect(config.parent / "incident-bot.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        code, out, err = _run("chat", "--config", str(config), stdin=REPORT)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 2 and "別のプロセスに使われていて（ロック中）" in err and "何も保存していません" in err
    assert str(config.parent / "incident-bot.db") in err and "INC-0001" not in out
    _no_traceback(out, err)


class _Interrupting(io.StringIO):
    """stdin whose second read is Ctrl-C."""

    def __init__(self, first: str) -> None:
        super().__init__()
        self.lines = [first]

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if self.lines:
            return self.lines.pop()
        raise KeyboardInterrupt


def test_ctrl_c_in_the_console(config: Path) -> None:
    code, out, err = _run("chat", "--config", str(config), stdin=_Interrupting(REPORT))
    assert code == 2 and "INC-0001" in out and "中断しました（Ctrl-C）" in err
    _no_traceback(out, err)


def _ctrl_c_as_at_a_terminal() -> None:
    """In the child before exec: SIGINT delivered and not ignored, whatever the test worker's thread inherited."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_in_a_real_process(config: Path) -> None:
    """SIGINT to a console chat waiting for input: the message, exit 2, no traceback on either stream."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-c", "from bot.main import main; main()", "--config", str(config)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               cwd=config.parent, preexec_fn=_ctrl_c_as_at_a_terminal)
    assert process.stdout is not None
    welcome = process.stdout.readline().decode()  # waits until the chat is up and reading
    assert "SNSインシデント対応ボット" in welcome
    process.send_signal(signal.SIGINT)
    # stdin stays open until the process has ended: closing it at once (communicate) raced the signal with EOF.
    process.wait(timeout=60)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2, (out, err)
    assert "中断しました" in err.decode()
    _no_traceback(out.decode(), err.decode())


def test_unreachable_slack_is_retried_by_itself(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-3")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-2-3")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:1/api/")
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt  # the operator gives up after the second retry

    code, out, err = _run("socket", "--config", str(config), sleep=sleep)
    assert waits == [5, 10]
    assert err.count("Slack に接続できません") == 2 and "HTTPS_PROXY" in err and "自動で再接続します" in err
    assert code == 2 and "中断しました" in err
    _no_traceback(out, err)


def test_messages_follow_locale_en(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.write_text(config.read_text(encoding="utf-8").replace("locale: ja", "locale: en"), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", "postgresql://nope@127.0.0.1:1/x")
    code, out, err = _run("incidents", "--config", str(config))
    assert code == 2 and "Cannot connect to the database: postgresql://nope@127.0.0.1:1/x" in err
    assert not any("\u3040" <= ch <= "\u30ff" for ch in err)
    _no_traceback(out, err)


def test_debug_shows_the_traceback(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nope@127.0.0.1:1/x")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    code, _, err = _run("incidents", "--config", str(config))
    assert code == 2 and "データベースに接続できません" in err and "Traceback" in err


def test_a_config_error_heading_follows_the_files_locale_en(config: Path) -> None:
    text = config.read_text(encoding="utf-8").replace("locale: ja", "locale: en")
    config.write_text(text + "\nretention:\n  default_days: -1\n", encoding="utf-8")
    code, out, err = _run("incidents", "--config", str(config))
    assert code == 2 and err.startswith("Configuration error:\n") and "設定エラー" not in err
    _no_traceback(out, err)


def test_a_config_file_that_cannot_be_read_gets_the_japanese_heading(config: Path) -> None:
    # A file YAML cannot parse is still answered in the language its own `locale:` line asks for (session 20).
    config.write_text("locale: en\nretention: [unclosed\n", encoding="utf-8")
    code, out, err = _run("incidents", "--config", str(config))
    assert code == 2 and err.startswith("Configuration error:\n") and "invalid YAML" in err
    config.write_text("retention: [unclosed\n", encoding="utf-8")
    code, out, err = _run("incidents", "--config", str(config))
    assert code == 2 and err.startswith("設定エラー:\n") and "YAML の書き方に誤りがあります" in err
    code, out, err = _run("incidents", "--config", str(config.parent / "missing.yaml"))
    assert code == 2 and err.startswith("設定エラー:\n")
    _no_traceback(out, err)
