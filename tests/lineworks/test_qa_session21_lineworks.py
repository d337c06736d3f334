"""Session 21 walk on LINE WORKS (docs/qa/session21_walk_lineworks.md): each test was seen failing before its fix."""

from __future__ import annotations

from tests.lineworks.harness import PR_ROOM, REPORT_ROOM, STAFF, LwEnv, quick_data, text_of
from tests.lineworks.limits import problems

# A complaint thread pasted from a browser (LINE WORKS' PC client lets 12,000 characters through a paste).
LONG = ("市の公式Xの投稿が炎上しています。寄せられた批判を貼ります。https://x.com/city/status/88\n"
        + "「説明が足りない。市は何をしているのか」という趣旨のリプライが続いています。\n" * 320
        + "以上です（最後の行）")


def test_a_report_over_10000_characters_is_taken_whole_and_reaches_pr_within_the_limits(lw: LwEnv) -> None:
    """#1: a 12,000-character report was answered 400 (content.text is longer than 10000 characters): nobody told,
    nothing stored. It is a report like any other; what the bot sends stays within LINE WORKS' limits."""
    assert len(LONG) > 10_000
    assert lw.say(STAFF, LONG, REPORT_ROOM).status_code == 200
    [view] = lw.runtime.triage.queries.list(None)
    assert view.text.endswith("以上です（最後の行）")
    sent = [*lw.to_room(PR_ROOM), *lw.to_user(STAFF)]
    assert sent and all(problems(content) == [] for content in sent)
    shown = "".join(text_of(content) for content in lw.to_room(PR_ROOM))
    assert "以上です（最後の行）" in shown  # nothing of it lost on the way to PR
    assert quick_data(lw.to_room(PR_ROOM)[-1])


def test_a_message_longer_than_the_bot_keeps_is_refused_in_words(lw: LwEnv) -> None:
    """#1: beyond what the core keeps (40,000 characters), the member is told, in their 1:1 chat, to split it."""
    response = lw.say(STAFF, "炎上しています。" + "あ" * 45_000, REPORT_ROOM)
    assert response.status_code == 200
    assert lw.runtime.triage.queries.list(None) == []
    [said] = [text_of(content) for content in lw.to_user(STAFF)]
    assert "長すぎる" in said and "40,000" in said
    lw.say(STAFF, "あ" * 45_000, "another-room")  # a room that is not a report room: conversation, nothing said
    assert len(lw.to_user(STAFF)) == 1


def test_a_text_over_what_the_core_keeps_is_parsed_as_too_long_not_malformed() -> None:
    """#1 (the parser): replaces the old 「content.text is longer than 10000 characters」 400."""
    import json

    from bot.adapters.lineworks.callbacks import TextMessage, parse

    raw = json.dumps({"type": "message", "source": {"userId": STAFF}, "issuedTime": "2026-11-18T01:00:00Z",
                      "content": {"type": "text", "text": "x" * 40_001}}).encode()
    event = parse(raw)
    assert isinstance(event, TextMessage) and event.too_long == 40_001 and event.text == ""


def test_a_replayed_field_answer_is_taken_once_and_asks_nothing(lw: LwEnv) -> None:
    """#2: the same callback of a typed field answer delivered twice (a proxy's retry, a replay): the second, with no
    field pending any more, was asked 「インシデントとして報告しますか？」 as if it were a new message."""
    from bot.adapters.lineworks import postback as pb

    lw.say(STAFF, "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/601")
    step = next(content for content in lw.to_user(STAFF) if "担当課" in str(content.get("quickReply")))
    field = next(item["action"]["data"] for item in step["quickReply"]["items"] if "担当課" in item["action"]["label"])
    assert pb.decode(field).action == pb.INPUT
    lw.press(STAFF, field)
    before = len(lw.to_user(STAFF))
    answer = lw.message(STAFF, "広報広聴課")
    lw.send(answer)
    lw.send(answer)
    after = [text_of(content) for content in lw.to_user(STAFF)[before:]]
    assert any("記録しました" in said for said in after)
    assert not any("報告しますか" in said for said in after), after
    [view] = lw.runtime.triage.queries.list(None)
    assert [entry.type for entry in lw.runtime.triage.queries.timeline(view.id, None)].count("note") == 0


