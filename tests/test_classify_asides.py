"""Off-hours asides (「宿直の者です」「えー」, mail labels, 「担当へ伝えてください」「以上です」) weigh nothing."""

from __future__ import annotations

import json

import pytest

from bot.triage.classifier_features import prepare
from bot.triage.classify import classify
from bot.triage.normalize import normalize
from tests.conftest import REPO

PLAIN = "市の公式Xの投稿に批判のリプライが集まっていて、電話も何件か来ています"
PLAIN_EN = "Our Facebook page is sending links to followers that none of us wrote"
# Written for this test; none of them is a frame of bench/eval_frames.py --s19.
LEADING = (
    "夜分遅く失礼いたします。",
    "休日当番です。",
    "夜分すみません、当直の者です。",
    "取り急ぎご報告です。",
    "守衛室より。",
)
TRAILING = (
    "週明けに広報課の方へお伝えください",
    "明日、係長に回しておいてください",
    "担当さんにもご連絡お願いします",
    "情報政策課に共有していただけると助かります",
    "以上",
    "連絡まで",
    "報告だけしときます",
)
# Batches written by other authors.
BATCHES = ("m_depts_calls_heldout.jsonl", "n_night_duty_heldout.jsonl")


@pytest.mark.parametrize("frame", LEADING)
def test_a_leading_opener_leaves_no_trace_in_the_features(frame: str) -> None:
    assert prepare(f"{frame}{PLAIN}") == prepare(PLAIN)


@pytest.mark.parametrize("frame", TRAILING)
def test_a_trailing_request_or_sign_off_leaves_no_trace_in_the_features(frame: str) -> None:
    assert prepare(f"{PLAIN}。{frame}") == prepare(PLAIN)


def test_voice_fillers_mail_labels_and_english_requests_leave_no_trace() -> None:
    voiced = "えーと 公式インスタの えー コメント欄 あのー 苦情だらけ"
    assert prepare(voiced) == prepare("公式インスタの コメント欄 苦情だらけ")
    assert prepare("Um, " + PLAIN_EN) == prepare(PLAIN_EN)
    mail = "---------- Forwarded message ---------\nFrom: 観光課\nSubject: 至急\n公式LINEから身に覚えのない配信"
    assert prepare(mail) == prepare("至急 公式LINEから身に覚えのない配信")  # the header lines go whole (session 20)
    assert prepare(PLAIN_EN + ". Could you forward this to the IT team tomorrow?") == prepare(PLAIN_EN)
    assert prepare(PLAIN_EN + " Should I pass this on to someone?") == prepare(PLAIN_EN)  # a routing question still


@pytest.mark.parametrize(
    "text",
    [
        "宿直です",  # an aside alone is the message
        "以上です",
        "資料、課長に回してください",  # a request with no report before it is the message
        "名簿は課長に回してください",
        "えーすの選手がえーじぇんと契約",  # words, not fillers
        "コメント、千件以上",  # 以上 after a number is no sign-off
        "市の公式Xの件、担当課です",
    ],
)
def test_what_is_no_aside_stays(text: str) -> None:
    assert prepare(text) == normalize(text)


@pytest.mark.parametrize("frame", [("夜分にすみません、宿直です。", ""), ("", "。休み明けに担当の方に伝えてください"),
                                   ("えー ", " 以上")])
def test_framed_reports_get_the_answer_of_the_plain_report(frame: tuple[str, str]) -> None:
    changed = []
    for name in BATCHES:
        for line in (REPO / "tests" / "data" / "corpus" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["kind"] == "none":
                continue
            plain, framed = classify(row["text"]), classify(frame[0] + row["text"] + frame[1])
            if (plain.outcome, plain.kind) != (framed.outcome, framed.kind):
                changed.append(row["text"])
    assert changed == []


BODY = "昨日の市公式Xの投稿に批判のリプライが集まっていて、電話も何件か来ています。"
HEADERS = (
    "-----Original Message-----\nFrom: 交通局 広報担当 <koho@city.example.lg.jp>\nSent: Monday, December 07, 2026"
    " 2:05 PM\nTo: 危機管理室\nCc: 総務課\nSubject: 投稿の件\n\n",
    "件名：投稿の件\n差出人：住宅政策課 山田\n送信日時：2026年12月7日 10:24\n宛先：危機管理室\n\n",
    "---------- Forwarded message ---------\n> From: Water Bureau\n> Date: Mon, Dec 7, 2026 at 9:12 AM\n"
    "> Subject: 投稿の件\n",
)


@pytest.mark.parametrize("header", HEADERS)
def test_a_forwarded_mails_header_lines_leave_only_the_subject(header: str) -> None:
    """Session 20: who sent a mail, to whom and when (names, addresses, dates) stayed in the features after the
    labels went, and swayed a short body; the subject's words are the message's and stay."""
    assert prepare(header + BODY) == prepare("投稿の件 " + BODY)


@pytest.mark.parametrize(
    "text",
    [
        "From: 広報課\nTo: 危機管理室",  # headers alone are the whole message
        "差出人不明のメールが公式アカウントに届いています",  # a word, not a header line
        "Subject to approval: the new posting rules\nDate: to be decided",  # inline
    ],
)
def test_what_is_no_header_line_stays(text: str) -> None:
    if text.startswith("From"):
        assert "広報課" in prepare(text)
    elif "\n" in text:
        assert "subject to approval" in prepare(text)
    else:
        assert prepare(text) == normalize(text)
