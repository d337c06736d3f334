"""Routing questions (「これ誰に言えばいい？」「広報に回したほうがいいですか」) weigh nothing in the features."""

from __future__ import annotations

import json

import pytest

from bot.triage.classifier_features import prepare
from bot.triage.classify import classify
from tests.conftest import REPO

PLAIN = "市のインスタに知らない投稿が出ていて、管理画面にも入れません"
# Written for this test; none of them is a frame of bench/eval_frames.py.
TRAILING = (
    "これ誰に言えばいい？",
    "どこに報告したらいいですか",
    "どの課に相談すればよいでしょうか？",
    "情報政策課に回したほうがいいですか？",
    "上司に報告するべきでしょうか",
    "うちで何かしたほうがいいですかね",
    "どうしたらいいでしょう？",
    "このまま様子見で大丈夫ですか",
    "Who should I tell?",
    "Should I report this to someone?",
    "What should we do about this?",
)
LEADING = (
    "誰に言えばいいかわからないのでここに書きます。",
    "どこに相談すればいいのか分からないんですが、",
    "Not sure who to tell about this, but ",
)
# Batches written by other authors, none of whose reports ends in a routing question of these.
BATCHES = ("m_depts_calls_heldout.jsonl", "n_night_duty_heldout.jsonl")


@pytest.mark.parametrize("frame", TRAILING)
def test_a_trailing_routing_question_leaves_no_trace_in_the_features(frame: str) -> None:
    assert prepare(f"{PLAIN} {frame}") == prepare(PLAIN)


@pytest.mark.parametrize("frame", LEADING)
def test_a_leading_routing_question_leaves_no_trace_in_the_features(frame: str) -> None:
    assert prepare(f"{frame}{PLAIN}") == prepare(PLAIN)


def test_what_a_question_is_about_stays() -> None:
    assert "ぱすわーど" in prepare("公式Xのパスワードを変えたほうがいいですか？")  # acting on the account
    assert "乗っ取" in prepare("乗っ取りの対応、誰に言えばいいですか")
    assert "広報に回しました" in prepare("広報に回しました")  # a statement of what was done, not a question
    assert "誰か" in prepare("誰かが市の名前でアカウントを作っています")  # someone, not who
    assert "誰が持って" in prepare("名簿の原本、誰が持ってますか")  # who has it, not whom to tell
    assert prepare("報告すべきかわからないんですが、" + PLAIN) == prepare(PLAIN)
    assert prepare(PLAIN + " 対応どうしますか") == prepare(PLAIN)


@pytest.mark.parametrize("frame", ["どこに連絡すればいいですか？", "広報に回したほうがいいでしょうか", "Who to tell?"])
def test_framed_reports_get_the_answer_of_the_plain_report(frame: str) -> None:
    changed = []
    for name in BATCHES:
        for line in (REPO / "tests" / "data" / "corpus" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["kind"] == "none":
                continue
            plain, framed = classify(row["text"]), classify(f"{row['text']} {frame}")
            if (plain.outcome, plain.kind) != (framed.outcome, framed.kind):
                changed.append(row["text"])
    assert changed == []
