"""Posting the summary to a local Slack-compatible server, and the `summary` command line."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from bot.adapters.slack.summary_post import (
    build_client,
    post_weekly_summary,
    slack_linker,
    summary_publisher,
)
from bot.adapters.slack.text import escape
from bot.clock import FixedClock
from bot.config import Secrets
from bot.main import run
from bot.summary_cli import summary
from bot.triage.summary import IsoWeek, build_summary
from bot.triage.summary_chart import render_chart
from bot.wiring import Runtime
from tests.summary_fake_slack import FakeSlack
from tests.summary_fixtures import insert_incident, jst, make_runtime, seed_two_weeks, write_playbooks

W47 = IsoWeek(2026, 47)
TITLE = "【週次インシデントまとめ】2026年11月16日（月）〜11月22日（日）"
CLI_TITLE = "【週次インシデントまとめ】令和8年11月16日（月）〜11月22日（日）"  # the CLI dates as the profile does
NOW = jst(23, 9)


@pytest.fixture(scope="module")
def playbooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_playbooks(tmp_path_factory.mktemp("playbooks"))


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def runtime(playbooks: Path, sqlite_url: str, clock: FixedClock, slack: FakeSlack) -> Iterator[Runtime]:
    clock.set(NOW)
    made = make_runtime(sqlite_url, playbooks, clock,
                        secrets=Secrets(slack_bot_token=SecretStr("xoxb-test"), slack_api_url=slack.base_url))
    yield made
    made.close()


def _args(**given: object) -> argparse.Namespace:
    values: dict[str, object] = {"week": None, "format": "text", "chart": None, "post": False}
    values.update(given)
    return argparse.Namespace(**values)


def test_post_makes_the_message_and_the_three_upload_calls(runtime: Runtime, slack: FakeSlack) -> None:
    ids = seed_two_weeks(runtime)
    insert_incident(runtime, kind="flaming", created_at=jst(18, 12), department="<!channel> & 課")
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW)
    png = render_chart(summary, runtime.triage.catalog)
    result = post_weekly_summary(runtime, summary, png)
    assert slack.methods() == ["chat.postMessage", "files.getUploadURLExternal", "upload",
                               "files.completeUploadExternal"]
    message, get_url, upload, complete = slack.calls
    assert message.headers["Authorization"] == "Bearer xoxb-test"
    assert message.params["channel"] == "C_SUMMARY"
    blocks = message.params["blocks"]  # chat.postMessage goes as JSON
    # Headed by its dates, not the ISO week (session 13 records walk #11).
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": TITLE, "emoji": True}}
    texts = [block["text"]["text"] for block in blocks[1:]]
    assert all(block["type"] == "section" and len(text) <= 3000 for block, text in zip(blocks[1:], texts, strict=True))
    joined = "\n".join(texts)
    assert "&lt;!channel&gt; &amp; 課" in joined and "<!channel>" not in joined
    assert "■ 新規インシデント 7件" in joined and "個人情報ABC" not in joined
    assert f"INC-{ids['D']:04d}" in joined
    assert get_url.params["filename"] == "incident-summary-2026-W47.png" and int(get_url.params["length"]) == len(png)
    assert upload.body == png
    assert complete.params["channel_id"] == "C_SUMMARY"
    assert json.loads(complete.params["files"]) == [{"id": "F0001", "title": TITLE}]
    assert result == {"channel": "C_SUMMARY", "ts": ["1700000000.000001"], "file_id": "F0001"}


def test_slack_links_and_escaping(runtime: Runtime, slack: FakeSlack) -> None:
    ids = seed_two_weeks(runtime)
    item = build_summary(runtime.triage.deps.sessions, W47, NOW).attention[0]
    link = slack_linker(build_client(runtime))
    assert link(item) == item.ref and slack.calls == []  # reported from the console: nothing to link
    in_slack = replace(item, conversation_platform="slack", conversation_channel="C1",
                       conversation_thread="1700000000.123456")
    expected = f"<https://example.slack.com/archives/C1/p1700000000123456|INC-{ids['I']:04d}>"
    assert link(in_slack) == expected and link(in_slack) == expected
    assert slack.methods() == ["chat.getPermalink"]  # asked once per thread
    gone = replace(in_slack, conversation_channel="C_GONE")
    assert link(gone) == f"INC-{ids['I']:04d} (<#C_GONE>)"
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_cli_prints_text_json_and_chart(runtime: Runtime, tmp_path: Path) -> None:
    seed_two_weeks(runtime)
    out = io.StringIO()
    assert summary(runtime, _args(), out) == 0  # default: the last full week
    assert out.getvalue().startswith(CLI_TITLE + "\n")
    out = io.StringIO()
    chart = tmp_path / "out.png"
    assert summary(runtime, _args(week="2026-W46", format="json", chart=str(chart)), out) == 0
    data = json.loads(out.getvalue())
    assert data["week"] == "2026-W46" and data["current"]["new_total"] == 2
    assert chart.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("week", ["2026-47", "2025-W53", "next week"])
def test_cli_rejects_a_bad_week(runtime: Runtime, week: str) -> None:
    out = io.StringIO()
    assert summary(runtime, _args(week=week), out) == 2
    assert out.getvalue().startswith("summary: --week: ") and "2026-W47" in out.getvalue()


def test_cli_posts_once(runtime: Runtime, slack: FakeSlack, tmp_path: Path) -> None:
    out = io.StringIO()
    assert summary(runtime, _args(week="2026-W47", post=True), out) == 0
    assert out.getvalue().endswith("summary: posted 2026-W47 to C_SUMMARY\n")
    assert slack.methods() == ["chat.postMessage", "files.getUploadURLExternal", "upload",
                               "files.completeUploadExternal"]
    out = io.StringIO()
    assert summary(runtime, _args(week="2026-W47", post=True), out) == 1
    assert "already posted" in out.getvalue() and len(slack.calls) == 4


def test_cli_post_needs_a_channel(playbooks: Path, sqlite_url: str, clock: FixedClock, slack: FakeSlack) -> None:
    runtime = make_runtime(sqlite_url, playbooks, clock, slack={"summary_channel": None},
                           secrets=Secrets(slack_bot_token=SecretStr("xoxb-test"), slack_api_url=slack.base_url))
    try:
        out = io.StringIO()
        assert summary(runtime, _args(post=True), out) == 2
        assert "lineworks.summary_channel: neither is set" in out.getvalue() and slack.calls == []
        summary_publisher(runtime)(build_summary(runtime.triage.deps.sessions, W47, NOW), None)  # skipped
        assert slack.calls == []
    finally:
        runtime.close()


def test_main_wires_the_summary_command(playbooks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump({"playbooks_dir": str(playbooks),
                                      "database_url": f"sqlite:///{tmp_path / 'cli.db'}"}), encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = io.StringIO()
    assert run(["--config", str(config), "summary", "--week", "2026-W99"], stdout=out) == 2
    out = io.StringIO()
    assert run(["--config", str(config), "summary", "--week", "2026-W47", "--format", "json"], stdout=out) == 0
    assert json.loads(out.getvalue())["empty"] is True
