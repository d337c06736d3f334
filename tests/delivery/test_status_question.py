"""A question about an incident in staff's words (bot/delivery/status_question.py, read by commands.py): asked in
a place meant for the bot it gets the incident's standing, never a new report; a report that names an incident
in passing stays a report. Real staff write both ways, in both languages and widths."""

from __future__ import annotations

import pytest

from bot.delivery.commands import Command, Usage, read
from bot.delivery.status_question import asked_about
from bot.i18n import Catalog

T = Catalog.load("ja").t

QUESTIONS = [
    ("INC-0002 の状況どうなってますか？", 2),
    ("INC-3の対応どこまで進んでる？", 3),
    ("what's the status of INC-0002?", 2),
    ("INC-0002の進捗を教えてください", 2),
    ("ＩＮＣ－０００２の状況は？", 2),
    ("inc-2 どうなってる?", 2),
    ("INC-0005 って今どうなってますか", 5),
    ("INC-0002の対応状況を知りたいです", 2),
    ("すみません、INC-0004 の状況を教えてもらえますか。", 4),
    ("INC-12 の件、どこまで進みましたか？", 12),
    ("INC-0002の進み具合はどうですか？", 2),
    ("INC-0002 今どういう状況？", 2),
    ("INC 2 の状況は？", 2),
    ("Status of INC-2?", 2),
    ("any update on INC-0003?", 3),
    ("How is INC-4 going?", 4),
    ("where are we on inc-0002?", 2),
    ("INC-7 status?", 7),
    ("What is the progress on INC-0002", 2),
    ("Hi, what's the status of INC-0009?", 9),
]

REPORTS = [
    "INC-0002 と同じ投稿がまた拡散しています",
    "INC-0002 の件で、別のアカウントにもなりすましが出ています https://x.com/a/status/1",
    "市の公式Xの投稿が炎上しています。状況はINC-0002と同じです",
    "INC-3 の投稿がまた拡散していて、状況が悪化しています",
    "INC-0002 のなりすましアカウントが別の投稿を始めました。どうすればいいですか？",
    "Status of INC-0002: the fake account is posting again https://x.com/fake/status/1",
    "the impersonation from INC-2 is back, new account posting",
    "INC-0002 の状況、拡散が止まりません",
    "INC-0002 の進捗を報告します。削除依頼を出しました",
    "状況どうなってますか？",
    "Our account was hacked, same as INC-0003. What's the status of the password reset?",
    "Update: INC-2 account posted again with the same fake notice",
    "INC-0004 は対応完了にしました",
    "INC-0002 の状態を記録しました",
    "INC-5 has new replies from citizens",
    "INC-0002 の対応ありがとうございました",
    "INC-0002 の件、市長に報告済みです",
    "status: fine",
    "INC-0002 の状況はどうなっていますか、と市民から問い合わせがありました。公式Xのリプライ欄で同じ質問が続いています",
    "市のアカウントが乗っ取られました。INC-0001 の状況は？",
]


@pytest.mark.parametrize(("text", "number"), QUESTIONS)
def test_a_question_about_an_incident_is_read_as_its_status(text: str, number: int) -> None:
    assert asked_about(text) == number
    assert read(text, T, "/incident ") == Command("status", number)


@pytest.mark.parametrize("text", REPORTS)
def test_a_report_that_names_an_incident_in_passing_stays_a_report(text: str) -> None:
    assert asked_about(text) is None
    assert read(text, T, "/incident ") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("状況 INC-0002", Command("status", 2)), ("status INC-2", Command("status", 2)),
    ("ｓｔａｔｕｓ　＃３", Command("status", 3)), ("/status inc-0004", Command("status", 4)),
    ("状況 悪化しています", None), ("Status: the fake account is back", None),
])
def test_the_status_word(text: str, expected: Command | None) -> None:
    assert read(text, T, "/incident ") == expected


def test_the_status_word_alone_says_how() -> None:
    said = read("状況", T, "/incident ")
    assert isinstance(said, Usage) and "/incident 状況 INC-0001" in said.text
    assert "状況 INC-0001 … 案件の状況" in said.text


# Session 17 Slack walk #5: asked for the record, a bystander's DM was taken as a follow-up report: the words went
# on the leak's timeline, the bystander became its co-reporter and PR was told 「同じ投稿についての別の報告」.
RECORD_QUESTIONS = [
    ("INC-0002 のタイムラインを見せてください", 2),
    ("INC-0001 の経過を見せてもらえますか", 1),
    ("INC-3 の記録を見たいです", 3),
    ("INC-0002のタイムライン見せて", 2),
    ("show me the timeline of INC-2", 2),
    ("Can you show me the history of INC-0004?", 4),
]
RECORD_REPORTS = [
    "INC-0002 のタイムラインに記録しておきました",
    "INC-0002 の記録を見せてもらったら、また拡散していました",
    "INC-3 の経過: 削除依頼を出しました",
]


@pytest.mark.parametrize(("text", "number"), RECORD_QUESTIONS)
def test_asking_to_see_an_incidents_record_is_a_question_not_a_follow_up(text: str, number: int) -> None:
    assert asked_about(text) == number
    assert read(text, T, "/incident ") == Command("status", number)


@pytest.mark.parametrize("text", RECORD_REPORTS)
def test_writing_about_an_incidents_record_stays_a_report(text: str) -> None:
    assert asked_about(text) is None
