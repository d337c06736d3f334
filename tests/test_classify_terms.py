"""The term-table classifier (now the baseline the model is measured against) and the shared text normalisation."""

from __future__ import annotations

import collections
import dataclasses
import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.triage.classifier_terms import TermClassifier as Classifier
from bot.triage.classifier_terms import load_terms
from bot.triage.classify import KINDS, NONE, Classification
from bot.triage.normalize import normalize

_TERMS: list[Classifier] = []


def default_classifier() -> Classifier:
    """One term-table classifier for the whole module (built on first use)."""
    if not _TERMS:
        _TERMS.append(Classifier())
    return _TERMS[0]


def classify(text: str) -> Classification:
    """Classify with the packaged term tables."""
    return default_classifier().classify(text)

CORPUS = Path(__file__).parent / "data" / "classifier_corpus.jsonl"


def _corpus() -> list[dict[str, str]]:
    """The labelled corpus, one dict per line."""
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# -- normalize ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＵＲＬ", "url"),  # full-width ASCII
        ("ｈｔｔｐｓ：／／Ｘ．ｃｏｍ", "https://x.com"),
        ("ﾅﾘｽﾏｼ", "なりすまし"),  # half-width katakana
        ("ﾃﾞﾏ", "でま"),  # half-width voiced mark
        ("ナリスマシ", "なりすまし"),  # katakana -> hiragana
        ("アカウント", "あかうんと"),
        ("Hacked ACCOUNT", "hacked account"),
        ("情報漏洩", "情報漏えい"),
        ("ろうえい", "漏えい"),
        ("情報が洩れた", "情報が漏れた"),
        ("成りすまし", "なりすまし"),
        ("成り済まし", "なりすまし"),
        ("なり済まし", "なりすまし"),
        ("乗っ取り", "乗っ取り"),
        ("乗取り", "乗っ取り"),
        ("のっとり", "乗っ取り"),
        ("ノットリ", "乗っ取り"),
        ("乗っとられた", "乗っ取られた"),
        ("ひぼう中傷", "誹謗中傷"),
        ("ひぼうちゅうしょう", "誹謗中傷"),
        ("デマ", "でま"),
        ("でま", "でま"),
        ("嘘の情報", "うその情報"),
        ("ウソ", "うそ"),
        ("ニセアカ", "偽あか"),
        ("偽垢", "偽あか"),
        ("にせもの", "偽物"),
        ("えんじょう", "炎上"),
        ("炎情", "炎上"),  # common IME slip
        ("パスワ－ド", "ぱすわーど"),  # full-width hyphen used as a long-vowel mark
        ("mis-information", "misinformation"),
        ("Dis information", "disinformation"),
        ("can't log in", "can't login"),
        ("rumour", "rumor"),
        ("unauthorised login", "unauthorized login"),
        ("impostor", "imposter"),
        ("  a \t b\n\nc　d  ", "a b c d"),  # whitespace incl. ideographic space
        ("ab\u200bc\ufeff", "abc"),  # zero-width characters
    ],
)
def test_normalize_variants(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_replaces_surrogates() -> None:
    assert normalize("a\ud800b\udfff") == "a\ufffdb\ufffd"


def test_normalize_is_idempotent_on_corpus() -> None:
    for row in _corpus():
        once = normalize(row["text"])
        assert normalize(once) == once, row["text"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=200))
def test_normalize_and_classify_never_raise(text: str) -> None:
    out = normalize(text)
    assert isinstance(out, str)
    result = classify(text)
    assert result.kind in KINDS + (NONE,)
    assert 0.0 <= result.confidence <= 1.0


