"""The trained report classifier: outcomes, held-out accuracy, parity with scikit-learn, reproducible builds."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.eval_classify import main as eval_main
from bench.eval_classify import pct, score
from bot.triage.classifier_build import (
    Example,
    _fit,
    build,
    corpus_paths,
    is_held_out,
    read_examples,
    write_model,
)
from bot.triage.classifier_model import LinearModel, ModelError
from bot.triage.classify import KINDS, NONE, OUTCOMES, Classification, Classifier, classify, default_classifier
from tests.conftest import REPO


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- behaviour ----------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=200))
def test_classify_never_raises(text: str) -> None:
    result = classify(text)
    assert result.kind in KINDS + (NONE,) and result.outcome in OUTCOMES
    assert 0.0 <= result.confidence <= 1.0
    assert (result.kind == NONE) == (result.outcome == "chatter")
    assert [k for k, _ in result.candidates] and {k for k, _ in result.candidates} == set(KINDS)


@pytest.mark.parametrize(
    "text",
    [
        "炎上" * 20_000,
        ("公式アカウントが乗っ取られました。" * 3000)[:40_000],
        "a" * 40_000,
        "\ud800",
        "\udfff\ud800 なりすまし \ud83d",
        "\x00\x01\x7f\u202e炎上\u202c\u0301\u3099",
        "🔥🔥🔥 炎上中 🔥🔥🔥 \U0010ffff",
        "ｶﾞｷﾞｸﾞ" * 5000,
        " \n\t\u3000" * 10_000,
        "㍿" * 3000,  # NFKC makes it four times longer
        "",
    ],
)
def test_long_and_odd_input(text: str) -> None:
    started = time.perf_counter()
    result = classify(text)
    assert isinstance(result, Classification) and result.outcome in OUTCOMES
    assert time.perf_counter() - started < 1.0


def test_non_str_is_rejected() -> None:
    with pytest.raises(TypeError):
        classify(None)  # type: ignore[arg-type]


def test_classification_is_frozen() -> None:
    result = classify("公式アカウントが乗っ取られました")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("【至急】市長の動画が拡散されて批判が殺到しています", "flaming"),
        ("公式Xの投稿が炎上しています、助けてください", "flaming"),
        ("市の公式を装った偽アカウントを見つけました https://x.com/fake_city", "impersonation"),
        ("市が避難所を閉鎖したという誤った情報が広まっています", "misinformation"),
        ("公式Xの投稿に申請者の個人情報が載っています。至急削除を", "leak"),
        ("公式インスタが乗っ取られました！見覚えのない投稿があります", "account_takeover"),
        ("urgent: our X account was hacked, unauthorized login from overseas", "account_takeover"),
        # paraphrases without the kind's keyword (what the term tables missed, issue #11)
        ("公式Xのコメント欄がひどいことになってます、苦情が止まりません", "flaming"),
        ("市のロゴを使った、よく似た名前のアカウントが勝手に作られています", "impersonation"),
        ("もう終わった給付金がまだ申し込めるという話が回っています", "misinformation"),
    ],
)
def test_reports_get_their_kind(text: str, kind: str) -> None:
    result = classify(text)
    assert result.kind == kind and result.outcome != "chatter", (text, result)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "お電話で『市のXの祭りの投稿、えらい文句言われとるで』と言われたんですが、どちらに回せばいいですか",
            "flaming",
        ),
        (
            "お客さんに『市のXの動画、めっちゃ叩かれとるよ』って言われたんですが、こちらで対応したほうがいいですか？",
            "flaming",
        ),
        (
            "お電話で『市の図書館が来年なくなるって本当？』と。そんな予定はないです。どう返せばよかったでしょう",
            "misinformation",
        ),
    ],
)
def test_relayed_reports_with_a_routing_question_are_opened(text: str, kind: str) -> None:
    """Session 17: a citizen's words relayed in dialect with 「どちらに回せば」 were only asked (z1_relay_questions)."""
    result = classify(text)
    assert (result.outcome, result.kind) == ("report", kind), (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "炎上しないための研修資料です",
        "なりすまし対策の勉強会を来週やります",
        "anyone up for lunch?",
        "今日のお昼はどこに行きますか",
        "水漏れが3階トイレで発生しています",
        "お電話で『粗大ごみの出し方を教えて』と聞かれました。どちらに回せばいいですか",
        "",
    ],
)
def test_chatter_is_not_a_report(text: str) -> None:
    assert classify(text).outcome != "report", text


