"""Shared pieces for the security tests: one bot on a fake Slack, every role's user, log capture, leak checks.

The Slack test helpers (fake Web API server, signing, driver) live in tests/slack and are imported by the
same module names those tests use (tests/security/__init__.py puts that directory on sys.path), so both
suites share one copy of them.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fake_slack import Call, FakeSlack
from slack_driver import DispatchTransport, SlackDriver, TrackingExecutor
from sqlalchemy import text

from bot.adapters.slack import SlackBot, build_slack_app
from bot.clock import JST, FixedClock
from bot.config import Secrets
from bot.wiring import Runtime, build_runtime
from tests.conftest import make_settings

SECRET = "sec-signing-5ecret-0123456789abcdef"
BOT_TOKEN = "xoxb-1234567890-0987654321-SeCuRiTyToKeN"
REPORT = "C_REPORT"
PR_CHANNEL = "C_PR"
SUMMARY = "C_SUMMARY"
ELSEWHERE = "C_RANDOM"
TEAM = "T_TEST"
# One user per role (ids as in tests/conftest.py: PR is a PR member there, SECURITY a security officer).
REPORTER = "U_STAFF"
STAFF = "U_OTHER"
PR = "U_PR"
SECURITY = "U_SEC"
OUTSIDER = "U_EXT"  # a Slack Connect user from another organisation
COREPORTER = "U_CO"  # a colleague who reports the same post after the reporter (holds no role on a leak)
OUTSIDER_TEAM = "T_OTHERORG"
NAMES = {
    REPORTER: "山田 花子",
    STAFF: "佐藤 一郎",
    PR: "広報 太郎",
    SECURITY: "情報 守",
    OUTSIDER: "外部 太郎",
    COREPORTER: "鈴木 次郎",
}
SLACK_SETTINGS: dict[str, Any] = {
    "report_channels": [REPORT],
    "pr_channel": PR_CHANNEL,
    "summary_channel": SUMMARY,
    "post_interval_seconds": 0,  # the pacer's 1 s per channel is tested in tests/delivery and the benches
}

FLAMING = (
    "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/{n}"
)
LEAK = (
    "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです {n}"
)
# Mentions the bot itself may write (ids from Slack or app.yaml, never from user text) and Slack's permalinks.
ALLOWED_MARKUP = re.compile(
    r"<(@U_(STAFF|OTHER|PR|SEC|HEAD|EXT|CO)|!subteam\^S_PR|https://fake\.slack\.test/[^|<>]*"
    r"(\|[^<>]*)?)>"
)
LOGGERS = ("incident_bot", "bot", "slack_bolt", "slack_sdk", "storage")
CONTENT_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "views.open",
        "views.update",
        "response_url",
        "files.completeUploadExternal",
    }
)


# -- logs ----------------------------------------------------------------------------------------------------
class LogCapture(logging.Handler):
    """Every record of our loggers and the Slack libraries, kept (thread-safe) for assertions."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._mutex = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        with self._mutex:
            self.records.append(record)

    def since(self, mark: int) -> list[logging.LogRecord]:
        with self._mutex:
            return list(self.records[mark:])

    def mark(self) -> int:
        with self._mutex:
            return len(self.records)


