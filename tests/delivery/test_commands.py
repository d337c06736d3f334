"""bot/delivery/commands.py: the typed commands every chat platform reads (終結 / 対象外 / 権限付与 / 再開 / 新規)."""

from __future__ import annotations

import pytest

from bot.delivery.commands import Command, Usage, read, user_id
from bot.i18n import Catalog
from bot.ports import Actor

T = Catalog.load("ja").t
EN = Catalog.load("en").t


@pytest.mark.parametrize(("text", "expected"), [
    ("終結 INC-0001", Command("close", 1)),
    ("close 1", Command("close", 1)),
    ("ＣＬＯＳＥ　＃１", Command("close", 1)),
    ("/close inc-0002", Command("close", 2)),
    ("終結　ＩＮＣ－０００３", Command("close", 3)),
    ("対象外 INC-0001 訓練の投稿のため 誤報", Command("decline", 1, reason="訓練の投稿のため 誤報")),
    ("decline #4", Command("decline", 4)),
    ("権限付与 INC-0003 U0123ABCD", Command("grant", 3, user="U0123ABCD")),
    ("grant 3 slack:U_OTHER", Command("grant", 3, user="slack:U_OTHER")),
    ("再開 INC-0001", Command("reopen", 1)),
    ("Reopen 12", Command("reopen", 12)),
    ("種別 INC-0001 情報漏えい", Command("kind", 1, kind="情報漏えい")),
    ("kind #2 account takeover", Command("kind", 2, kind="account takeover")),
    ("新規 また炎上しています https://x.com/a/status/1", Command("new", text="また炎上しています https://x.com/a/status/1")),
    ("new it is flaming again", Command("new", text="it is flaming again")),
])
def test_commands_in_both_languages_and_widths(text: str, expected: Command) -> None:
    assert read(text, T, "/incident ") == expected


@pytest.mark.parametrize(("text", "words"), [
    ("終結", "終結する案件の番号"), ("対象外 INC-0000", "対象外にする案件の番号"),
    ("終結 たぶん", "終結する案件の番号"), ("権限付与 1", "権限を付与する職員"), ("権限付与", "権限を付与する職員"),
    ("再開", "再開する案件の番号"), ("種別", "訂正後の種別"), ("種別 1", "訂正後の種別"),
    ("新規", "新しい案件として報告する内容"), ("close", "終結する案件の番号"), ("/close soon", "終結する案件の番号"),
])
def test_bad_input_gets_japanese_usage_with_the_platforms_prefix(text: str, words: str) -> None:
    said = read(text, T, "/incident ")
    assert isinstance(said, Usage) and words in said.text and "/incident 権限付与 INC-0001 利用者" in said.text


@pytest.mark.parametrize("text", [
    "市の公式Xの投稿が炎上しています https://x.com/a/status/1", "終結したはずの炎上がまた", "再開しました",
    "Close to 100 angry replies on the city's post", "new fake account of the city", "",
    "kind of a flaming on our post https://x.com/a/status/1", "種別は炎上だと思います",
])
def test_reports_are_no_commands(text: str) -> None:
    said = read(text, T)
    # 「new fake account…」 is a report either way: as a new one (force_new), never refused
    assert said is None or (isinstance(said, Command) and said.action == "new")


def test_english_usage() -> None:
    said = read("grant 1", EN)
    assert isinstance(said, Usage) and "Give the incident's number and the user" in said.text


def test_typed_users_become_the_actors_platforms_ids() -> None:
    actor = Actor("slack:U_PR", "広報 太郎", "slack")
    assert user_id(actor, "U_OTHER") == "slack:U_OTHER"
    assert user_id(actor, "@Ｕ＿ＯＴＨＥＲ") == "slack:U_OTHER"
    assert user_id(actor, "teams:29:abc") == "teams:29:abc"


def test_the_kind_usage_lists_the_kinds_as_one_types_them() -> None:
    said = read("種別 1", T)
    assert isinstance(said, Usage)
    assert "指定できる種別: 炎上、なりすまし、デマ、情報漏えい、アカウント乗っ取り" in said.text
    said = read("kind 1", EN)
    assert isinstance(said, Usage) and "Kinds: Flaming, Impersonation, Misinformation, Information leak" in said.text


@pytest.mark.parametrize("text", ["1", "#3", "＃３", "INC-0001", " ２ "])
def test_a_number_alone_gets_a_usage_hint_not_a_report(text: str) -> None:
    read_as = read(text, T, "/incident ")
    # Was None: read as a report and asked 「インシデントとして報告しますか？」.
    assert isinstance(read_as, Usage), read_as
    assert "案件の番号の前に、操作" in read_as.text and "/incident 終結 INC-000" in read_as.text


def test_a_number_inside_a_sentence_is_still_a_report() -> None:
    assert read("1 件目の投稿が炎上しています", T) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("INC-0001 終結", Command("close", 1)),
    ("INC-0002　対象外 訓練の投稿のため", Command("decline", 2, reason="訓練の投稿のため")),
    ("#3 reopen", Command("reopen", 3)),
    ("ＩＮＣ－０００１ 種別 情報漏えい", Command("kind", 1, kind="情報漏えい")),
    ("INC-0001 権限付与 鈴木 次郎", Command("grant", 1, user="鈴木 次郎")),
])
def test_the_number_written_before_the_command_word_is_the_same_command(text: str, expected: Command) -> None:
    # 「/incident INC-0001 終結」 was read as a report naming INC-0001: recorded as a follow-up, nothing closed.
    assert read(text, T, "/incident ") == expected


@pytest.mark.parametrize("text", [
    "INC-0001 終結したはずの炎上がまた", "INC-0001 の件、凍結されました", "INC-0001 再開しました",
    "INC-0001 new replies",
])
def test_a_number_before_other_words_is_still_no_command(text: str) -> None:
    said = read(text, T)
    assert not isinstance(said, Command) or said.action == "status"