def test_thresholds_can_be_overridden() -> None:
    from bot.triage.classifier_model import Thresholds

    model = default_classifier().model
    text = "公式Xの投稿が炎上しています、助けてください"
    assert Classifier(model, Thresholds(1.01, 0.0)).classify(text).outcome == "unsure"
    assert Classifier(model, Thresholds(1.01, 1.01)).classify(text).outcome == "chatter"


def test_recent_results_answer_as_the_model_does() -> None:
    """The gate and the core classify one post in turn: the second answer is the first one, and equal to scoring
    afresh; more texts than the cache holds, and a text too long to keep, still get the model's answer."""
    from bot.triage.classify import RECENT_MAX_CHARS, RECENT_RESULTS

    classifier = Classifier(default_classifier().model)
    texts = [f"公式Xの投稿が炎上しています {i}件目" for i in range(RECENT_RESULTS + 8)]
    first = [classifier.classify(text) for text in texts]
    assert classifier.classify(texts[-1]) is first[-1]  # the hand-over: not scored twice
    fresh = Classifier(default_classifier().model)
    assert [classifier.classify(text) for text in texts] == [fresh._scored(text) for text in texts] == first
    long_text = "乗っ取られました。" * (RECENT_MAX_CHARS // 9 + 1)
    assert classifier.classify(long_text) == fresh._scored(long_text)
    assert classifier.classify(long_text) is not classifier.classify(long_text)  # not kept
    other = Classifier(default_classifier().model, thresholds=type(classifier.thresholds)(1.01, 1.01))
    assert other.classify(texts[0]).outcome == "chatter" != first[0].outcome  # each classifier its own answers


# -- held-out figures (the batches bot.triage.classifier_build never reads) ---------------------------------


def test_held_out_batches_are_never_trained_on() -> None:
    held = corpus_paths(REPO, held_out=True)
    assert {p.name.split("_")[0] for p in held} >= {"a", "b", "c", "a3", "b3", "c3"}
    assert {"a2_s21_kana_slang_heldout.jsonl", "a2_s21_other_bodies_heldout.jsonl"} <= {p.name for p in held}
    assert not any(is_held_out(p) for p in corpus_paths(REPO))
    training = {e.text for e in read_examples(corpus_paths(REPO))}
    leaked = [row["text"] for path in held for row in _rows(path) if row["text"] in training]
    assert leaked == []


def test_held_out_targets() -> None:
    rows = [row for path in corpus_paths(REPO, held_out=True) for row in _rows(path)]
    counts = score(classify, rows)  # type: ignore[arg-type]
    reports, chatter = counts["all reports"], counts[NONE]
    right_or_asked = (reports["right"] + reports["+unsure"]) / reports["n"]
    assert right_or_asked >= 0.95, dict(reports)
    assert chatter["alone"] / chatter["n"] >= 0.90, dict(chatter)
    assert reports["dropped"] == 0


# -- the model file ---------------------------------------------------------------------------------------


def test_packaged_model_is_built_from_the_repository_corpus() -> None:
    info = default_classifier().model.info
    digest = hashlib.sha256()
    for example in read_examples(corpus_paths(REPO)):
        digest.update(f"{example.kind}\t{example.text}\n".encode())
    assert info["sha256"] == digest.hexdigest(), "corpus changed: run python -m bot.triage.classifier_build"


def test_start_up_is_fast_and_lazy() -> None:
    # CPU seconds of a fresh interpreter from import to the first answer: wall time would measure the machine's load.
    code = (
        "import time; t = time.process_time(); import bot.triage.classify as c; assert c._default is None; "
        "c.classify('公式Xが炎上しています'); print(time.process_time() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert float(out.stdout) < 2.0
    assert default_classifier() is default_classifier()


def _small() -> list[Example]:
    rows = read_examples([REPO / "tests" / "data" / "classifier_corpus.jsonl"])
    return rows[::3]


def test_scoring_matches_scikit_learn() -> None:
    examples = _small()
    vectorizer, model = _fit(examples)
    ours = LinearModel(build(examples, cross_validate=False))
    texts = [e.text for e in examples[:40]] + ["見たことのない文章です", "", "https://x.com/a/status/1"]
    theirs = model.predict_proba(vectorizer.transform(texts))
    for text, expected in zip(texts, theirs, strict=True):
        got = dict(zip(ours.classes, ours.probabilities(text), strict=True))
        want = dict(zip(model.classes_, expected, strict=True))
        assert all(abs(got[k] - want[k]) < 1e-4 for k in want), (text, got, want)


def test_build_is_deterministic(tmp_path: Path) -> None:
    examples = _small()
    write_model(build(examples, cross_validate=False), tmp_path / "one.json.gz")
    write_model(build(examples, cross_validate=False), tmp_path / "two.json.gz")
    assert (tmp_path / "one.json.gz").read_bytes() == (tmp_path / "two.json.gz").read_bytes()
    assert Classifier.from_file(tmp_path / "one.json.gz").classify("公式Xが炎上しています").outcome in OUTCOMES


def test_damaged_model_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(ModelError):
        LinearModel.load(bad)
    bad.write_bytes(gzip.compress(b'{"format": 99}'))
    with pytest.raises(ModelError, match="format"):
        LinearModel.load(bad)
    bad.write_bytes(
        gzip.compress(
            json.dumps(
                {
                    "format": 1,
                    "classes": ["none"],
                    "features": ["a"],
                    "idf": [1.0],
                    "coef": [[1.0, 2.0]],
                    "intercept": [0.0],
                    "thresholds": {"report": 0.6, "chatter": 0.2},
                }
            ).encode()
        )
    )
    with pytest.raises(ModelError, match="disagree"):
        LinearModel.load(bad)


def test_eval_summary_scores_the_given_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_path = tmp_path / "small.json.gz"
    write_model(build(_small(), cross_validate=False), model_path)
    rows = [
        {"text": "公式Xのパスワードが変えられて、知らない投稿が出ています", "kind": "account_takeover"},
        {"text": "公式インスタの写真に申請書の氏名と住所が写っています", "kind": "leak"},
        {"text": "Our city's X account is posting crypto ads and we are locked out.", "kind": "account_takeover"},
        {"text": "明日の会議は10時から第2会議室です", "kind": NONE},
        {"text": "来週の訓練で、偽アカウントが出た想定の連絡手順を確かめます", "kind": NONE},
    ]
    batch = tmp_path / "z_heldout.jsonl"
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert eval_main(["--summary", "--model", str(model_path), str(batch)]) == 0
    counts = score(Classifier.from_file(model_path).classify, rows)  # type: ignore[arg-type]
    r, c = counts["all reports"], counts[NONE]
    out = capsys.readouterr().out.splitlines()
    row = next(line for line in out if line.startswith("| z_heldout |")).split(" | ")
    assert row[1] == "3" and row[6] == "2" and row[10] == "0"  # explicit dropped, then explicit asked (session 14)
    assert row[11] == f"{r['asked']} |" and r["asked"] == r["missed"] + sum(
        1
        for row_ in rows
        if row_["kind"] != NONE and Classifier.from_file(model_path).classify(row_["text"]).outcome == "unsure"
    )
    assert row[3:6] == [pct(r["right"], 3), pct(r["right"] + r["+unsure"], 3), str(r["missed"])]
    assert row[8:10] == [pct(c["alone"], 2), str(c["unsure"])]


def test_a_kind_named_in_so_many_words_is_the_kind() -> None:
    """Session 17 fidelity audit: 「…個人情報が漏えいしています」 with the city's X account and URL was taken as
    なりすまし (the n-grams of アカウント and x.com outweighed 漏えい), so a leak got impersonation's steps."""
    from bot.triage.classify import Classifier, named_kind

    classifier = Classifier()
    for text in ("市のXアカウントで申請者の個人情報が漏えいしています https://x.com/city/status/5",
                 "公式Instagramで個人情報が漏洩しているとの連絡がありました https://www.instagram.com/p/abc"):
        result = classifier.classify(text)
        assert (result.kind, result.candidates[0][0], result.evidence) == ("leak", "leak", (named_kind(text)[1],))
    assert named_kind("消防団のフェイスブックが乗っ取られました") == ("account_takeover", "乗っ取られ")
    # 「乗っ取られる」 is a hypothetical: the rumour names デマ only
    assert named_kind("「市のWi-Fiに繋ぐとスマホが乗っ取られる」というデマ") == ("misinformation", "デマ")
    assert named_kind("ガス漏えいの件で市のXが炎上しています") == ("flaming", "炎上")
    assert named_kind("なりすましアカウントが個人情報を漏えいさせています") is None  # two kinds: the model decides
    assert classifier.classify("来週の情報漏えい防止研修の資料です").outcome == "chatter"  # never makes a report
