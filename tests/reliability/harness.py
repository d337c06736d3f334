"""The bot as operators run it, and Slack as users meet it, for the reliability tests.

- `BotProcess`: `incident-bot serve` as a real subprocess (waitress, Bolt, the scheduler), killed with SIGKILL
  and started again on the same database.
- `KillSwitchSlack`: tests/slack's fake Web API server that can also SIGKILL the bot when its n-th Web API call
  arrives, before answering it (Slack never saw it) or after (Slack did it, the bot never learnt so).
- `ClockFile`: the bot's clock (INCIDENT_BOT_FAKE_NOW_FILE, bot.clock.FileClock), moved by rewriting a file.
- `SlackSide`: Slack and its users: deliveries Slack retries (no HTTP 200: same event_id, X-Slack-Retry-Num),
  clicks and modal submissions users repeat (Slack never redelivers those), each checked for its visible effect.
- `posts()` / `meta_of()`: the bot's posts by their message metadata (incident id + purpose), which is how
  "posted once" is counted.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

SLACK_TESTS = Path(__file__).resolve().parents[1] / "slack"
if str(SLACK_TESTS) not in sys.path:
    sys.path.insert(0, str(SLACK_TESTS))

from fake_slack import FakeSlack
from slack_driver import action_ids, answers_from_view, find_element
from slack_signing import event_request, interactive_request

from bot.adapters.slack.port import METADATA_TYPE
from bot.clock import FAKE_NOW_ENV, JST

REPO = Path(__file__).resolve().parents[2]
SECRET = "reliability-signing-secret-0123456789"
REPORT = "C_REPORT"
PR_CHANNEL = "C_PR"
SUMMARY_CHANNEL = "C_SUMMARY"
PR = "U_PR"
STAFF = "U_STAFF"
STAFF2 = "U_STAFF2"
OTHER = "U_OTHER"
NAMES = {PR: "広報 太郎", STAFF: "山田 花子", STAFF2: "田中 二郎", OTHER: "佐藤 一郎"}
# A Wednesday morning in Tokyo, inside office hours: escalations fall due 30 minutes after a report.
START = datetime(2026, 11, 18, 10, 0, tzinfo=JST)
# Time the bot is "down" after a kill: longer than delivery.CLAIM_LEASE (2 min), so claims left by the dead
# process are taken over when Slack or the user tries again.
RESTART_GAP = timedelta(minutes=3)
STORAGE_MESSAGE = "一時的に保存できません"
RESUME_WAIT = 5.0  # seconds a restarted bot gets to finish a report nobody will resend (resume.py)


def write_config(directory: Path, *, summary_channel: str | None = None, tick_seconds: int = 1) -> Path:
    """app.yaml for the bot under test: one report channel, the PR channel, a two-level chain, fast ticks."""
    slack: dict[str, Any] = {"report_channels": [REPORT], "pr_channel": PR_CHANNEL, "post_interval_seconds": 0.05}
    if summary_channel:
        slack["summary_channel"] = summary_channel
    config = {
        "profile": "asahikawa", "playbooks_dir": str(REPO / "playbooks"),
        "access": {"pr_members": [f"slack:{PR}"]},
        "escalation": {"tick_seconds": tick_seconds,
                       "levels": [{"section": "pr_section", "after_minutes": 30, "mention": "S_PR"},
                                  {"section": "department_head", "after_minutes": 60, "mention": "U_HEAD"}]},
        "slack": slack,
    }
    path = directory / "app.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


# -- the clock ------------------------------------------------------------------------------------------------------
class ClockFile:
    """The instant the bot's FileClock reads; rewritten atomically (temporary file, then rename)."""

    def __init__(self, path: Path, start: datetime = START) -> None:
        self.path = path
        self._now = start
        self.set(start)

    def set(self, when: datetime) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(when.isoformat(), encoding="utf-8")
        os.replace(tmp, self.path)
        self._now = when

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)

    def now(self) -> datetime:
        return self._now


# -- the bot process ------------------------------------------------------------------------------------------------
@dataclass
class Response:
    status: int
    body: str


