"""Drills and other places' incidents are asked about, not opened unasked; kana verbs of claiming read (s21)."""

from __future__ import annotations

import pytest

from bot.triage.classifier_build import corpus_paths, read_examples
from bot.triage.classifier_elsewhere import elsewhere
from bot.triage.classify import classify
from bot.triage.normalize import normalize
from tests.conftest import REPO

# Written for this test; none is a line of a corpus batch.
NOT_OURS = (  # each opened as a report on main before session 21
    "訓練です。公式インスタに批判コメントが殺到しているという想定で対応を始めます",
    "これは訓練です。公式LINEから不審なリンクが配信されたという想定です",
    "訓練用のシナリオです：市のXに「浄水場で事故」というデマが拡散した想定",
    "他市の公式Xが乗っ取られて、変な投稿が続いているとニュースでやってました",
    "K市の公式Xの投稿が大炎上しているとテレビでやってました",
    "他県の市役所で個人情報の入ったファイルがSNSに出たと報道されていました",
    "隣町の町長を名乗る偽アカウントが出ているとニュースで見ました",
)
# Reports that speak of a drill or another place too: they stay reports of their kind.
OURS_TOO = (
    ("訓練ではありません。市の公式Xが今まさに乗っ取られていて、知らない投稿が続いています", "account_takeover"),
    ("防災訓練の告知の投稿に、批判のリプが殺到しています", "flaming"),
    ("隣の市の偽アカウントが、うちの市の公式を名乗って市民にDMを送っています", "impersonation"),
    ("他県のクマの動画が、市内の公園で撮ったものとして拡散されています。事実ではありません", "misinformation"),
    ("市のインスタの写真に、想定していなかった申請者の住所が写り込んでいます", "leak"),
    ("市長の会見での発言が全国ニュースで流れて、市のXに批判が殺到しています", "flaming"),  # our own, in the news
    ("市の公式Xが乗っ取られて、知らない投稿が続いています。復旧は明日になる想定です", "account_takeover"),
    ("訓練ですか？公式インスタから勝手に広告が投稿されていて、誰もログインしていないのに", "account_takeover"),
)


@pytest.mark.parametrize("text", NOT_OURS)
def test_drills_and_other_places_are_not_opened(text: str) -> None:
    result = classify(text)
    assert elsewhere(text) and result.outcome != "report", (text, result)


@pytest.mark.parametrize(("text", "kind"), OURS_TOO)
def test_a_report_that_mentions_a_drill_or_another_place_stays_a_report(text: str, kind: str) -> None:
    result = classify(text)
    assert not elsewhere(text) and result.outcome == "report" and result.kind == kind, (text, result)


@pytest.mark.parametrize(("text", "kanji"), [
    ("町長をなのるアカウント", "町長を名乗る"),
    ("市をかたってDMを送っている", "市を騙って"),
    ("課長の名前を なのった", "名前を名乗った"),
    ("本当なのって聞かれた", "本当なのって"),  # not after を: no verb of claiming
])
def test_kana_verbs_of_claiming_read_as_their_kanji(text: str, kanji: str) -> None:
    assert kanji in normalize(text)


@pytest.mark.parametrize("text", [  # each only asked about on main before session 21
    "市長をなのってるインスタ、いいねあつめてる",
    "市民課をなのるひとから、マイナンバーおしえてってDMきたって",
])
def test_kana_claims_are_impersonation(text: str) -> None:
    result = classify(text)
    assert result.kind == "impersonation" and result.outcome == "report", (text, result)


def test_no_report_of_the_corpus_reads_as_elsewhere() -> None:
    """The cue's precision on every labelled report there is (training and held-out): a report it caught would be
    asked about instead of opened."""
    examples = read_examples(corpus_paths(REPO) + corpus_paths(REPO, held_out=True))
    caught = [e.text for e in examples if e.kind != "none" and elsewhere(e.text)]
    assert caught == []
