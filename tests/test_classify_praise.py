"""Good news about a post (likes, followers, kind comments) is never opened as an incident unasked (session 20)."""

from __future__ import annotations

import json

import pytest

from bot.triage.classifier_build import corpus_paths, read_examples
from bot.triage.classifier_praise import praise_only
from bot.triage.classify import classify
from tests.conftest import REPO

# Written for this test; none is a line of a corpus batch.
GOOD_NEWS = (
    "市の投稿がバズってる！いいね1万",
    "フォロワー増えてますね",
    "うちの紅葉の投稿、トレンド入りしてました",
    "市長の動画にかわいいってコメントがいっぱい",
    "公式LINEの友だち数が5万人を突破しました",
    "Our festival reel went viral with lots of positive comments",
)
# Reports that speak of reach or likes too: their trouble words keep them reports.
TROUBLE_TOO = (
    ("市の投稿がバズってるけど、悪い意味で。批判の引用がすごい", "flaming"),
    ("公式Xが勝手にいいねを連打してて、担当は誰も触ってない", "account_takeover"),
    ("「市のプールが閉鎖」って投稿がバズってる、そんな予定はない", "misinformation"),
    ("フォロワーが増えてると思ったら、市を名乗る偽アカウントのほうでした", "impersonation"),
    ("市の図書館が来月で閉館ってポストがバズってるけど、そんな計画ありません", "misinformation"),  # s21: unquoted
)


@pytest.mark.parametrize("text", GOOD_NEWS)
def test_good_news_is_not_opened(text: str) -> None:
    result = classify(text)
    assert praise_only(text) and result.outcome != "report", (text, result)


@pytest.mark.parametrize(("text", "kind"), TROUBLE_TOO)
def test_reach_with_trouble_stays_a_report(text: str, kind: str) -> None:
    result = classify(text)
    assert not praise_only(text) and result.outcome != "chatter" and result.kind == kind, (text, result)


def test_no_report_of_the_corpus_reads_as_praise_only() -> None:
    """The cue's precision on every labelled report there is (training and held-out): a report it caught would be
    asked about instead of opened."""
    examples = read_examples(corpus_paths(REPO) + corpus_paths(REPO, held_out=True))
    caught = [e.text for e in examples if e.kind != "none" and praise_only(e.text)]
    assert caught == []


def test_praise_lines_of_other_authors_batches_are_not_opened() -> None:
    """Good-news chatter the held-out batches of earlier sessions opened as 炎上 or 乗っ取り (8 of them on main)."""
    opened = []
    for path in corpus_paths(REPO, held_out=True):
        if path.name.startswith("a2_s20_"):
            continue  # this session's own batches: not independent of the cue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["kind"] == "none" and praise_only(row["text"]) and classify(row["text"]).outcome == "report":
                opened.append(row["text"])
    assert opened == []

