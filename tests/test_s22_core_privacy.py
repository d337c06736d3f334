"""Session 22 privacy cues: addresses, birth dates, pupils, numbered records written out in a report restrict it; an
office's number, a facility's address, URLs, incident numbers, dates and clause numbers do not.

tests/data/privacy_s22_heldout.jsonl (80: 40 with personal data, 40 look-alikes) was written before the rules; on
the code before them the cues alone missed 10 and restricted 1 look-alike (with the classifier: 4 and 3)."""

from __future__ import annotations

import pytest

from bot.triage.privacy_cues import exposes_personal_data
from tests.test_privacy_heldout import tally

# Fresh wording, not the held-out set's sentences.
LEAKS = [
    "晒しアカウントが「苦情を言ったのは松本良子さん（旭町1条9丁目5-22）」と投稿しています",  # name (address)
    "コメント欄に 前田 実（神居３条１２丁目１－８）の文字があり、ご本人が困っています",  # full-width digits
    "炎上のリプで『あいつの家は永山6条3丁目』と書かれている",  # a block said to be a home
    "通報者は末広1条5丁目に住んでいる女性だと特定されかけています",
    "アップした書類の写真に 住所：東光１４条６丁目３－２ が読み取れる状態です",  # 住所: label
    "掲示板に「原田さん H3.7.21生まれ」とまで書かれました",  # an era birth date
    "メモの画像に 生年月日：昭和52年4月3日 とありました",
    "学童の投稿のコメントに「2年4組の山口くん」と出ています",  # a pupil by class
    "年金の通知を誤って公開、基礎年金番号 1234-567890 が見える状態",
    "口座　普通　7654321　名義ヤマダ　の画像が拡散",
    "被保険者番号：12345678 の記載があるページが検索で出てきます",
    "The replies give the complainant's address as 2-4-11 Suehiro, Mr Tanaka's house.",
    "住所 神楽岡５条２丁目６番３号 と書いた届出の画像を公式LINEで送ってしまいました",  # 住所 without a colon
    "苦情の主は m.nishimura88@example.ne.jp の方です",  # a person's email address, written out
    "返信先として ｎａｏｋｉ＿ｋ＠ｅｘａｍｐｌｅ．ｊｐ がコメントに残っています",
]
LOOK_ALIKES = [
    "市役所の代表番号（０１６６－２６－１１１１）への電話が止まりません",
    "会場は市民体育館（住所：花咲町5丁目 2-1）です、という偽の告知が出ています",
    "INC-0031 の件、2026-12-07 の投稿が再び拡散しています",
    "令和8年12月7日の投稿で、第7 2(2) に基づき訂正しました",
    "https://x.com/city_fake/status/1866000011112222333 がなりすましです",
    "北1条西3丁目の再開発についての投稿が炎上しています",
    "生年月日を聞き出そうとする偽の電話に注意してください",
    "3年2組の参観日の日程がデマとして出回っています",
    "運動会の写真（個人が特定できないよう加工済み）への批判が来ています",
    "整理番号 0012-3456-7890 の申込みについての苦情が拡散しています",  # twelve digits, no person
    "問い合わせは kouhou@city.example.lg.jp までと告知しました",  # an office's address
    "偽アカウントが city.help.desk@gmail.com への連絡を求めています",  # an impersonator's
    "公式Xの登録メールアドレスが x9q2@proton.me に変更されました",  # a hijacker's, on the account
]


@pytest.mark.parametrize("text", LEAKS)
def test_personal_data_written_out_restricts(text: str) -> None:
    assert exposes_personal_data(text)


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_do_not_restrict(text: str) -> None:
    assert not exposes_personal_data(text)


def test_the_held_out_set_holds_its_figures() -> None:
    """Every leak restricted, no look-alike (development figures now: first look was 10 missed, 1 false)."""
    counts = tally("privacy_s22_heldout")
    assert counts["missed"] == 0 and counts["false"] == 0, dict(counts)
