"""Reports as branch-office staff and English or romaji writers send them (session 22): opened, not missed."""

from __future__ import annotations

import json

import pytest

from bench.eval_classify import main as eval_main
from bot.triage.classify import NONE, Classifier
from tests.conftest import REPO

CORPUS = REPO / "tests" / "data" / "corpus"
# Frames written before the greetings were treated (a second set from the one the patterns were tuned on).
MAIL_FRAMES = (
    ("おつかれさまです、西出張所の今井です！\n", "\n以上、よろしくお願いします。"),
    ("各位\nお疲れ様でございます。子育て支援センターの大塚でございます。\n",
     "\nお手数をおかけしますが、ご対応のほどよろしくお願い申し上げます。"),
    ("いつも大変お世話になっております。第三保育所の所長の松本でございます。年末のお忙しい中恐れ入ります。\n",
     "\nどうぞよろしくお願いいたします。\n松本"),
    ("Hello everyone,\nThis is Sofia, CIR at the International Affairs Division. Sorry to bother you.\n",
     "\nPlease let me know if you need anything else. Thank you!"),
    ("Good morning, hope everyone had a nice weekend.\n", "\nCheers,\nTom"),
)
FRAMED_BATCHES = ("x_symptoms_heldout", "g_kacho_kobun_heldout", "i_alt_it_mixed_heldout")


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def _reports(batch: str) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (CORPUS / f"{batch}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [row for row in rows if row["kind"] != NONE]


@pytest.mark.parametrize(("before", "after"), MAIL_FRAMES)
def test_office_mail_greetings_around_a_report_do_not_make_it_chatter(classifier: Classifier, before: str,
                                                                       after: str) -> None:
    reports = [row for batch in FRAMED_BATCHES for row in _reports(batch)]
    plain = sum(classifier.classify(row["text"]).outcome == "chatter" for row in reports)
    framed = sum(classifier.classify(before + row["text"] + after).outcome == "chatter" for row in reports)
    assert framed <= plain + 2, (plain, framed)  # before: 13 to 39 of 273 missed, each frame


@pytest.mark.parametrize(("text", "kind"), [
    ("kouhou no toukou ga enjou shite masu! dou shimashou", "flaming"),
    ("shi no Facebook ga hihan de ippai desu. sabetsu da tte iwarete masu", "flaming"),
    ("shi no namae wo tsukatta nise no akaunto ga arimasu. shichou no shashin mo tsukatte masu", "impersonation"),
    ("\"hinanjo ga manin\" to iu uso no toukou ga kakusan sarete masu", "misinformation"),
    ("kojin jouhou ga morete shimaimashita. meibo wo machigatte insta ni nosete shimatta", "leak"),
    ("Facebook peeji no kanrisha kara hazusarete shimaimashita. shiranai hito ga kanrisha ni natte masu",
     "account_takeover"),
])
def test_romaji_reports_open_under_their_kind(classifier: Classifier, text: str, kind: str) -> None:
    result = classifier.classify(text)
    assert (result.kind, result.outcome) == (kind, "report")


@pytest.mark.parametrize("text", [
    "Saw on the news that a neighboring town's Instagram got hacked. Glad it's not us!",
    "お疲れ様です。南出張所の木下です。利用者の方から、隣の市で市役所をかたる偽のLINEが出ていると伺いました。"
    "当所の管内ではまだそのような話は聞いておりません。",
])
def test_another_place_s_incident_is_never_opened_unasked(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).outcome != "report"


def test_viral_for_bad_reasons_in_katakana_english_is_not_good_news(classifier: Classifier) -> None:
    result = classifier.classify("市のポストがバズってるけどバッドな意味で、アングリーなリプライがどんどん来てます")
    assert (result.kind, result.outcome) == ("flaming", "report")


def test_english_report_that_says_not_us_still_opens(classifier: Classifier) -> None:
    result = classifier.classify("The tourism Instagram just posted a crypto ad. Definitely not us, we can't log in.")
    assert (result.kind, result.outcome) == ("account_takeover", "report")


def test_eval_counts_lists_each_batch_in_rows(capsys: pytest.CaptureFixture[str]) -> None:
    batch = CORPUS / "a2_s22_branch_mail_heldout.jsonl"
    assert eval_main(["--counts", str(batch)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| batch | reports | opened right kind | opened wrong kind | missed |")
    cells = [cell.strip() for cell in lines[2].strip("|").split("|")]
    assert cells[0] == "a2_s22_branch_mail_heldout" and cells[1] == "40" and cells[5] == "20"