# -- the hard cases from the brief --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "炎上しないための研修資料です",
        "なりすまし対策の勉強会を来週やります",
        "情報漏えい防止のチェックリストを更新しました",
        "anyone up for lunch?",
        "the flaming guide is on the wiki",
        "ﾅﾘｽﾏｼ対策の研修、参加者募集中です",
        "もし公式アカウントが乗っ取られたら、まず誰に連絡すればいいですか",
        "水漏れが3階トイレで発生しています",
        "申請書に記入漏れがあったので差し戻しました",
        "台風で海が大荒れです。防災Xで注意喚起を投稿します",
        "There's a water leak in the 3rd floor kitchen",
        "How to avoid getting flamed: slides from yesterday's session",
        "If our account ever gets hacked, who do we call first?",
        "デマじゃなくて本当の話なんですが、課長が異動するらしいです",
        "",
    ],
)
def test_mentions_are_not_reports(text: str) -> None:
    result = classify(text)
    assert result.kind == NONE, (text, result)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("【至急】市長の動画が拡散されて批判が殺到しています", "flaming"),
        ("公式Xの投稿が炎上しています、助けてください", "flaming"),
        ("市の公式を装った偽アカウントを見つけました https://x.com/fake_city", "impersonation"),
        ("ﾅﾘｽﾏｼｱｶｳﾝﾄを発見しました", "impersonation"),
        ("「浄水場が汚染された」というデマが拡散されています", "misinformation"),
        ("市が避難所を閉鎖したという誤った情報が広まっています", "misinformation"),
        ("公式Xの投稿に申請者の個人情報が載っています。至急削除を", "leak"),
        ("誤って内部資料を公開してしまいました", "leak"),
        ("公式インスタが乗っ取られました！見覚えのない投稿があります", "account_takeover"),
        ("不正ログインの通知が来て、パスワードが変更されています", "account_takeover"),
        ("Found a fake account pretending to be the city's official account", "impersonation"),
        ("urgent: our X account was hacked, unauthorized login from overseas", "account_takeover"),
        ("A false rumour about the water supply is spreading", "misinformation"),
        ("We accidentally posted a list with residents' names and addresses", "leak"),
        ("Our post is getting flamed, hundreds of angry replies", "flaming"),
    ],
)
def test_clear_reports(text: str, kind: str) -> None:
    result = classify(text)
    assert result.kind == kind, (text, result)
    assert result.confidence >= 0.6, result  # strong cue + situation
    assert result.evidence


def test_weak_ambiguous_message_has_low_report_confidence() -> None:
    result = classify("炎上？")
    assert result.kind == NONE or result.confidence < 0.6
    assert classify("anyone up for lunch?").confidence > 0.85  # sure it is chatter


def test_meta_cues_lower_confidence() -> None:
    plain = classify("なりすましアカウントを見つけました")
    hedged = classify("なりすましアカウントを見つけたときの手順です")
    assert plain.kind == "impersonation"
    assert hedged.kind == NONE


def test_classification_is_frozen_and_evidence_is_tuple() -> None:
    result = classify("公式アカウントが乗っ取られました")
    assert isinstance(result, Classification)
    assert isinstance(result.evidence, tuple)
    assert any("乗っ取られ" in e for e in result.evidence)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = "x"  # type: ignore[misc]


# -- robustness ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "炎上" * 20_000,  # 40,000 chars
        ("公式アカウントが乗っ取られました。" * 3000)[:40_000],
        "a" * 40_000,
        "\ud800",
        "\udfff\ud800 なりすまし \ud83d",
        "\x00\x01\x7f\u202e炎上\u202c\u0301\u3099",
        "🔥🔥🔥 炎上中 🔥🔥🔥 \U0010ffff",
        "ｶﾞｷﾞｸﾞ" * 5000,
        " \n\t\u3000" * 10_000,
    ],
)
def test_long_and_odd_input(text: str) -> None:
    started = time.perf_counter()
    result = classify(text)
    assert isinstance(result, Classification)
    assert result.kind in KINDS + (NONE,)
    assert 0.0 <= result.confidence <= 1.0
    assert time.perf_counter() - started < 2.0


def test_non_str_is_rejected() -> None:
    with pytest.raises(TypeError):
        classify(None)  # type: ignore[arg-type]


# -- construction -------------------------------------------------------------------------------------------


def test_packaged_terms_cover_every_kind() -> None:
    data = load_terms()
    assert set(data["kinds"]) == set(KINDS)
    assert Classifier().kinds == tuple(data["settings"]["priority"])


