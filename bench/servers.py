"""Processes the HTTP benchmarks talk to: the fake Slack Web API, `incident-bot serve`, the bare Bolt app,
and the load generator; plus the texts deliveries are made of."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bench.common import ROOT, cpu_seconds, vm_rss_mb

SECRET = "bench-signing-secret-0123456789abcdef"
TOKEN = "xoxb-bench-token"
REPORT_CHANNEL = "C_REPORT"
PR_CHANNEL = "C_PR"
PR_USER = "slack:U_PR"
CORPUS = ROOT / "tests" / "data" / "classifier_corpus.jsonl"
REPORT_KINDS = ("flaming", "impersonation", "misinformation", "account_takeover")  # leak goes restricted
PROFILE = "asahikawa"


class Process:
    """A child process whose first stdout line says where it listens; stderr goes to a log file."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path, name: str) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self._log,
                                      text=True, encoding="utf-8")
        lines: queue.Queue[str] = queue.Queue()
        stdout = self.popen.stdout
        assert stdout is not None
        threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
        deadline = time.monotonic() + 60
        while True:  # a child that exits at once (a config error) fails now, not after the whole minute
            try:
                line = lines.get(timeout=0.2)
                if "listening" in line:
                    break
                continue  # a notice before it (`incident-bot teams` in anonymous mode says so first)
            except queue.Empty:
                if self.popen.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{name} did not start: {self._tail()}; see {log_path}") from None
        if "listening" not in line:
            self.stop()
            raise RuntimeError(f"{name} did not start: {line!r}; see {log_path}")
        self.url = line.split()[-1].strip()

    def _tail(self) -> str:
        return " | ".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-2:])

    @property
    def pid(self) -> int:
        return self.popen.pid

    def rss_mb(self) -> float | None:
        return vm_rss_mb(self.pid)

    def hwm_mb(self) -> float | None:
        return vm_rss_mb(self.pid, "VmHWM")

    def cpu_seconds(self) -> float | None:
        return cpu_seconds(self.pid)

    def stop(self) -> int | None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._log.close()
        return self.popen.returncode


def _child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    env.pop("SLACK_APP_TOKEN", None)
    env.update(extra)
    return env


class FakeSlack(Process):
    """bench/fake_slack_server.py in its own process, with its control endpoints."""

    def __init__(self, tmp: Path) -> None:
        super().__init__([sys.executable, "-m", "bench.fake_slack_server"], _child_env(), tmp / "fake_slack.log",
                         "fake Slack")
        self.api_url = self.url + "/api/"
        self._next = 0

    def _call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return dict(json.loads(answer.read()))

    def posts(self) -> list[list[Any]]:
        """chat.postMessage calls accepted since the last call: [t, channel, thread_ts, what, url_id, ts]."""
        answer = self._call(f"/_bench/posts?since={self._next}")
        self._next = answer["next"]
        return list(answer["posts"])

    def snapshot(self) -> dict[str, Any]:
        """Every post so far, the 429s answered ([t, channel]) and the counters."""
        return self._call("/_bench/posts?since=0")

    def stats(self) -> dict[str, Any]:
        return self._call("/_bench/stats")

    def rate_limit(self, rate: float, burst: float = 3.0) -> None:
        """Answer chat.postMessage with 429 + Retry-After when a channel exceeds `rate`/s (0: never)."""
        self._call("/_bench/config", {"rate": rate, "burst": burst, "methods": ["chat.postMessage"]})

    def reset(self) -> None:
        self._call("/_bench/reset", {})
        self._next = 0