class BotProcess:
    """`incident-bot --config … serve --host 127.0.0.1 --port 0` on a database; stderr appended to `<name>.log`."""

    def __init__(self, name: str, workdir: Path, config: Path, database_url: str, api_url: str,
                 clock: ClockFile) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.env = {**os.environ, "DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-reliability",
                    "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url, FAKE_NOW_ENV: str(clock.path),
                    "PYTHONUNBUFFERED": "1"}
        self.env.pop("SLACK_APP_TOKEN", None)
        self.config = config
        self.url = ""
        self.starts = 0
        self.kills = 0
        self.start_seconds: list[float] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.RLock()

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-c", "from bot.main import main; main()", "--config", str(self.config), *args]

    def start(self, timeout: float = 60.0) -> None:
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts + 1}\n".encode())
            log.flush()
            process = subprocess.Popen(self.command("serve", "--host", "127.0.0.1", "--port", "0"), cwd=REPO,
                                       env=self.env, stdout=subprocess.PIPE, stderr=log)
        lines: queue.Queue[bytes] = queue.Queue()
        out = process.stdout
        assert out is not None

        def pump() -> None:
            for line in out:
                lines.put(line)
            lines.put(b"")

        threading.Thread(target=pump, daemon=True, name=f"{self.name}-stdout").start()
        try:
            line = lines.get(timeout=timeout).decode("utf-8", "replace")
        except queue.Empty:
            process.kill()
            raise AssertionError(f"{self.name} did not start within {timeout}s:\n{self.log_tail()}") from None
        if not line.startswith("listening on http://127.0.0.1:"):
            process.kill()
            raise AssertionError(f"{self.name} did not start: {line!r}\n{self.log_tail()}")
        with self._lock:
            self._process = process
            self.url = line.split()[-1].rsplit("/slack/events", 1)[0]
            self.starts += 1
        self.start_seconds.append(time.monotonic() - started)

    def alive(self) -> bool:
        with self._lock:
            return self._process is not None and self._process.poll() is None

    def kill(self) -> bool:
        """SIGKILL (no clean-up of any kind); True if it was running."""
        with self._lock:
            process = self._process
            if process is None or process.poll() is not None:
                return False
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            self.kills += 1
            return True

    def stop(self) -> int:
        """SIGTERM and wait: the exit code."""
        with self._lock:
            process = self._process
            if process is None:
                return 0
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            return process.wait(timeout=30)

    def send(self, body: str, headers: dict[str, str], timeout: float = 60.0) -> Response | None:
        """POST /slack/events; None when the connection broke (the process died, or was not running)."""
        request = urllib.request.Request(self.url + "/slack/events", data=body.encode("utf-8"), headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return Response(answer.status, answer.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode("utf-8"))
        except (TimeoutError, urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError):
            return None

    def get(self, path: str) -> int | None:
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except (TimeoutError, urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError):
            return None

    def run_cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Another `incident-bot` command on the same database and clock (e.g. `timeline verify`)."""
        return subprocess.run(self.command(*args), cwd=REPO, env=self.env, capture_output=True, text=True,
                              encoding="utf-8", timeout=120, check=False)

    def run_here(self, *args: str) -> tuple[int, str]:
        """The same command in this process (no interpreter start-up): (exit code, output)."""
        import io
        from unittest import mock

        from bot.main import run

        out = io.StringIO()
        with mock.patch.dict(os.environ, self.env, clear=True):
            code = run(["--config", str(self.config), *args], stdout=out, stderr=out)
        return code, out.getvalue()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


# -- fake Slack that can kill ---------------------------------------------------------------------------------------
@dataclass
class KillPlan:
    """Kill `victim` when the `calls`-th Web API call from now arrives (before or after answering it)."""

    calls: int
    after_answer: bool
    victim: BotProcess


class KillSwitchSlack(FakeSlack):
    """tests/slack/fake_slack.FakeSlack plus a kill switch on the n-th Web API call (auth.test not counted)."""

    def __init__(self) -> None:
        super().__init__()
        self._plan: KillPlan | None = None
        self._plan_lock = threading.Lock()
        self.kill_log: list[str] = []
        self.api_calls = 0
        # The killed bot's socket is gone when the answer is written: that is expected, not worth a traceback.
        self._server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        for user, name in NAMES.items():
            self.add_user(user, name)

    def arm(self, plan: KillPlan | None) -> None:
        with self._plan_lock:
            self._plan = plan

    @property
    def armed(self) -> bool:
        with self._plan_lock:
            return self._plan is not None

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        victim: KillPlan | None = None
        with self._plan_lock:
            if method != "auth.test":
                self.api_calls += 1
                if self._plan is not None:
                    self._plan.calls -= 1
                    if self._plan.calls <= 0:
                        victim, self._plan = self._plan, None
        if victim is None:
            return super()._answer(method, args)
        if victim.after_answer:
            answer = super()._answer(method, args)
            victim.victim.kill()
            self.kill_log.append(f"after {method}")
            return answer
        victim.victim.kill()
        self.kill_log.append(f"before {method}")
        return {"ok": False, "error": "fatal_error"}  # nobody reads it: the caller is dead


# -- reading the bot's posts ----------------------------------------------------------------------------------------
def meta_of(message: dict[str, Any]) -> tuple[int, str] | None:
    """(incident id, purpose) from a bot post's metadata."""
    meta = message.get("metadata") or {}
    if meta.get("event_type") != METADATA_TYPE:
        return None
    payload = meta.get("event_payload") or {}
    return int(payload["incident_id"]), str(payload["purpose"])


def all_messages(fake: FakeSlack) -> list[dict[str, Any]]:
    with fake._cond:
        found = [json.loads(json.dumps(m)) for m in fake.messages.values()]
    return sorted(found, key=lambda m: float(m["ts"]))


def posts(fake: FakeSlack, incident_id: int | None = None, purpose: str | None = None,
          prefix: str | None = None) -> list[dict[str, Any]]:
    """The bot's posts (current content) for an incident and purpose (or purposes starting with `prefix`)."""
    found = []
    for message in all_messages(fake):
        meta = meta_of(message)
        if meta is None or (incident_id is not None and meta[0] != incident_id):
            continue
        if (purpose is None or meta[1] == purpose) and (prefix is None or meta[1].startswith(prefix)):
            found.append(message)
    return found


def has_buttons(message: dict[str, Any]) -> bool:
    return bool(action_ids(message))


def step_posts(fake: FakeSlack, incident_id: int) -> list[dict[str, Any]]:
    return posts(fake, incident_id, prefix="step:")


def open_step(fake: FakeSlack, incident_id: int) -> dict[str, Any] | None:
    """The oldest step message still showing buttons (a user reads the thread top to bottom)."""
    pending = [m for m in step_posts(fake, incident_id) if has_buttons(m)]
    return pending[0] if pending else None


def merge_notices(fake: FakeSlack, channel: str, thread_ts: str) -> list[int]:
    """The incidents a merged report was told about, in a note only its reporter sees (one per telling)."""
    found = []
    for call in fake.calls_to("chat.postEphemeral", channel=channel, thread_ts=thread_ts):
        match = re.search(r"INC-(\d+)", str(call.args.get("text")))
        if match:
            found.append(int(match.group(1)))
    return found


def incident_of_thread(fake: FakeSlack, channel: str, thread_ts: str) -> int | None:
    """The incident whose intro the bot posted under this report message."""
    for message in posts(fake, purpose="intro"):
        if message["channel"] == channel and message.get("thread_ts") == thread_ts:
            meta = meta_of(message)
            return meta[0] if meta else None
    return None


# -- Slack and its users --------------------------------------------------------------------------------------------
class UserStuck(AssertionError):
    """A user can no longer make progress (nothing to click and the effect missing)."""


@dataclass
class Ledger:
    """What users were shown as done: the promises the database must keep."""

    # event_id -> (user, message ts, incident shown, created?); None, None: stored but never answered
    reports: dict[str, tuple[str, str, int | None, bool | None]] = field(default_factory=dict)
    steps: set[tuple[int, str]] = field(default_factory=set)  # (incident, step purpose) shown closed
    acknowledged: set[int] = field(default_factory=set)
    captured: dict[str, int] = field(default_factory=dict)  # message ts -> incident
    attempts: int = 0
    redeliveries: int = 0
    violations: list[str] = field(default_factory=list)


class SlackSide:
    """Sends what Slack sends, to one bot or several; repeats what Slack or its users would repeat."""

    def __init__(self, fake: KillSwitchSlack, bots: list[BotProcess], clock: ClockFile,
                 rng: random.Random | None = None, max_attempts: int = 6) -> None:
        self.fake = fake
        self.bots = bots
        self.clock = clock
        self.rng = rng or random.Random(0)
        self.max_attempts = max_attempts
        self.ledger = Ledger()
        self._ids = itertools.count(1)
        self._turn = itertools.count()
        self.on_restart: Callable[[], None] = lambda: None

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    # -- which bot answers ------------------------------------------------------------------------------------
    def bot_for(self, attempt: int) -> BotProcess:
        """Round-robin over the instances; a retry goes to the next one (another instance, when there are two)."""
        if len(self.bots) == 1:
            return self.bots[0]
        return self.bots[(next(self._turn) + attempt) % len(self.bots)]

    def recover(self) -> None:
        """After a crash: the operator's supervisor starts the bot again; some time has passed."""
        for bot in self.bots:
            if not bot.alive():
                self.clock.advance(RESTART_GAP)
                bot.start()
                self.on_restart()

    def _deliver(self, what: str, send: Callable[[BotProcess, int], Response | None], done: Callable[[], bool],
                 still_possible: Callable[[], bool] = lambda: True, *, slack_retries: bool = False) -> None:
        """Send until a 200; after a failure, recover the bot and send again.

        A 200 means "stored": the posts follow it (handlers.later), so the effect is waited for. If the bot dies
        before showing it, Slack does not redeliver an event it had a 200 for (resume.py must finish it), while
        a user clicks again. slack_retries: Slack itself redelivers (events) whatever it got no 200 for, the
        effect visible or not. Otherwise a user tries again only while the effect is missing and the control is
        still there.
        """
        for attempt in range(self.max_attempts):
            self.recover()
            if attempt and not slack_retries and done():
                return  # the first attempt went through; the user sees it and does not try again
            if attempt and not slack_retries and not still_possible():
                break
            self.ledger.attempts += 1
            self.ledger.redeliveries += 1 if attempt else 0
            response = send(self.bot_for(attempt), attempt)
            if response is not None and response.status != 200:
                self.ledger.violations.append(f"{what}: HTTP {response.status} {response.body[:200]}")
            if response is not None and response.status == 200 and (
                    self.settle(done, wait_for_resume=slack_retries) or slack_retries):
                return  # shown; or an event Slack will not resend: the caller decides what its user does
        if not done():
            raise UserStuck(f"{what}: not done after {self.max_attempts} attempts; kills: {self.fake.kill_log}")

    def settle(self, done: Callable[[], bool], *, wait_for_resume: bool, timeout: float = 15.0) -> bool:
        """Wait for an effect after a 200. If the bot dies first: restart it; then a user gives up waiting at
        once (and clicks again), while an event can only be finished by the restarted bot (resume.py)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return True
            if not all(bot.alive() for bot in self.bots):
                self.recover()
                if not wait_for_resume:
                    return done()
                deadline = time.monotonic() + RESUME_WAIT  # resume.py runs at start-up and on every tick
            time.sleep(0.01)
        return done()

    # -- events (Slack retries them) -------------------------------------------------------------------------
    def event(self, what: str, event: dict[str, Any], done: Callable[[], bool]) -> str:
        event_id = self.next_id("Ev")

        def send(bot: BotProcess, attempt: int) -> Response | None:
            body, headers = event_request(SECRET, event, event_id, retry_num=attempt or None)
            return bot.send(body, headers)

        self._deliver(what, send, done, slack_retries=True)
        return event_id

    def report(self, user: str, text: str) -> int:
        """A user posts in the report channel: a new incident (intro, step, PR message) or a merge notice;
        returns the incident shown."""
        message = self.fake.add_message(REPORT, text, user)
        event = {"type": "message", "channel": REPORT, "user": user, "text": text, "ts": message["ts"],
                 "channel_type": "channel", "event_ts": message["ts"]}

        def done() -> bool:
            incident = incident_of_thread(self.fake, REPORT, message["ts"])
            if incident is not None:
                return bool(step_posts(self.fake, incident)) and bool(posts(self.fake, incident, "pr_message"))
            return bool(merge_notices(self.fake, REPORT, message["ts"]))

        event_id = self.event(f"report by {user}", event, done)
        incident = incident_of_thread(self.fake, REPORT, message["ts"])
        created: bool | None = incident is not None
        if incident is None:
            merged = merge_notices(self.fake, REPORT, message["ts"])
            if merged:
                incident = merged[0]
            else:
                # Stored (Slack had its 200), then the bot died before answering. A new incident is finished by
                # resume.py (checked by ledger_problems); an unanswered merge is not: the reporter, seeing no
                # answer, posts again, which merges again.
                self.ledger.reports[event_id] = (user, message["ts"], None, None)
                return self.report(user, text)
        self.ledger.reports[event_id] = (user, message["ts"], incident, created)
        return incident

    def capture(self, user: str, incident_id: int, text: str = "広報課に電話で報告済み") -> None:
        """Someone replies in the incident thread; the reporter pins it; the bot confirms with ✅."""
        [intro] = posts(self.fake, incident_id, "intro")
        reply = self.fake.add_message(intro["channel"], text, OTHER, thread_ts=intro["thread_ts"])
        event = {"type": "reaction_added", "user": user, "reaction": "pushpin",
                 "item": {"type": "message", "channel": intro["channel"], "ts": reply["ts"]},
                 "item_user": OTHER, "event_ts": self.fake.new_ts()}
        key = (intro["channel"], reply["ts"], "white_check_mark")
        for _ in range(3):  # no ✅ after Slack's 200 (the bot died): the user takes the pin off and pins again
            self.event(f"pin in INC-{incident_id}", {**event, "event_ts": self.fake.new_ts()},
                       lambda: key in self.fake.reactions)
            if key in self.fake.reactions:
                break
        else:
            raise UserStuck(f"pin in INC-{incident_id}: never confirmed")
        self.ledger.captured[reply["ts"]] = incident_id

    # -- interactivity (users repeat it) ---------------------------------------------------------------------
    def _user(self, user: str) -> dict[str, str]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T_TEST"}

    def click(self, what: str, user: str, locate: Callable[[], dict[str, Any] | None], action_id: str,
              done: Callable[[], bool]) -> None:
        """Click a control of a bot message as it is now; again after a failure, while the control is there."""

        def control() -> dict[str, Any] | None:
            message = locate()
            return message if message is not None and action_id in action_ids(message) else None

        def send(bot: BotProcess, attempt: int) -> Response | None:
            message = control()
            assert message is not None
            return bot.send(*self.click_request(user, message, action_id))

        self._deliver(what, send, done, still_possible=lambda: control() is not None)

    def click_request(self, user: str, message: dict[str, Any], action_id: str) -> tuple[str, dict[str, str]]:
        """The signed block_actions request of a click on `message`'s control."""
        block_id, element = find_element(message, action_id)
        payload = {"type": "block_actions", "user": self._user(user), "api_app_id": "A_TEST", "token": "legacy",
                   "team": {"id": "T_TEST", "domain": "test"}, "trigger_id": self.next_id("trigger-"),
                   "container": {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"],
                                 "is_ephemeral": False, "thread_ts": message.get("thread_ts")},
                   "channel": {"id": message["channel"], "name": "channel"}, "message": message,
                   "response_url": f"{self.fake.url}/hooks/{self.next_id('act')}",
                   "actions": [{"action_id": action_id, "block_id": block_id, "type": element["type"],
                                "value": element.get("value", ""), "action_ts": self.fake.new_ts()}]}
        return interactive_request(SECRET, payload)

    def report_request(self, user: str, text: str) -> tuple[dict[str, Any], str, dict[str, str]]:
        """A user's new message in the report channel and its signed event delivery: (message, body, headers)."""
        message = self.fake.add_message(REPORT, text, user)
        event = {"type": "message", "channel": REPORT, "user": user, "text": text, "ts": message["ts"],
                 "channel_type": "channel", "event_ts": message["ts"]}
        body, headers = event_request(SECRET, event, self.next_id("Ev"))
        return message, body, headers

    def told(self, user: str, text: str = STORAGE_MESSAGE) -> int:
        """How many ephemeral messages to `user` said `text`."""
        return sum(1 for call in self.fake.calls_to("chat.postEphemeral", user=user)
                   if text in json.dumps(call.args, ensure_ascii=False))

    def submit(self, what: str, user: str, view: dict[str, Any], done: Callable[[], bool]) -> None:
        """Submit a modal (valid answers); after a failure the modal is still open and the user submits again."""
        values = answers_from_view(view)
        state: dict[str, Any] = {}
        for block in view.get("blocks") or []:
            if block.get("type") != "input" or block["block_id"] not in values:
                continue
            element, value = block["element"], values[block["block_id"]]
            field_ = ({"type": "static_select", "selected_option": {"value": value}}
                      if element["type"] == "static_select" else {"type": element["type"], "value": value})
            state[block["block_id"]] = {element["action_id"]: field_}

        def send(bot: BotProcess, attempt: int) -> Response | None:
            payload = {"type": "view_submission", "team": {"id": "T_TEST", "domain": "test"},
                       "user": self._user(user), "api_app_id": "A_TEST", "token": "legacy",
                       "trigger_id": self.next_id("trigger-"),
                       "view": {**view, "state": {"values": state}, "hash": "h"}, "response_urls": []}
            body, headers = interactive_request(SECRET, payload)
            response = bot.send(body, headers)
            if response is not None and response.status == 200 and response.body.strip():
                self.ledger.violations.append(f"{what}: modal answered {response.body[:300]}")
            return response

        self._deliver(what, send, done)

    # -- whole interactions ------------------------------------------------------------------------------------
    def step_once(self, user: str, incident_id: int, *, skip: bool = False) -> bool:
        """Complete (or skip) the oldest step still showing buttons; False when none is left."""
        message = self.find(lambda: open_step(self.fake, incident_id))
        if message is None:
            return False
        key = (message["channel"], message["ts"])
        purpose = meta_of(message)[1]  # type: ignore[index]

        def closed() -> bool:
            return not has_buttons(self.fake.message(*key))

        def locate() -> dict[str, Any]:
            return self.fake.message(*key)

        controls = action_ids(message)
        if skip and "step_skip" in controls:
            self.click(f"skip {purpose}", user, locate, "step_skip", closed)
        elif "step_input" in controls:
            opened = len(self.fake.views)
            self.click(f"open {purpose}", user, locate, "step_input", lambda: len(self.fake.views) > opened)
            if not closed():
                self.submit(f"submit {purpose}", user, self.fake.views[-1], closed)
        else:
            self.click(f"done {purpose}", user, locate, "step_done", closed)
        self.ledger.steps.add((incident_id, purpose))
        return True

    def walk(self, user: str, incident_id: int, *, limit: int = 30, skip_ratio: float = 0.2) -> int:
        """Every step to the end; returns how many were answered."""
        for count in range(limit):
            if not self.step_once(user, incident_id, skip=self.rng.random() < skip_ratio):
                return count
        raise UserStuck(f"INC-{incident_id}: still steps after {limit}")

    def acknowledge(self, user: str, incident_id: int) -> None:
        """A PR member clicks 確認しました (on the PR message, or on any escalation still showing the button): the
        reporter is told, every button goes."""

        def notices() -> list[dict[str, Any]]:
            return posts(self.fake, incident_id, "pr_message") + posts(self.fake, incident_id, prefix="escalation:")

        def locate() -> dict[str, Any] | None:
            return next((m for m in notices() if has_buttons(m)), None)

        def done() -> bool:
            return bool(posts(self.fake, incident_id, "ack_told")) and not any(map(has_buttons, notices()))

        self.click(f"acknowledge INC-{incident_id}", user, locate, "acknowledge", done)
        self.ledger.acknowledged.add(incident_id)

    def quiesce(self, quiet: float = 0.3, timeout: float = 15.0) -> None:
        """Let posts still in flight finish (no Web API call for `quiet` seconds) before time jumps: a jump of
        half an hour inside a post would make its live claim look abandoned, which real time never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.fake._cond:
                last = self.fake.calls[-1].at if self.fake.calls else 0.0
            if time.monotonic() - last >= quiet:
                return
            time.sleep(0.05)

    def find(self, locate: Callable[[], Any]) -> Any:
        """What a user looks for, after recovering the bot if a scheduler-time kill took it down."""
        self.recover()
        return locate()

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float = 45.0) -> None:
        """Wait for something the scheduler does (no user involved), restarting the bot if it dies meanwhile.
        The bot's time moves on meanwhile (a minute per two seconds waited): leases held by a killed process
        run out as they would."""
        started = time.monotonic()
        deadline = started + timeout
        moved = 0
        while not condition():
            now = time.monotonic()
            if now > deadline:
                raise AssertionError(f"{what}: not within {timeout}s; kills: {self.fake.kill_log}")
            self.recover()
            if int((now - started) / 2) > moved:
                moved += 1
                self.clock.advance(timedelta(minutes=1))
            time.sleep(0.05)


# -- the database, read from the test -------------------------------------------------------------------------------
def read_engine(database_url: str) -> Engine:
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_engine(url)


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(sql), params))
