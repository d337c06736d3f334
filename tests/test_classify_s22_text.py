"""Romaji read as kana and office-mail pleasantries taken out before the n-grams are counted (session 22)."""

from __future__ import annotations

import pytest

from bot.triage.classifier_features import prepare
from bot.triage.classifier_greetings import strip_greetings
from bot.triage.classifier_romaji import from_romaji
from bot.triage.normalize import normalize


def _romaji(text: str) -> str:
    return from_romaji(normalize(text))


def test_romaji_japanese_becomes_kana_with_report_words_in_kanji() -> None:
    assert _romaji("kouhou no X ga nottorareta mitai desu. pasuwaado ga kawatte te login dekinai") == (
        "広報の x が乗っ取られたみたいです。 ぱすわーどが変わってて login できない")


def test_romaji_keeps_handles_addresses_and_codes_whole() -> None:
    converted = _romaji("kono account, shi no kouhou no furi shite masu. @city_kouhou_jp desu. 2fa mo kakunin shite")
    assert "@city_kouhou_jp" in converted and "2fa" in converted and "市の広報" in converted


def test_romaji_shi_is_the_city_only_before_no() -> None:
    assert "できないし、" in _romaji("login dekinai shi, hen na toukou ga agatte masu")


@pytest.mark.parametrize("text", [
    "Hi, someone made a fake account pretending to be our city on Instagram.",
    "there's a post going viral claiming city hall is closed all next week. it's not, we're open as usual",
    "Is it true that the mayor made a video about this? No idea, maybe ask PR.",
    "市の公式Xが乗っ取られたようです",
])
def test_english_and_japanese_are_left_as_they_are(text: str) -> None:
    assert _romaji(text) == normalize(text)


@pytest.mark.parametrize(("text", "body"), [
    ("お疲れ様です。北部支所の山口です。\n市のXが乗っ取られたようです。\nよろしくお願いいたします。",
     "市のxが乗っ取られたようです。"),
    ("いつもお世話になっております。中央公民館の佐々木でございます。先日はお忙しいところありがとうございました。\n"
     "さて、公民館のインスタに偽アカが出ています。\n今後ともよろしくお願い申し上げます。",
     "公民館のいんすたに偽あかが出ています。"),
    ("お疲れ様です。第二保育所の中川です。長文失礼いたします。\n保育所のブログが荒れています。",
     "保育所のぶろぐが荒れています。"),
    ("Dear PR team,\nI hope this message finds you well.\nOur post is getting slammed.\nBest regards,\nDaniel (CIR)",
     "our post is getting slammed."),
    ("Hi all, hope you're doing well! This is Kate, the ALT at Higashi JHS.\nour IG got hacked\nThanks so much!",
     "our ig got hacked"),
])
def test_office_mail_pleasantries_are_taken_out(text: str, body: str) -> None:
    assert strip_greetings(normalize(text)) == body


@pytest.mark.parametrize("text", [
    "This is a fake account pretending to be us on X.",
    "避難所が満員ですというデマが出ています",
    "市民課です。窓口の写真に個人情報が写っています。",
    "よろしくお願いします",
    "お疲れ様です",
])
def test_words_that_carry_the_message_stay(text: str) -> None:
    assert strip_greetings(normalize(text)) == normalize(text)


def test_a_greeting_word_that_begins_the_sentence_stays() -> None:
    assert strip_greetings("hey there's a rumor going around") == "there's a rumor going around"


def test_prepare_reads_romaji_and_drops_greetings_together() -> None:
    assert prepare("otsukaresama desu. kouhou no toukou ga enjou shite masu.") == "広報の投稿が炎上してます。"


def test_a_one_line_pasted_mail_after_a_greeting_keeps_its_body() -> None:
    text = ("お疲れ様です。\nFrom: 夜間受付 件名: ダムの放流について 本文: 「ダムが決壊寸前で緊急放流」という投稿が"
            "広まっているとの電話多数。")
    assert prepare(text) == "だむの放流について 「だむが決壊寸前で緊急放流」という投稿が広まっているとの電話多数。"