def record_text(record: logging.LogRecord) -> str:
    """Everything a log line could print: message, extra fields and traceback."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken record is still searched
        message = f"{record.msg} {record.args}"
    extra = {k: v for k, v in vars(record).items() if k not in ("msg", "args", "exc_info")}
    return f"{message}\n{extra!r}\n{record.exc_text or ''}"


def errors_in(records: Iterable[logging.LogRecord]) -> list[str]:
    """ERROR records and tracebacks from the bot and Slack libraries (Bolt swallows listener exceptions)."""
    return [
        f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}"
        for r in records
        if r.levelno >= logging.ERROR or r.exc_text
    ]


@pytest.fixture(scope="module")
def log_capture() -> Iterator[LogCapture]:
    handler = LogCapture()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


# -- what the bot sent ---------------------------------------------------------------------------------------
def _mrkdwn_and_plain(value: Any, key: str | None, mrkdwn: list[str], plain: list[str]) -> None:
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            mrkdwn.append(value["text"])
        elif value.get("type") == "plain_text" and isinstance(value.get("text"), str):
            plain.append(value["text"])
        for k, v in value.items():
            if k == "text" and isinstance(v, str) and value.get("type") in ("mrkdwn", "plain_text"):
                continue
            _mrkdwn_and_plain(v, k, mrkdwn, plain)
    elif isinstance(value, list):
        for item in value:
            _mrkdwn_and_plain(item, key, mrkdwn, plain)
    elif isinstance(value, str):
        if key in ("blocks", "view", "attachments") and value.startswith(("[", "{")):
            try:
                _mrkdwn_and_plain(json.loads(value), key, mrkdwn, plain)
                return
            except ValueError:
                pass
        # A message's top-level `text` is read as mrkdwn by Slack (and notifies); other strings are data.
        (mrkdwn if key == "text" else plain).append(value)


def sent_texts(calls: Iterable[Call]) -> tuple[list[str], list[str]]:
    """(texts Slack renders as mrkdwn, every other string) of the calls that carry content."""
    mrkdwn: list[str] = []
    plain: list[str] = []
    for call in calls:
        if call.method in CONTENT_METHODS:
            _mrkdwn_and_plain(call.args, None, mrkdwn, plain)
    return mrkdwn, plain


def unsafe_markup(calls: Iterable[Call]) -> list[str]:
    """Mention, channel-wide ping or link markup in what the bot sent that it did not build itself."""
    mrkdwn, _ = sent_texts(calls)
    return [
        token
        for text in mrkdwn
        for token in re.findall(r"<[^<>]*>", text)
        if not ALLOWED_MARKUP.fullmatch(token)
    ]


# -- the bot -------------------------------------------------------------------------------------------------
@dataclass
class Bot:
    """One bot instance on a fake Slack, driven like Slack drives it."""

    runtime: Runtime
    adapter: SlackBot
    fake: FakeSlack
    executor: TrackingExecutor
    driver: SlackDriver
    clock: FixedClock
    counter: list[int] = field(default_factory=lambda: [0])

    def __repr__(self) -> str:
        return f"Bot({self.runtime.settings.database_url})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis prints a failing example
        printer.text(repr(self))

    def next(self) -> int:
        self.counter[0] += 1
        return self.counter[0]

    def incident_ids(self) -> list[int]:
        return sorted(view.id for view in self.runtime.triage.queries.list(None, limit=100_000))

    def incident_count(self) -> int:
        with self.runtime.engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM incidents")).scalar_one())

    def events(self, incident_id: int) -> list[str]:
        return [entry.type for entry in self.runtime.triage.queries.timeline(incident_id, None)]

    def calls_since(self, mark: int) -> list[Call]:
        with self.fake._cond:
            return list(self.fake.calls[mark:])


def add_users(fake: FakeSlack) -> None:
    for user, name in NAMES.items():
        fake.add_user(user, name)
    fake.add_user("U_HEAD", "部長")
    # users.info for a Slack Connect user from another organisation (what Slack answers for strangers).
    fake.users[OUTSIDER].update({"team_id": OUTSIDER_TEAM, "is_stranger": True})


class InlineExecutor(TrackingExecutor):
    """Runs each listener in the calling thread, to its end, before dispatch returns.

    Bolt polls every 10 ms for an interactive listener's ack() when the listener runs on another thread; run
    inline, the ack is there at the first look. For thousands of fuzzed requests that is most of the time; the
    HTTP tests keep real threads.
    """

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:  # type: ignore[override]
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits, like a thread would
            future.set_exception(exc)
        return future


def build_bot(
    database_url: str, fake: FakeSlack, clock: FixedClock, *, inline: bool = False, **slack: Any
) -> Bot:
    settings = make_settings(database_url, slack={**SLACK_SETTINGS, **slack})
    settings = settings.model_copy(
        update={
            "secrets": Secrets(
                slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=fake.api_url
            )
        }
    )
    runtime = build_runtime(settings, clock=clock)
    executor = InlineExecutor() if inline else TrackingExecutor()
    adapter = build_slack_app(runtime, listener_executor=executor)
    driver = SlackDriver(DispatchTransport(adapter.app, executor), fake, SECRET)
    return Bot(runtime, adapter, fake, executor, driver, clock)


@pytest.fixture(scope="module")
def module_clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 18, 10, 0, tzinfo=JST))


@pytest.fixture(scope="module")
def module_fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    add_users(fake)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def bot(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    module_fake: FakeSlack,
    module_clock: FixedClock,
    log_capture: LogCapture,
) -> Iterator[Bot]:
    """A bot on a fresh SQLite file shared by a module's tests (in memory-backed /dev/shm when there is one:
    thousands of requests, and fsync is not what these tests are about). A module with INLINE = True gets
    listeners run inline (InlineExecutor)."""
    shm = Path("/dev/shm")
    base = (
        Path(tempfile.mkdtemp(prefix="incident-bot-sec-", dir=shm))
        if shm.is_dir()
        else tmp_path_factory.mktemp("security")
    )
    made = build_bot(
        f"sqlite:///{base / 'bot.db'}",
        module_fake,
        module_clock,
        inline=bool(getattr(request, "param", False)) or getattr(request.module, "INLINE", False),
    )
    yield made
    made.executor.shutdown(wait=True)
    made.runtime.close()
    shutil.rmtree(base, ignore_errors=True)


# What the messages the fuzz refers to say (a capture reaction turns one into a timeline note).
SEEDED_TEXT = "<!channel> &lt;@U_EVIL9&gt; JX1{{ 7*7 }}JX2 ZQCANARYQZ 炎上 https://x.com/seeded/status/1"


def seed_messages(fake: FakeSlack, payload: Any) -> None:
    """Put the messages an event, a click or a modal refers to into the fake Slack first, as they would exist
    in
    Slack (a thread's parent, the clicked message, the message a shortcut was used on)."""
    data = payload
    if not isinstance(data, dict):
        return
    event = data.get("event") if isinstance(data.get("event"), dict) else {}
    container = data.get("container") if isinstance(data.get("container"), dict) else {}
    item = event.get("item") if isinstance(event.get("item"), dict) else {}
    view = data.get("view") if isinstance(data.get("view"), dict) else {}
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    for channel, ts in (
        (event.get("channel"), event.get("thread_ts")),
        (event.get("channel"), event.get("ts")),
        (container.get("channel_id"), container.get("message_ts")),
        (item.get("channel"), item.get("ts")),
        (meta.get("c"), meta.get("ts")),
        (meta.get("c"), meta.get("th")),
        (meta.get("c"), meta.get("m")),
    ):
        if (
            isinstance(channel, str)
            and isinstance(ts, str)
            and re.fullmatch(r"[A-Z0-9_]{1,50}", channel)
            and re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,9})?", ts)
            and (channel, ts) not in fake.messages
        ):
            fake.add_message(channel, SEEDED_TEXT, "U_OTHER", ts=ts)


