"""`incident-bot lineworks` in a subprocess, spoken to over HTTP with signed callbacks; stopped and started
again on the same database in the middle of a playbook: nothing twice, nothing lost."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.signature import sign
from tests.lineworks.conftest import BOT_ID, BOT_SECRET
from tests.lineworks.fake_lineworks import FakeLineWorks
from tests.lineworks.harness import NAMES, PR_ROOM, SETTINGS, STAFF, quick_data, text_of

REPO = Path(__file__).resolve().parents[2]
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"


def _config(tmp_path: Path) -> Path:
    config = {"profile": "asahikawa", "playbooks_dir": str(REPO / "playbooks"), "lineworks": SETTINGS}
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


class Process:
    """One `incident-bot lineworks` process; `url` is its callback endpoint."""

    def __init__(self, tmp_path: Path, environ: dict[str, str]) -> None:
        env = {**os.environ, **environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'lw.db'}", "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-c", "from bot.main import main; main()", "--config", str(_config(tmp_path)),
                   "lineworks", "--host", "127.0.0.1", "--port", "0"]
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, encoding="utf-8")
        assert self.process.stdout is not None and self.process.stderr is not None
        lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        out, err = self.process.stdout, self.process.stderr
        threading.Thread(target=lambda: [lines.put(line) for line in out], daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(err), daemon=True).start()
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            self.process.kill()
            raise AssertionError("lineworks did not start: " + "".join(self.stderr)) from None
        assert line.startswith("listening on http://127.0.0.1:"), line + "".join(self.stderr)
        self.url = line.split()[-1]
        self.seq = 0

    def send(self, body: dict[str, Any]) -> requests.Response:
        self.seq += 1
        body = {**body, "issuedTime": f"2026-11-18T01:00:{self.seq:02d}.{os.getpid() % 1000:03d}Z"}
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return requests.post(self.url, data=raw, timeout=30, headers={
            "Content-Type": "application/json", "X-WORKS-Signature": sign(raw, BOT_SECRET), "X-WORKS-BotId": BOT_ID})

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=30) == 0, "".join(self.stderr)
        assert "Traceback" not in "".join(self.stderr), "".join(self.stderr)


def _cards(fake: FakeLineWorks) -> list[str]:
    return [text_of(c).splitlines()[0] for c in fake.to("user", STAFF) if c["type"] == "flex"]


def test_the_command_serves_a_report_and_a_restart_finishes_the_playbook_once(
        tmp_path: Path, fake: FakeLineWorks, environ: dict[str, str]) -> None:
    for user, (last, first) in NAMES.items():
        fake.add_user(user, last, first)
    first = Process(tmp_path, environ)
    source = {"userId": STAFF, "domainId": 1}
    answer = first.send({"type": "message", "source": source, "content": {"type": "text", "text": FLAMING}})
    assert answer.status_code == 200
    fake.wait_until(lambda f: len(f.to("channel", PR_ROOM)) == 1 and len(_cards(f)) == 1)
    step1 = _cards(fake)[0]
    skip = next(d for d in quick_data(fake.to("user", STAFF)[-1]) if pb.decode(d).action == pb.SKIP)
    first.stop()

    second = Process(tmp_path, environ)  # the same database, a new process
    assert second.send({"type": "postback", "source": source, "data": skip}).status_code == 200
    fake.wait_until(lambda f: len(_cards(f)) == 2)
    cards = _cards(fake)
    assert cards[0] == step1 and "【手順 2/" in cards[1]
    second.stop()
    assert len(fake.to("channel", PR_ROOM)) == 1
    counts = Counter(json.dumps(p.content, ensure_ascii=False, sort_keys=True) for p in fake.posted)
    assert max(counts.values()) == 1  # nothing was sent twice
