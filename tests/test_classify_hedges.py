"""Hedged reports (「念のため共有です」「これって対応必要ですか？」) weigh as much as plain ones."""

from __future__ import annotations

import json
import time

import pytest

from bot.triage.classifier_features import prepare
from bot.triage.classify import classify
from tests.conftest import REPO

PLAIN = "公式インスタに身に覚えのない投稿があり、パスワードも変わっています"
HEDGED = (
    f"念のため共有です。{PLAIN}",
    f"念のためご報告いたします。{PLAIN}",
    f"一応共有まで。{PLAIN}",
    f"気のせいかもしれませんが、{PLAIN}",
    f"気のせいならいいんですけど、{PLAIN}",
    f"大したことないかもしれないんですけど、{PLAIN}",
    f"{PLAIN}。これって対応必要ですか？",
    f"{PLAIN}。対応いりますかね?",
    f"これは対処が必要でしょうか？{PLAIN}",
)
# Batches written by other authors, with no hedge of their own: prefixing one must not change any answer.
BATCHES = ("m_depts_calls_heldout.jsonl", "n_night_duty_heldout.jsonl")


@pytest.mark.parametrize("text", HEDGED)
def test_hedging_formula_leaves_no_trace_in_the_features(text: str) -> None:
    assert prepare(text).rstrip("。") == prepare(PLAIN)


def test_english_hedges_leave_no_trace() -> None:
    plain = "the city's facebook page admin was removed and the page name changed"
    for hedge in ("Probably nothing, but ", "Might be nothing but ", "Just flagging this in case: ",
                  "Not sure if this needs action, but "):
        assert prepare(hedge + plain) == prepare(plain), hedge


def test_what_a_hedge_is_about_stays() -> None:
    assert "ぱすわーど" in prepare("念のためパスワードを変えました")
    assert "対応が必要" in prepare("対応が必要です。公式Xが乗っ取られました")  # a statement, not the question
    assert "気のせい" not in prepare("気のせいかもですが、名簿の写真が載っています")


@pytest.mark.parametrize("prefix", ["念のため共有です。", "気のせいかもしれませんが、", "これって対応必要ですか？"])
def test_hedged_reports_get_the_answer_of_the_plain_report(prefix: str) -> None:
    changed = []
    for name in BATCHES:
        for line in (REPO / "tests" / "data" / "corpus" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["kind"] == "none":
                continue
            plain, hedged = classify(row["text"]), classify(prefix + row["text"])
            if (plain.outcome, plain.kind) != (hedged.outcome, hedged.kind):
                changed.append(row["text"])
    assert changed == []


def test_hedge_pattern_costs_linear_time() -> None:
    # A run of separators before 対応 was rescanned from each of its characters (40 ms for 2,000 characters, the most
    # prepare() reads); now well under a millisecond. 50 calls: 2 s before, ~15 ms after, so 1 s is a wide margin.
    text = "、" * 1990 + "対応"
    started = time.perf_counter()
    for _ in range(50):
        prepare(text)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("hedge", [
    "もしかしたら問題ないかもですが、", "私の勘違いかもしれないのですが、", "大したことではないかもしれませんが、",
    "杞憂かもしれませんが、", "余計なお世話かもですが、", "思い過ごしならいいのですが、",
    "見当違いでしたら申し訳ありませんが、", "勘違いかもなんですが、", "Sorry if this is a false alarm, ",
    "I might be overthinking this, but "])
def test_hedges_outside_the_old_list_leave_no_trace(hedge: str) -> None:
    """Session 14: 「もしかしたら問題ないかもですが、」 alone made 93 held-out reports missed (bench/eval_hedges.py)."""
    assert prepare(hedge + PLAIN).rstrip("。") == prepare(PLAIN)


@pytest.mark.parametrize("content", [
    "市民の勘違いが広がっています", "誤解を招く投稿が拡散しています", "規程上問題ないでしょうか",
    "公式Xの投稿は問題ないかもしれませんが、リプライ欄が荒れています"])
def test_what_is_said_about_nothing_stays_when_it_is_the_report(content: str) -> None:
    """A statement or question with those words, not a hedge before a report, keeps its words."""
    kept = prepare(content)
    assert any(word in kept for word in ("勘違い", "誤解", "問題ないでしょうか", "りぷらい欄が荒れています")), kept


def test_the_generalised_hedge_pattern_costs_linear_time() -> None:
    # The same bound as above, on runs that reach the new alternatives (a lexicon word after separators, modals).
    texts = ["、" * 1990 + "勘違い", "もしかしたら" * 330 + "杞憂", "かも" * 995 + "問題ない"]
    started = time.perf_counter()
    for _ in range(50):
        for text in texts:
            prepare(text)
    assert time.perf_counter() - started < 3.0
