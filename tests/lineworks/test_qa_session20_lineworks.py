"""Session 20 walk on LINE WORKS (docs/qa/session20_walk_lineworks.md): each test was seen failing before its fix."""

from __future__ import annotations

import logging

import pytest

from bot.adapters.lineworks import postback as pb
from tests.lineworks.harness import OTHER, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, quick_data, text_of
from tests.lineworks.limits import problems

# A report as long as a LINE WORKS message may be (10,000 characters), pasted from a complaint thread.
LONG_REPORT = ("市の公式Xの投稿が炎上しています。寄せられた批判の一部を貼ります。https://x.com/city/status/77\n"
               + "「説明が足りない。市は何をしているのか」という趣旨のリプライが続いています。\n" * 230)


def test_a_long_reports_notice_reaches_pr_whole_within_the_flexible_templates_size(lw: LwEnv) -> None:
    """Walk #1: a 9,000-character report's notice was one card holding the whole text, 56 KB of JSON as sent; a
    Flexible Template bubble is at most 30 KB, so LINE WORKS would refuse it and PR would never be told."""
    assert 8_000 < len(LONG_REPORT) <= 10_000
    assert lw.say(STAFF, LONG_REPORT, REPORT_ROOM).status_code == 200
    [view] = lw.runtime.triage.queries.list(None)
    room = lw.to_room(PR_ROOM)
    assert room and all(problems(content) == [] for content in room)
    assert "【炎上】INC-0001" in text_of(room[0])
    # Nothing of the report is lost: its lines all reach the room, in order, and the last message has the button.
    shown = "".join(text_of(content) for content in room)
    assert shown.count("「説明が足りない。市は何をしているのか」") >= 230
    assert [pb.decode(d).action for d in quick_data(room[-1])] == [pb.ACK]
    events = [entry.type for entry in lw.runtime.triage.queries.timeline(view.id, None)]
    assert "delivery_failed" not in events


def test_a_report_while_the_bot_is_out_of_the_pr_room_says_why_pr_was_not_told(
        lw: LwEnv, caplog: pytest.LogCaptureFixture) -> None:
    """Walk #2: the bot was removed from the PR room (a 町's room tidied up). The leave callback was logged as
    「ignored」 at INFO; the next report's notice failed and the reporter read 「LINE WORKS への送信に失敗しました
    （FORBIDDEN）。時間をおいてもう一度お試しください」: a code, and advice to report again. Slack says which
    room and what to do (「ボットがチャンネルに参加していません。チャンネルにボットを招待してください」)."""
    with caplog.at_level(logging.INFO, logger="incident_bot.lineworks"):
        assert lw.send({"type": "leave", "source": {"channelId": PR_ROOM, "domainId": 1},
                        "issuedTime": "2026-11-18T01:00:00Z"}).status_code == 200
    [left] = [r for r in caplog.records if "left" in r.getMessage() and PR_ROOM in r.getMessage()]
    assert left.levelno == logging.WARNING and "pr_channel" in left.getMessage()
    lw.fake.remove_bot(PR_ROOM)
    lw.say(STAFF, "市の公式Instagramアカウントが乗っ取られました。不正ログインされています")
    [view] = lw.runtime.triage.queries.list(None)
    said = [text_of(content) for content in lw.to_user(STAFF)]
    assert any("【手順 1/" in text for text in said)  # the reporter's own chat is unaffected
    # Session 21 (Teams walk #3): the first notice's refusal is told as the re-notices' is, in words, at once.
    [failed] = [text for text in said if "【通知が届いていません】" in text]
    assert "FORBIDDEN" not in failed and "外されている" in failed and "電話などで直接連絡" in failed
    assert not [text for text in said if "LINE WORKS への送信に失敗しました" in text]
    assert "delivery_failed" in [entry.type for entry in lw.runtime.triage.queries.timeline(view.id, None)]


