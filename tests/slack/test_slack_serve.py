"""`incident-bot serve` in a subprocess, spoken to over a real HTTP socket: the whole scenario again."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import OTHER, PR, PR_CHANNEL, REPORT, SECRET, STAFF
from fake_slack import FakeSlack
from slack_driver import HttpTransport, SlackDriver, action_ids, pending_step, step_messages, text_of, walk_steps
from slack_signing import event_request, signed_headers

REPO = Path(__file__).resolve().parents[2]
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"


def _config(tmp_path: Path) -> Path:
    config = {
        "profile": "asahikawa", "playbooks_dir": str(REPO / "playbooks"),
        "access": {"pr_members": [f"slack:{PR}"]},
        "escalation": {"levels": [{"section": "pr_section", "after_minutes": 30, "mention": "S_PR"},
                                  {"section": "department_head", "after_minutes": 60, "mention": "U_HEAD"}]},
        "slack": {"report_channels": [REPORT], "pr_channel": PR_CHANNEL},
    }
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def server(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[str]:
    """The real command line: `incident-bot --config … serve --host 127.0.0.1 --port 0`; yields its base URL."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "SLACK_BOT_TOKEN": "xoxb-serve",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake_slack.api_url, "PYTHONUNBUFFERED": "1"}
    env.pop("SLACK_APP_TOKEN", None)
    command = [sys.executable, "-c", "from bot.main import main; main()", "--config", str(_config(tmp_path)),
               "serve", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, encoding="utf-8")
    assert process.stdout is not None and process.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    stderr: list[str] = []
    out, err = process.stdout, process.stderr
    threading.Thread(target=lambda: [lines.put(line) for line in out], daemon=True).start()
    threading.Thread(target=lambda: stderr.extend(err), daemon=True).start()
    try:
        line = lines.get(timeout=30)
    except queue.Empty:
        process.kill()
        raise AssertionError("serve did not start: " + "".join(stderr)) from None
    assert line.startswith("listening on http://127.0.0.1:"), line + "".join(stderr)
    yield line.split()[-1].rsplit("/slack/events", 1)[0]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0, "".join(stderr)
    assert "Traceback" not in "".join(stderr), "".join(stderr)


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_serve_runs_the_scenario_over_http(server: str, fake_slack: FakeSlack) -> None:
    fake = fake_slack
    assert _get(server + "/healthz") == 200
    assert _get(server + "/") == 404 and _get(server + "/slack/events") == 404  # GET is not Slack's
    transport = HttpTransport(server + "/slack/events")
    driver = SlackDriver(transport, fake, SECRET)

    # Slack's signature rules hold on the wire.
    message = fake.add_message(REPORT, FLAMING, STAFF)
    event = {"type": "message", "channel": REPORT, "user": STAFF, "text": FLAMING, "ts": message["ts"],
             "channel_type": "channel"}
    body, headers = event_request(SECRET, event, "EvHTTP1")
    assert transport.send(body, {**headers, "x-slack-signature": "v0=" + "0" * 64}).status == 401
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    assert transport.send(body, stale).status == 401

    # Report → thread with step 1 and one PR message; acknowledged within 3 s.
    started = time.monotonic()
    assert transport.send(body, headers).status == 200
    assert time.monotonic() - started < 3
    fake.wait_for(lambda f: pending_step(f, REPORT, message["ts"]) is not None
                  and len(f.channel_messages(PR_CHANNEL)) == 1, timeout=60)  # a loaded CI machine: wait, not fail
    # A retry of the same event creates nothing new.
    body, headers = event_request(SECRET, event, "EvHTTP1", retry_num=1)
    assert transport.send(body, headers).status == 200
    [pr_message] = fake.channel_messages(PR_CHANNEL)
    assert action_ids(pr_message) == ["acknowledge"]

    # Refused, then accepted acknowledgement.
    driver.click(OTHER, pr_message, "acknowledge",
                 until=lambda f: bool(f.calls_to("chat.postEphemeral", user=OTHER)))
    driver.click(PR, pr_message, "acknowledge",
                 until=lambda f: not action_ids(f.messages[(PR_CHANNEL, pr_message["ts"])])
                 and any(m["text"].startswith(f"<@{STAFF}>") for m in f.thread_messages(REPORT, message["ts"])))
    assert "広報 太郎 さんが確認しました" in text_of(fake.message(PR_CHANNEL, pr_message["ts"]))

    # Every step to the end, inputs through the modal.
    headings = walk_steps(driver, STAFF, REPORT, message["ts"])
    assert len(headings) >= 3
    fake.wait_for(lambda f: "すべての手順が終わりました" in f.thread_messages(REPORT, message["ts"])[-1]["text"],
                  timeout=60)
    assert len(step_messages(fake, REPORT, message["ts"])) == len(headings)
    pr_first, *told = fake.channel_messages(PR_CHANNEL)  # one PR message; the rest tell of severity changes
    assert pr_first["ts"] == pr_message["ts"]
    assert all("【重大度の変更】" in text_of(m) and not action_ids(m) for m in told)


def test_idle_connections_do_not_lock_the_server(server: str) -> None:
    """150 connections that send only part of their request headers (issue 13): /healthz still answers at once,
    and the idle ones are closed by the server after its channel timeout."""
    import socket

    host, port = server.removeprefix("http://").split(":")
    idle = []
    try:
        for _ in range(150):
            conn = socket.create_connection((host, int(port)), timeout=5)
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n")
            idle.append(conn)
        started = time.monotonic()
        assert _get(server + "/healthz") == 200
        assert time.monotonic() - started < 2
        idle[0].settimeout(30)
        assert idle[0].recv(1) == b""  # closed by the server (channel_timeout), not left open forever
    finally:
        for conn in idle:
            conn.close()