class Database:
    """A fresh SQLite file, or a private schema in the given PostgreSQL database (dropped afterwards)."""

    def __init__(self, backend: str, tmp: Path, pg_url: str | None = None) -> None:
        self.backend = backend
        self._schema: str | None = None
        self._pg_url = pg_url
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.db'}"
            return
        if not pg_url:
            raise ValueError("PostgreSQL needs --pg URL")
        from sqlalchemy import text

        from storage.db import make_engine

        self._schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(pg_url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {self._schema}"))
        admin.dispose()
        self.url = f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{self._schema}"

    def drop(self) -> None:
        if self._schema and self._pg_url:
            from sqlalchemy import text

            from storage.db import make_engine

            admin = make_engine(self._pg_url)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {self._schema} CASCADE"))
            admin.dispose()


def unpaced() -> dict[str, Any]:
    """Slack settings that switch the delivery pacer off (CPU measurements: all work done at once), for a bot
    that has one (an older tree measured side by side has not)."""
    from bot.config import SlackSettings

    return {"post_interval_seconds": 0} if "post_interval_seconds" in SlackSettings.model_fields else {}


def bot_config(tmp: Path, slack: dict[str, Any] | None = None) -> Path:
    """app.yaml for the bot under test: one report channel, one PR channel, a two-level chain."""
    config = {
        "profile": PROFILE, "playbooks_dir": str(ROOT / "playbooks"),
        "access": {"pr_members": [f"slack:{PR_USER}"]},
        "escalation": {"levels": [{"section": "pr_section", "after_minutes": 30, "mention": "S_PR"},
                                  {"section": "department_head", "after_minutes": 60, "mention": "U_HEAD"}]},
        "slack": {"report_channels": [REPORT_CHANNEL], "pr_channel": PR_CHANNEL, **(slack or {})},
    }
    path = tmp / "app.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def start_bot(tmp: Path, fake: FakeSlack, database: Database, whatif: str = "",
              slack: dict[str, Any] | None = None) -> Process:
    """The real command line: `incident-bot --config … serve --host 127.0.0.1 --port 0` (or, to measure a
    change before making it, the same through bench/whatif.py with BENCH_WHATIF)."""
    env = _child_env(DATABASE_URL=database.url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                     SLACK_API_URL=fake.api_url, BENCH_WHATIF=whatif)
    entry = ["-m", "bench.whatif"] if whatif else ["-c", "from bot.main import main; main()"]
    command = [sys.executable, *entry, "--config", str(bot_config(tmp, slack)), "serve", "--host", "127.0.0.1",
               "--port", "0"]
    return Process(command, env, tmp / f"bot-{database.backend}-{uuid.uuid4().hex[:4]}.log", "incident-bot serve")


def start_bare(tmp: Path, fake: FakeSlack) -> Process:
    env = _child_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url)
    return Process([sys.executable, "-m", "bench.bare_bolt", "--host", "127.0.0.1", "--port", "0"], env,
                   tmp / "bare-bolt.log", "bare Bolt")


@lru_cache(maxsize=1)
def notified_kinds() -> tuple[str, ...]:
    """The report kinds whose PR notice goes at once in the bench's profile (旭川市 tells 広報広聴課 of
    misinformation only once it is answered 悪質, 7(3)イ: such a report has no PR notice to time)."""
    from bot.triage.playbook import load_library
    from bot.triage.profiles import load_profiles

    profiles = load_profiles(ROOT / "playbooks" / "profiles")
    library = load_library(ROOT / "playbooks", profiles)
    return tuple(kind for kind in REPORT_KINDS if library.first_notice(kind, profiles[PROFILE]) is None)


@lru_cache(maxsize=1)
def texts() -> dict[str, list[str]]:
    """Report texts (corpus lines the classifier files under a non-restricted kind whose PR notice goes at once, a
    URL added) and chatter (lines it rejects), so every delivery does what its category says."""
    from bot.triage.classify import Classifier

    classifier = Classifier()
    kinds = notified_kinds()
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    report, chatter = [], []
    for row in rows:
        text = row["text"]
        if "http" in text or "www." in text:
            continue  # a URL of its own would be the post the report is about, not the one the bench gives
        result = classifier.classify(f"{text} https://x.bench.example/status/1")
        if row["kind"] in kinds and result.outcome == "report" and result.kind in kinds:
            report.append(text)
        elif row["kind"] == "none" and classifier.classify(text).outcome == "chatter":
            chatter.append(text)
    return {"report": report, "chatter": chatter}


def run_load(spec: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """Run bench/loadgen.py in its own process with this spec; its result."""
    spec = {"secret": SECRET, "report_channel": REPORT_CHANNEL, "texts": texts(), **spec}
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=tmp, delete=False, encoding="utf-8") as fh:
        json.dump(spec, fh, ensure_ascii=False)
        spec_path = Path(fh.name)
    out_path = spec_path.with_suffix(".out.json")
    subprocess.run([sys.executable, "-m", "bench.loadgen", str(spec_path), str(out_path)], cwd=ROOT,
                   env=_child_env(), check=True)
    result = dict(json.loads(out_path.read_text(encoding="utf-8")))
    spec_path.unlink(missing_ok=True)
    out_path.unlink(missing_ok=True)
    return result


def wait_quiet(fake: FakeSlack, quiet: float = 1.0, limit: float = 30.0) -> tuple[list[list[Any]], float, bool]:
    """Wait until the bot stops calling the fake for `quiet` seconds (at most `limit`); the chat.postMessage
    calls collected, the seconds until the last call, and whether it went quiet in time."""
    started = time.monotonic()
    total, last = -1, started
    while True:
        now = time.monotonic()
        calls = sum(fake.stats()["counts"].values())
        if calls != total:
            total, last = calls, now
        elif now - last >= quiet:
            return fake.posts(), last - started, True
        if now - started >= limit:
            return fake.posts(), now - started, False
        time.sleep(0.1)
