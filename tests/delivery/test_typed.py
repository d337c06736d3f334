"""bot/delivery/typed.py: a message typed to the bot read the same on every platform (no chat SDK, no HTTP)."""

from __future__ import annotations

from bot.delivery.commands import Command
from bot.delivery.typed import Typed, read
from bot.i18n import Catalog

T = Catalog.load("ja").t
URL = "https://x.com/asahikawa_fake/status/77"


def test_help_words_and_an_empty_text_ask_for_help() -> None:
    for text in ("ヘルプ", "help", "？", ""):
        assert read(text, T) == Typed(help=True) and read(text, T).for_bot


def test_a_command_is_for_the_bot_and_its_usage_when_incomplete() -> None:
    assert read("終結 INC-0001", T) == Typed(command=Command("close", 1))
    incomplete = read("終結", T, "/incident ")
    assert incomplete.usage is not None and "/incident 終結" in incomplete.usage and incomplete.for_bot


def test_new_reports_the_rest_as_shown_and_other_text_is_a_report() -> None:
    assert read(f"新規 また炎上 {URL}", T) == Typed(report=f"また炎上 {URL}", new=True)
    # the command reads ids (<@U1> → U1), the report keeps the names people saw
    assert read("新規 U1 が炎上", T, shown="新規 @佐藤 が炎上") == Typed(report="@佐藤 が炎上", new=True)
    said = read(f"市の投稿が炎上しています {URL}", T)
    assert said == Typed(report=f"市の投稿が炎上しています {URL}") and not said.for_bot


def test_a_message_with_files_or_not_addressed_to_the_bot_is_always_a_report() -> None:
    assert read("", T, files=True) == Typed(report="")
    assert read("終結 INC-0001", T, files=True) == Typed(report="終結 INC-0001")
    assert read("help", T, addressed=False, shown="help ") == Typed(report="help ")
