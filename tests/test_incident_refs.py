"""One reading of 「INC-0004」 inside a sentence, shared by follow-ups and status questions."""

import pytest

from bot.delivery.status_question import asked_about
from bot.triage.short_input import named_incidents


@pytest.mark.parametrize(("text", "numbers"), [
    ("INC-0004 のなりすましアカウント、凍結されました", {4}),
    ("inc4 の件", {4}),
    ("INC 4 と INC_0005 は同じ投稿です", {4, 5}),
    ("ＩＮＣ－０００２の続報", {2}),
    ("INCー3 の件", {3}),
    ("INC-0 は番号ではありません", set()),
    ("zinc5 の含有量", set()),
    ("INC-00012345 の件", {12345}),
    ("来週の会議の件", set()),
])
def test_the_incidents_a_sentence_names(text: str, numbers: set[int]) -> None:
    assert named_incidents(text) == numbers


def test_a_question_that_also_names_inc_0_asks_about_the_real_one() -> None:
    assert asked_about("INC-0 じゃなくて INC-2 の状況は？") == 2  # INC-0 is no incident
    assert asked_about("INC-2 の状況は？") == 2
