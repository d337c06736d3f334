"""The typed acknowledgement as every platform reads it (bot/delivery/typed_ack.py, typed.read)."""

from __future__ import annotations

import pytest

from bot.delivery import typed, typed_ack


def _t(key: str, **params: str) -> str:
    return key


@pytest.mark.parametrize(("text", "number"), [
    ("INC-0001 確認しました", 1), ("確認 INC-0001", 1), ("ack INC-1", 1), ("ＩＮＣ－０００２ 確認済み", 2),
    ("INC-0003 の件、確認しました。", 3), ("INC-3 確認いたしました", 3), ("#4 確認しました！", 4),
    ("INC-0001 確認お願いします", None), ("確認してください INC-1", None),
    ("INC-0001 の投稿を確認しました、削除済みです", None),
    ("確認しました", None), ("INC-0001", None)])
def test_what_reads_as_an_acknowledgement(text: str, number: int | None) -> None:
    assert typed_ack.number(text) == number


def test_the_acknowledgement_is_a_command_only_for_one_who_may_acknowledge() -> None:
    asked: list[bool] = []

    def pr() -> bool:
        asked.append(True)
        return True

    read = typed.read("INC-0001 確認しました", _t, addressed=False, acknowledges=pr)
    assert read.command is not None and read.command.action == "acknowledge" and read.command.incident_id == 1
    assert typed.read("INC-0001 確認しました", _t, addressed=False).command is None  # a colleague: their words
    assert not typed.read("INC-0001 確認しました", _t, addressed=False).for_bot
    typed.read("炎上しています https://x.com/a/status/1", _t, addressed=False, acknowledges=pr)
    assert asked == [True]  # asked only of a text that reads as an acknowledgement (no lookup per message)