def test_a_replayed_message_asked_about_opens_one_incident_whichever_question_is_answered(lw: LwEnv) -> None:
    """Walk #3: the same callback twice (a proxy's retry, a replay) of a message the bot is unsure of asked
    「インシデントとして報告しますか？」 twice, each question with its own random token; answering both opened
    INC-0001 and INC-0002 for one message, two notices to PR. Slack keys the question by the message (its ts)."""
    body = lw.message(STAFF, "なんか市の公式LINEのことでSNSが騒がしいです")
    lw.send(body)
    lw.send(body)
    questions = [content for content in lw.to_user(STAFF) if "報告しますか" in text_of(content)]
    assert len(questions) >= 1
    for question in questions:
        lw.press(STAFF, next(d for d in quick_data(question) if pb.decode(d).action == pb.ASK
                             and pb.decode(d).kind != pb.DECLINE))
    assert len(lw.runtime.triage.queries.list(None)) == 1
    assert len(lw.to_room(PR_ROOM)) <= 1


def test_a_question_in_the_1to1_chat_quotes_the_room_message_it_is_about(lw: LwEnv) -> None:
    """Walk #4: a message in the report room the bot was unsure of, and a photo posted there, were each asked
    about in the poster's 1:1 chat as 「インシデントとして報告しますか？」 alone: away from the room, the poster
    could not tell which of their messages it meant. Teams' question card quotes the message (asking.ask_card)."""
    lw.say(OTHER, "なんか市の公式LINEのことでSNSが騒がしいです", REPORT_ROOM)
    [question] = [content for content in lw.to_user(OTHER) if "報告しますか" in text_of(content)]
    assert "「なんか市の公式LINEのことでSNSが騒がしいです」" in text_of(question)
    photo = lw.message(OTHER, "", REPORT_ROOM)
    photo["content"] = {"type": "image", "fileId": "jp1.photo"}
    lw.send(photo)
    asked = text_of(lw.to_user(OTHER)[-1])
    assert "報告しますか" in asked and "画像またはファイル" in asked


def test_step_buttons_carried_under_another_incidents_message_name_their_incident(lw: LwEnv) -> None:
    """Walk #5: 山田 had INC-0001 (炎上) and INC-0002 (なりすまし) open; a colleague's report of INC-0001's post
    brought 「INC-0001: 同じ投稿について 1 件の報告をまとめました」 carrying 「完了」「スキップ」, which were INC-0002's
    step 1 (quick replies show on the latest message only, so the chat's last ones are carried). Read under
    INC-0001's line, 「完了」 would complete the other incident's step. PR's 確認しました names its incident."""
    lw.say(STAFF, "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/501")
    lw.say(STAFF, "市の公式アカウントを名乗るなりすましアカウントが見つかりました https://x.com/c1ty_fake_501")
    lw.say(OTHER, "市の公式Xの投稿が炎上しています https://twitter.com/city/status/501?s=20")
    [merged] = [content for content in lw.to_user(STAFF) if "まとめました" in text_of(content)]
    assert "INC-0001" in text_of(merged)
    items = merged["quickReply"]["items"]
    steps = [item for item in items if pb.decode(item["action"]["data"]).action in (pb.DONE, pb.SKIP)]
    assert steps and {pb.decode(item["action"]["data"]).incident_id for item in steps} == {2}
    assert all("INC-0002" in item["action"]["label"] for item in steps), [item["action"]["label"] for item in steps]


def test_buttons_of_a_message_that_was_never_delivered_are_not_carried_onto_the_next(lw: LwEnv) -> None:
    """Walk C: the receipt of a report (with its kind buttons) was refused once; the failure message that followed
    carried those kind buttons, registered before the send that failed, under 「送信に失敗しました」."""
    lw.fake.fail_next(403, "FORBIDDEN")
    lw.say(STAFF, "市の公式Instagramアカウントが乗っ取られました。不正ログインされています")
    [failed] = [content for content in lw.to_user(STAFF) if "送信に失敗しました" in text_of(content)]
    assert pb.KIND not in {pb.decode(data).action for data in quick_data(failed)}