def test_custom_terms_and_validation(tmp_path: Path) -> None:
    terms = {
        "settings": {"report_threshold": 0.5},
        "kinds": {"flaming": {"strong": {"炎上中": 0.9}}},
        "context": {"meta": {"研修": 1.0}},
    }
    custom = Classifier(terms)
    assert custom.classify("エンジョウ…いや炎上中です").kind == "flaming"
    assert custom.classify("炎上中の研修").kind == NONE
    path = tmp_path / "terms.yaml"
    path.write_text("kinds:\n  leak:\n    strong:\n      流出:\n", encoding="utf-8")
    assert Classifier.from_file(path).classify("顧客情報が流出").kind == "leak"
    with pytest.raises(ValueError):
        Classifier({"kinds": {"leak": {"strong": {"re:(流出)": 1.0}}}})  # capturing group
    with pytest.raises(ValueError):
        Classifier({"kinds": {"leak": {"sometimes": {"流出": 1.0}}}})  # unknown tier
    with pytest.raises(ValueError):
        Classifier({"kinds": {"leak": {"strong": {"流出": "high"}}}})  # weight must be a number
    with pytest.raises(ValueError):
        Classifier({"settings": {"treshold": 1}, "kinds": {"leak": {"strong": {"流出": 1}}}})
    with pytest.raises(ValueError):
        Classifier({"kinds": {"leak": {"strong": {"re:x?": 1}}}})  # matches empty text


def test_table_semantics() -> None:
    terms = {
        "settings": {"report_threshold": 0.5},
        "kinds": {
            "leak": {"strong": {"流出": 0.6, "情報流出": 0.9, "hack": 0.6}, "exclude": {"水漏れ": -0.5}},
        },
        "context": {"meta": {"資料": 1.0}, "neutral": ["内部資料"]},
    }
    custom = Classifier(terms)
    # the widest term wins at one position and hides the shorter one inside it
    assert custom.explain("情報流出です")["scores"]["leak"] == 0.9
    # each distinct term counts once
    assert custom.explain("流出、流出、流出")["scores"]["leak"] == 0.6
    # neutral spans hide meta cues: 内部資料 is not "資料"
    assert custom.classify("内部資料が流出").kind == "leak"
    assert custom.classify("流出の資料").kind == NONE
    # ASCII terms start at a word boundary only
    assert custom.explain("shack")["scores"]["leak"] == 0
    assert custom.explain("hack")["scores"]["leak"] == 0.6


def _mid_word(text: str, at: int) -> bool:
    """True when position `at` is inside an ASCII word."""
    before, here = text[at - 1: at], text[at]
    return before.isascii() and before.isalnum() and here.isascii() and here.isalnum()


def test_dispatch_scan_matches_plain_alternation() -> None:
    """The first-character dispatch finds what one plain alternation of the same terms finds."""
    classifier = default_classifier()
    tables = [table for _, table in classifier._kinds] + [classifier._context]
    compared = 0
    for row in _corpus():
        text = normalize(row["text"])
        for table in tables:
            matches = list(re.finditer(table.alternation, text))
            if any(_mid_word(text, m.start()) for m in matches):
                continue  # the plain alternation lacks the word-start rule for ASCII terms
            expected: dict[int, str] = {}
            for match in matches:
                index = next(i for i, term in enumerate(table.terms) if term.regex.match(text, match.start()))
                expected.setdefault(index, match.group())
            assert list(table.hits(text)) == list(expected.items()), (row["text"], table.alternation[:60])
            compared += 1
    assert compared > 2000


# -- corpus accuracy ----------------------------------------------------------------------------------------


def test_corpus_shape() -> None:
    rows = _corpus()
    assert len(rows) >= 300
    counts = collections.Counter(row["kind"] for row in rows)
    assert set(counts) == set(KINDS) | {NONE}
    assert len({row["text"] for row in rows}) == len(rows)


def test_corpus_accuracy() -> None:
    rows = _corpus()
    confusion: collections.Counter[tuple[str, str]] = collections.Counter()
    misses: list[str] = []
    for row in rows:
        got = classify(row["text"]).kind
        confusion[(row["kind"], got)] += 1
        if got != row["kind"]:
            misses.append(f"  {row['kind']:>16} -> {got:<16} {row['text'][:80]}")
    total = sum(confusion.values())
    accuracy = sum(n for (gold, got), n in confusion.items() if gold == got) / total
    recall = {}
    for kind in KINDS + (NONE,):
        support = sum(n for (gold, _), n in confusion.items() if gold == kind)
        recall[kind] = confusion[(kind, kind)] / support
    summary = "\n".join(
        [f"accuracy {accuracy:.3f} over {total}"]
        + [f"  recall {kind:<16} {value:.3f}" for kind, value in recall.items()]
        + ["confusion (gold -> predicted):"]
        + [f"  {gold:>16} -> {got:<16} {n}" for (gold, got), n in sorted(confusion.items()) if gold != got]
        + ["misses:"] + misses
    )
    assert accuracy >= 0.90, summary
    assert all(value >= 0.85 for value in recall.values()), summary
