"""Secrets and logs: tokens, the signing secret and the database password never appear in a log line or an
error message; log lines are JSON with incident ids and event names, never the text of a report.

Real-looking secrets are in the environment for every test here (SLACK_BOT_TOKEN=xoxb-…,
SLACK_APP_TOKEN=xapp-…, the signing secret, a DATABASE_URL with a password). The flows run on the real Bolt
app with the JSON handler of bot/logging_setup.py installed at DEBUG, and what it wrote is searched; so are
the records themselves (for report text, which no filter could recognise: it must simply never be logged).
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_driver import find_element, pending_step

from bot.logging_setup import JsonFormatter, Redactor, RedactSecrets, secret_values, setup_logging
from tests.security.conftest import (
    APP_TOKEN,
    BOT_TOKEN,
    FLAMING,
    LEAK,
    PR,
    PR_CHANNEL,
    REPO,
    REPORT,
    REPORTER,
    SECRET,
    Bot,
    LogCapture,
    record_text,
    serve_config,
)

INLINE = True
DB_PASSWORD = "Db-Pa55word-Very-Secret"
TEAMS_PASSWORD = "teams~AppPassword.0123456789"
ENV = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SECRET,
    "SLACK_APP_TOKEN": APP_TOKEN,
    "TEAMS_APP_PASSWORD": TEAMS_PASSWORD,
}
SECRETS = (BOT_TOKEN, SECRET, APP_TOKEN, DB_PASSWORD, TEAMS_PASSWORD)
TEXT_MARK = "REPORTTEXTMARK"


@pytest.fixture
def json_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The production handler (JSON lines, secrets masked) at DEBUG into a buffer; secrets in the env."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    environ = {**os.environ, "DATABASE_URL": f"postgresql://bot:{DB_PASSWORD}@db.example/incidents"}
    stream = io.StringIO()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "slack_sdk", "slack_bolt", "urllib3")}
    handler = setup_logging(environ, stream=stream, level="DEBUG", replace_handlers=False)
    yield stream
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


# -- the redaction itself ------------------------------------------------------------------------------------
def test_redactor_masks_token_shapes_known_values_and_url_passwords() -> None:
    redact = Redactor(
        secret_values(
            {
                **ENV,
                "DATABASE_URL": f"postgresql://bot:{DB_PASSWORD}@db/x",
                "SHORT_TOKEN": "abc",
                "MY_API_KEY": "key-0123456789",
            }
        )
    )
    text = (
        f"bot {BOT_TOKEN} user xoxp-1-2-3-abcdef app {APP_TOKEN} rotating xoxe.xoxb-1-abc.def "
        f"refresh xoxr-0123 header Authorization: Bearer {SECRET} signing {SECRET} "
        f"url postgresql://bot:{DB_PASSWORD}@db/x other mysql://u:pw0rd!@h/x teams {TEAMS_PASSWORD} "
        f"key key-0123456789 short abc"
    )
    masked = redact(text)
    for secret in (
        *SECRETS,
        "xoxp-1-2-3-abcdef",
        "xoxe.xoxb-1-abc.def",
        "xoxr-0123",
        "pw0rd!",
        "key-0123456789",
    ):
        assert secret not in masked, secret
    assert "short abc" in masked  # a 3-character value is not a secret worth masking ordinary words for
    assert masked.count("***") >= 10


def test_the_filter_masks_message_arguments_fields_and_tracebacks() -> None:
    redact = RedactSecrets(Redactor([SECRET]))
    try:
        raise RuntimeError(f"auth failed for {BOT_TOKEN}")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "incident_bot.slack",
        logging.ERROR,
        __file__,
        1,
        "call with %s and %r",
        (BOT_TOKEN, {"secret": SECRET}),
        exc_info,
    )
    record.slack_headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
    record.slack_incident_id = 12
    assert redact.filter(record)
    line = JsonFormatter().format(record)
    assert BOT_TOKEN not in line and SECRET not in line and "***" in line
    entry = json.loads(line)
    assert entry["incident_id"] == 12 and "RuntimeError" in entry["exc"] and entry["level"] == "ERROR"


# -- the flows -----------------------------------------------------------------------------------------------
def test_flows_log_ids_and_events_never_secrets_or_report_text(
    bot: Bot, log_capture: LogCapture, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, driver = bot.fake, bot.driver
    mark = log_capture.mark()
    # Reports (ordinary and restricted), the PR's acknowledgement, a step, a capture, escalations.
    flaming, _ = driver.post_message(REPORTER, FLAMING.format(n=1) + f" {TEXT_MARK}", REPORT)
    leak, _ = driver.post_message(REPORTER, LEAK.format(n=2) + f" {TEXT_MARK}", REPORT)
    [first, second] = bot.incident_ids()[-2:]
    pr_message = next(
        m
        for m in fake.channel_messages(PR_CHANNEL)
        if find_element(m, "acknowledge")[1]["value"] == str(first)
    )
    driver.click(PR, pr_message, "acknowledge")
    step = pending_step(fake, REPORT, flaming["ts"])
    assert step is not None
    driver.click(REPORTER, step, "step_skip")
    reply = fake.add_message(REPORT, f"{TEXT_MARK} 追加の情報 {BOT_TOKEN}", REPORTER, thread_ts=leak["ts"])
    driver.react(REPORTER, REPORT, reply["ts"])
    bot.clock.advance(hours=2)
    assert bot.runtime.triage.escalations.fire_due(bot.adapter.deliver_notification, "w1") >= 1
    # Slack failing: a refused token, a missing channel, a user lookup error, and a bug with a token in it.
    fake.fail("chat.postMessage", "invalid_auth", times=3)
    fake.fail("users.info", "user_not_found")
    driver.post_message("U_NEWCOMER", FLAMING.format(n=3) + f" {TEXT_MARK}", REPORT)
    fake.fail("chat.postEphemeral", "channel_not_found")
    driver.click("U_NEWCOMER", pr_message, "acknowledge")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"renderer exploded near {BOT_TOKEN} / {SECRET}")

    monkeypatch.setattr(bot.adapter.render, "intro", broken)
    driver.post_message(REPORTER, FLAMING.format(n=4) + f" {TEXT_MARK}", REPORT)

    written = json_log.getvalue()
    entries = lines(json_log)  # every line is one JSON object
    assert entries
    for secret in SECRETS:
        assert secret not in written, secret
    assert TEXT_MARK not in written and "住所" not in written and "炎上" not in written
    assert "***" in written  # the exploding renderer's token was masked, not dropped with its traceback
    unexpected = [e for e in entries if e["event"] == "slack.unexpected"]
    assert unexpected and "RuntimeError" in unexpected[0]["exc"]
    reports = [e for e in entries if e["event"] == "slack.report"]
    assert {e["incident_id"] for e in reports} >= {first, second}
    assert any(e["event"] == "slack.api_error" and e.get("error") == "invalid_auth" for e in entries)
    assert all(e["level"] in ("DEBUG", "INFO", "WARNING", "ERROR") and e["logger"] for e in entries)
    # The records themselves (before any masking) never held report text: nothing logged it.
    for record in log_capture.since(mark):
        assert TEXT_MARK not in record_text(record), record_text(record)[:300]
    assert second  # the leak was reported too (its text checked above)


def test_error_messages_and_reprs_carry_no_secrets(
    bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, json_log: io.StringIO
) -> None:
    from slack_sdk.errors import SlackApiError

    from bot.config import load_config
    from bot.main import run

    texts: dict[str, str] = {}
    # Settings and the objects holding them.
    settings = load_config(
        serve_config(tmp_path), {**ENV, "DATABASE_URL": f"postgresql://bot:{DB_PASSWORD}@db/x"}
    )
    texts["repr(settings)"] = repr(settings)
    texts["str(settings)"] = str(settings)
    texts["repr(adapter)"] = repr(bot.adapter)
    texts["repr(client)"] = repr(bot.adapter.client)
    # A Web API error as the code sees it.
    bot.fake.fail("chat.postMessage", "invalid_auth")
    with pytest.raises(SlackApiError) as raised:
        bot.adapter.client.chat_postMessage(channel=REPORT, text="x")
    texts["SlackApiError"] = f"{raised.value} {raised.value!r}"
    # Command-line errors with the secrets in the environment.
    config = serve_config(tmp_path, pr_channel="C_PR")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SLACK_API_URL", bot.fake.api_url)
    for name, argv in {
        "missing config": ["--config", str(tmp_path / "nope.yaml"), "check"],
        "bad yaml": ["--config", str(_write(tmp_path / "bad.yaml", "access: [\n")), "check"],
        "bad field": ["--config", str(_write(tmp_path / "f.yaml", "slack: {slash_command: x}\n")), "check"],
    }.items():
        out = io.StringIO()
        assert run(argv, stdout=out, stderr=out) == 2
        texts[name] = out.getvalue()
    monkeypatch.setenv("DATABASE_URL", f"mysql://bot:{DB_PASSWORD}@db/x")
    out = io.StringIO()
    assert run(["--config", str(config), "check"], stdout=out, stderr=out) == 2
    texts["bad DATABASE_URL"] = out.getvalue()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    bot.fake.fail("auth.test", "invalid_auth")
    out = io.StringIO()
    assert run(["--config", str(config), "serve", "--port", "0"], stdout=out, stderr=out) == 2
    texts["serve with a refused token"] = out.getvalue()
    assert "invalid_auth" in out.getvalue()
    monkeypatch.delenv("SLACK_APP_TOKEN")
    out = io.StringIO()
    assert run(["--config", str(config), "socket"], stdout=out, stderr=out) == 2
    texts["socket without app token"] = out.getvalue()
    texts["logs"] = json_log.getvalue()
    for where, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"{where}: {secret}"
    assert "SLACK_APP_TOKEN" in texts["socket without app token"]  # the variable is named, its value never
    assert "***" in texts["repr(settings)"]


def test_main_writes_json_lines_with_secrets_masked(tmp_path: Path) -> None:
    """`incident-bot` itself (main(), not a test's handler): its log lines are JSON and masked."""
    clock_file = tmp_path / f"now-{BOT_TOKEN}.txt"  # a path that holds a token, logged by main()'s warning
    clock_file.write_text("2026-11-18T10:00:00+09:00", encoding="utf-8")
    env = {
        **os.environ,
        **ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'main.db'}",
        "INCIDENT_BOT_FAKE_NOW_FILE": str(clock_file),
        "LOG_LEVEL": "DEBUG",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from bot.main import main; main()",
            "--config",
            str(serve_config(tmp_path)),
            "check",
        ],
        check=False,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    entries = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert entries and all({"ts", "level", "logger", "event", "msg"} <= set(e) for e in entries)
    assert BOT_TOKEN not in done.stderr and "***" in done.stderr


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
