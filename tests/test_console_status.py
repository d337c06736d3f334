"""状況 INC-0001, /status and a question in the console (bot/adapters/console_render.py render_standing): the
standing as every platform words it; one who may act sees the current step here and continues it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.adapters.console import ConsoleChat
from bot.wiring import Runtime
from tests.test_console_transcript import REPORTS, USERS


def test_a_security_officer_asks_about_a_leak_and_continues_it_in_the_console(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS, tmp_path)
    chat.handle("/report " + REPORTS["leak"].format(url="https://x.com/a/status/901"))
    chat.handle("/report " + REPORTS["flaming"].format(url="https://x.com/a/status/902"))
    assert chat.focus == 2
    chat.handle("/as security")
    shown = chat.handle("INC-0001 の状況どうなってますか？")
    assert "【状況】INC-0001（情報漏えい）" in shown and "現在の手順: 手順 1/" in shown and "【手順 1/" in shown
    assert "個人チャットに送りました" not in shown and len(runtime.triage.queries.list(None)) == 2
    assert chat.focus == 1  # the step shown is the one /skip and /done act on
    assert "【手順 2/" in chat.handle("/skip")
    shown = chat.handle("/status")
    assert "現在の手順: 手順 2/" in shown and "手順 1「" in shown and "スキップ（情報 守 さん、" in shown
    assert "インシデント INC-0042 は見つかりません。" in chat.handle("状況 INC-0042")


def test_the_help_lists_the_status_command(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                           tmp_path: Path) -> None:
    chat = ConsoleChat(runtime_factory(sqlite_url).triage, USERS, tmp_path)
    assert "/status [番号]" in chat.handle("/help")
    assert "状況 INC-0001 … 案件の状況" in chat.handle("/incident 状況")
