"""Session 21 follow-up gaps in the console (brief s21-followups): each test failed before its fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.adapters.console import ConsoleChat
from bot.wiring import Runtime
from tests.test_console_transcript import REPORTS, USERS


def _events(runtime: Runtime, incident_id: int) -> list[str]:
    return [entry.type for entry in runtime.triage.queries.timeline(incident_id, "console:pr")]


def test_a_near_command_typed_in_the_console_is_a_command_not_a_follow_up(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    """#1: 「INC-0001 クローズで」「INC-0001 対応完了」 were recorded as 続報 and PR told 【続報】."""
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS, tmp_path)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/811"))
    chat.handle("/as pr")
    for typed in ("INC-0001 クローズで", "INC-0001 対応完了でお願いします"):
        shown = chat.handle(typed)
        assert "続報" not in shown, shown
    assert "followup" not in _events(runtime, 1)
    assert runtime.triage.queries.view(1, "console:pr").status == "resolved"  # 対応完了 ran as /resolve does