# -- `incident-bot serve` in a subprocess --------------------------------------------------------------------
REPO = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-A0123456789-0123456789012-SeCuRiTyApPtOkEn"


@dataclass
class Served:
    """A running `incident-bot serve` and everything it printed."""

    url: str
    process: Any
    stdout: list[str]
    stderr: list[str]

    def log_lines(self) -> list[dict[str, Any]]:
        """stderr parsed as JSON lines (a line that is not JSON fails the test: logs must be structured)."""
        lines = []
        for line in list(self.stderr):
            if line.strip():
                lines.append(json.loads(line))
        return lines


def serve_config(tmp: Path, **slack: Any) -> Path:
    import yaml

    config = {
        "profile": "asahikawa",
        "playbooks_dir": str(REPO / "playbooks"),
        "access": {"pr_members": [f"slack:{PR}"], "security_officers": [f"slack:{SECURITY}"]},
        "escalation": {
            "levels": [
                {"section": "pr_section", "after_minutes": 30, "mention": "S_PR"},
                {"section": "department_head", "after_minutes": 60, "mention": "U_HEAD"},
            ]
        },
        "slack": {**SLACK_SETTINGS, **slack},
    }
    path = tmp / "app.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def start_serve(tmp: Path, fake: FakeSlack, *, extra_env: dict[str, str] | None = None) -> Served:
    """`incident-bot --config … serve --port 0` with real-looking secrets; returns once it listens."""
    import os
    import queue
    import subprocess

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'serve.db'}",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    env.pop("SLACK_APP_TOKEN", None)
    command = [
        sys.executable,
        "-c",
        "from bot.main import main; main()",
        "--config",
        str(serve_config(tmp)),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
    ]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="backslashreplace",
    )
    assert process.stdout is not None and process.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    stdout: list[str] = []
    stderr: list[str] = []
    out, err = process.stdout, process.stderr

    def pump_out() -> None:
        for line in out:
            stdout.append(line)
            lines.put(line)

    threading.Thread(target=pump_out, daemon=True).start()
    threading.Thread(target=lambda: stderr.extend(err), daemon=True).start()
    try:
        line = lines.get(timeout=60)
    except queue.Empty:
        process.kill()
        raise AssertionError("serve did not start: " + "".join(stderr)) from None
    assert line.startswith("listening on http://127.0.0.1:"), line + "".join(stderr)
    return Served(line.split()[-1].rsplit("/slack/events", 1)[0], process, stdout, stderr)


def stop_serve(served: Served) -> int:
    import signal

    served.process.send_signal(signal.SIGTERM)
    code = served.process.wait(timeout=30)
    time.sleep(0.2)  # let the pump threads read the last lines
    return int(code)


def settle(fake: FakeSlack, quiet: float = 0.5, timeout: float = 30.0) -> None:
    """Wait until the fake Slack has had no new call for `quiet` seconds (listeners run after the ack)."""
    deadline = time.monotonic() + timeout
    seen, since = len(fake.calls), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(fake.calls)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    raise AssertionError("the bot kept calling Slack")