def _content(lw: LwEnv, content: dict) -> dict:
    message = lw.message(STAFF, "")
    message["content"] = content
    return message


def test_a_sticker_or_location_in_the_1to1_chat_is_answered_with_what_the_bot_reads(lw: LwEnv) -> None:
    """#3: a sticker, a location (or audio/video) sent to the bot in the 1:1 chat got no reply at all; the member
    could not tell whether the bot was working. In a report room it stays chatter (nothing said)."""
    for content in ({"type": "sticker", "packageId": "1", "stickerId": "2"},
                    {"type": "location", "address": "旭川市", "latitude": 43.7, "longitude": 142.3}):
        before = len(lw.to_user(STAFF))
        assert lw.send(_content(lw, content)).status_code == 200
        [said] = [text_of(c) for c in lw.to_user(STAFF)[before:]]
        assert "文章" in said and "画像" in said and "help" in said, said
    room = lw.message(STAFF, "", REPORT_ROOM)
    room["content"] = {"type": "sticker", "packageId": "1", "stickerId": "2"}
    before = len(lw.fake.posted)
    lw.send(room)
    assert len(lw.fake.posted) == before
    assert lw.runtime.triage.queries.list(None) == []


def test_an_image_in_the_1to1_chat_amid_an_open_incident_says_what_happens_to_it(lw: LwEnv) -> None:
    """#3: an image sent in the 1:1 chat where INC-0001's steps run was asked 「報告しますか？」 alone:
    the member could think it went on INC-0001's record or to PR. It stays in this talk only (Slack and Teams
    ask the same question about files; there the file stays in the conversation the others read)."""
    lw.say(STAFF, "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/701")
    before = len(lw.to_user(STAFF))
    lw.send(_content(lw, {"type": "image", "fileId": "jp1.photo"}))
    [asked] = [text_of(c) for c in lw.to_user(STAFF)[before:]]
    assert "報告しますか" in asked
    assert "INC-0001" in asked and "保存" in asked, asked


SLACK_WORDS = ("チャンネル", "スレッド", "チャネル", "個人チャット", "DM", "ダイレクトメッセージ", "メンション")


def _place_words(said: list[str]) -> list[str]:
    return [text for text in said if any(word in text for word in SLACK_WORDS)]


def test_every_place_a_line_works_user_reads_is_named_in_line_works_words(lw: LwEnv, core_clock) -> None:
    """#4: LINE WORKS has トークルーム and 1:1 トーク, no channels, threads or 個人チャット. A grantee of an ordinary
    incident read 「報告のスレッド、または報告者とボットの個別の会話」 (grant.told_where); a co-reporter asking its
    status read 「カードをボットとの個人チャットに送りました」; a reporter whose re-notice the PR room refused read
    「ボットが送信先のチャンネルから外されている」."""
    from bot.adapters.lineworks import postback as pb
    from tests.lineworks.harness import OTHER, PR

    lw.say(STAFF, "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/801", REPORT_ROOM)
    lw.say(OTHER, "市の公式Xの投稿が炎上しています https://twitter.com/city/status/801?s=20", REPORT_ROOM)
    lw.say(OTHER, "状況 INC-0001")
    lw.say(PR, "権限付与 INC-0001 lineworks:other-0001")
    lw.say(STAFF, "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです"
                  " https://x.com/a/status/5")
    lw.say(OTHER, "市のFacebookに住民の個人情報が写った写真 https://x.com/a/status/5")
    lw.say(PR, "権限付与 INC-0002 lineworks:other-0001")
    lw.fake.remove_bot(PR_ROOM)
    core_clock.advance(minutes=45)
    lw.runtime.triage.escalations.fire_due(lw.adapter.deliver_notification, "worker-1")
    lw.jobs.drain()
    said = [text_of(content) for who in (STAFF, OTHER, PR) for content in lw.to_user(who)]
    assert any("【通知が届いていません】" in text for text in said)
    assert any("【権限の付与】" in text for text in said)
    assert any("1対1のトーク" in text and "カード" in text for text in said)
    assert _place_words(said) == []
    assert pb.ACK  # (the PR room's own messages are checked by the other walks)


