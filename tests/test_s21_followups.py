"""Session 21 follow-up gaps, read by the shared command reader (brief s21-followups #1): each failed before."""

from __future__ import annotations

import pytest

from bot.delivery import typed
from bot.delivery.commands import Command, read
from bot.i18n import Catalog

T = Catalog.load("ja").t


@pytest.mark.parametrize(("text", "expected"), [
    ("INC-0001 クローズで", Command("close", 1)),
    ("INC-0001 終結でお願いします。", Command("close", 1)),
    ("INC-0001 対応完了", Command("resolve", 1)),
    ("対応完了 INC-0002", Command("resolve", 2)),
    ("INC-0003 再開してください", Command("reopen", 3)),
])
def test_a_command_word_and_a_number_with_a_polite_tail_is_the_command(text: str, expected: Command) -> None:
    assert read(text, T, "/incident ") == expected


@pytest.mark.parametrize("text", ["INC-0001 終結", "INC-0001 対応完了", "INC-0001 クローズで"])
def test_a_report_channel_post_that_is_only_a_command_is_read_as_one(text: str) -> None:
    """Not addressed to the bot (a report channel's post): was a report, recorded as a 続報 of INC-0001."""
    said = typed.read(text, T, "/incident ", addressed=False)
    assert said.command is not None and said.command.incident_id == 1 and not said.report


@pytest.mark.parametrize("text", ["INC-0001 なりすましアカウント、凍結されました", "INC-0001 終結しました",
                                  "INC-0001 終結したはずの炎上がまた拡散しています"])
def test_news_naming_an_incident_stays_a_report_in_a_channel(text: str) -> None:
    said = typed.read(text, T, "/incident ", addressed=False)
    assert said.command is None and said.report == text
