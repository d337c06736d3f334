"""`incident-bot summary --post` on a LINE WORKS set-up (walk s15 #15): a missed week posted by hand to
lineworks.summary_channel with its chart, once (the scheduler's claim), instead of 「--post は Slack の…」."""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from typing import Any

import pytest

from bot.summary_cli import summary
from bot.wiring import Runtime
from tests.lineworks.fake_lineworks import FakeLineWorks
from tests.lineworks.harness import SUMMARY_ROOM


def _args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"week": "2026-W46", "format": "text", "chart": None, "post": True, **given})


def _room(fake: FakeLineWorks) -> list[dict[str, Any]]:
    return fake.to("channel", SUMMARY_ROOM)


def test_a_missed_week_is_posted_to_line_works_once(lw_runtime: Callable[..., Runtime], fake: FakeLineWorks,
                                                     environ: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    runtime = lw_runtime()
    out = io.StringIO()
    assert summary(runtime, _args(), out) == 0, out.getvalue()
    assert out.getvalue().endswith(f"summary: posted 2026-W46 to {SUMMARY_ROOM}\n")
    posted = _room(fake)
    assert posted[0]["type"] == "text" and "週次" in posted[0]["text"] and posted[-1]["type"] == "image"
    again = io.StringIO()
    assert summary(runtime, _args(), again) == 1 and "already posted" in again.getvalue()
    assert len(_room(fake)) == len(posted)


def test_missing_line_works_variables_are_named_before_anything_is_printed(
        lw_runtime: Callable[..., Runtime], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LW_BOT_ID", "LW_BOT_SECRET", "LW_CLIENT_ID", "LW_CLIENT_SECRET", "LW_SERVICE_ACCOUNT",
                 "LW_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    out = io.StringIO()
    assert summary(lw_runtime(), _args(), out) == 2
    assert out.getvalue().startswith("summary: --post: 環境変数が設定されていません") and "LW_BOT_ID" in out.getvalue()