def test_a_status_question_in_the_report_room_is_answered_in_the_askers_1to1_chat(lw: LwEnv) -> None:
    """Walk (bad day): 「INC-0001 の状況どうなってますか？」 in the report room got nothing (read as chatter); Slack
    answers it privately in a report channel (delivery/typed.py). A leak's is not told outside the 1:1 talk."""
    from tests.lineworks.harness import OTHER

    lw.say(STAFF, "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/811", REPORT_ROOM)
    room = len(lw.to_room(REPORT_ROOM))
    lw.say(OTHER, "INC-0001 の状況どうなってますか？", REPORT_ROOM)
    said = "\n".join(text_of(content) for content in lw.to_user(OTHER))
    assert "【状況】INC-0001（炎上）" in said
    # 「新規」: her second 1:1 message without a URL is otherwise asked 続報 or new first (session 22)
    lw.say(STAFF, "新規 市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿しました。情報漏えいです")
    before = len(lw.to_user(STAFF))
    lw.say(STAFF, "INC-0002 の状況は？", REPORT_ROOM)
    [told] = [text_of(content) for content in lw.to_user(STAFF)[before:]]
    assert "1対1のトークでお尋ねください" in told and "情報漏えい" not in told
    assert len(lw.to_room(REPORT_ROOM)) == room  # nothing said in the room
    assert len(lw.runtime.triage.queries.list(None)) == 2


def test_a_field_prompt_and_its_receipt_name_their_incident(lw: LwEnv) -> None:
    """Walk (bad day): 山田 had INC-0001 and a leak INC-0002 open; under INC-0002's 「確認しました」 the chat carried
    INC-0001's 「入力: 対象の投稿のURL」 (quick replies show on the latest message only). Pressed there, the prompt
    「「対象の投稿のURL」を入力して送信してください」 did not say whose: the leak's URL would go on INC-0001."""
    from bot.adapters.lineworks import postback as pb

    lw.say(STAFF, "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/821")
    lw.say(STAFF, "新規 市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿しました。情報漏えいです")
    [first, _] = sorted(view.id for view in lw.runtime.triage.queries.list(None))
    step = lw.runtime.triage.steps.current(first, f"lineworks:{STAFF}")
    url = next(item for item in step.inputs if item.type == "url")
    lw.press(STAFF, pb.encode(pb.INPUT, first, "flaming", step.step_id, url.id))
    assert "INC-0001" in text_of(lw.to_user(STAFF)[-1])
    lw.say(STAFF, "https://x.com/city/status/821")
    assert "INC-0001" in text_of(lw.to_user(STAFF)[-1]) and "記録しました" in text_of(lw.to_user(STAFF)[-1])


def test_an_image_sent_for_the_screenshot_field_is_answered_as_the_field_not_as_a_report(lw: LwEnv) -> None:
    """Walk (bad day): 山田 pressed 「入力: 画面保存（スクリーンショット）…」 and sent the screenshot itself. It was
    asked 「インシデントとして報告しますか？」 (a new report?) and the field stayed pending with no word of why."""
    from bot.adapters.lineworks import postback as pb

    lw.say(STAFF, "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/831")
    [view] = lw.runtime.triage.queries.list(None)
    step = lw.runtime.triage.steps.current(view.id, f"lineworks:{STAFF}")
    shot = next(item for item in step.inputs if "画面保存" in item.label)
    lw.press(STAFF, pb.encode(pb.INPUT, view.id, "flaming", step.step_id, shot.id))
    before = len(lw.to_user(STAFF))
    lw.send(_content(lw, {"type": "image", "fileId": "jp1.shot"}))
    said = "\n".join(text_of(content) for content in lw.to_user(STAFF)[before:])
    assert "報告しますか" not in said and "保存先" in said and "INC-0001" in said, said
    lw.say(STAFF, "共有フォルダ\\広報\\2026\\INC-0001")
    assert "記録しました" in text_of(lw.to_user(STAFF)[-1])
