"""Session 6 walk on LINE WORKS (a city-hall member in the report room and the 1:1 chat): findings as tests."""

from __future__ import annotations

from bot.adapters.lineworks import postback as pb
from tests.lineworks.harness import OTHER, PR, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, press_data, text_of
from tests.lineworks.test_lineworks_scenarios import REPORTS


def test_a_leak_posted_in_the_report_room_is_to_be_unsent_not_deleted(lw: LwEnv) -> None:
    """LINE WORKS 「削除」 removes a message from one's own screen only; 「送信取消」 removes it for the whole room
    (LINE WORKS guide 「トークの取消と削除」). Advice to 「削除」 would leave the personal data in the room."""
    lw.say(STAFF, REPORTS["leak"], REPORT_ROOM)
    [advice] = [m for m in lw.to_user(STAFF) if "個人情報が含まれている場合" in text_of(m)]
    said = text_of(advice)
    assert "送信取消" in said and "トークルーム" in said
    assert "「削除」" not in said.replace("「削除」はご自身の画面から消えるだけ", "")
    assert "チャンネル" not in said  # LINE WORKS has talk rooms, not channels


def test_the_english_advice_says_unsend_too() -> None:
    from bot.adapters.lineworks.render import load_texts

    for locale, unsend in (("ja", "送信取消"), ("en", "Unsend")):
        advice = load_texts(locale)["privacy_advice"]
        assert unsend in advice and "{ref}" in advice


def test_a_room_report_corrected_to_leak_advises_the_reporter_about_their_room_message(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["flaming"], REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    lw.press(STAFF, pb.encode(pb.KIND, view.id, "leak"))
    assert lw.runtime.triage.queries.view(view.id, None).restricted
    assert any("個人情報が含まれている場合" in text_of(m) for m in lw.to_user(STAFF))


def test_a_bystander_cannot_acknowledge_or_correct(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["flaming"], REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    notice = lw.to_room(PR_ROOM)[0]
    lw.press(OTHER, press_data(notice, pb.ACK), PR_ROOM)
    lw.press(OTHER, pb.encode(pb.KIND, view.id, "leak"))
    after = lw.runtime.triage.queries.view(view.id, None)
    assert after.acknowledged_at is None and after.kind == "flaming"
    told = [text_of(m) for m in lw.to_user(OTHER)]
    assert any("広報広聴課として登録された職員だけ" in t for t in told) and any("権限がありません" in t for t in told)


def test_two_instances_handle_the_same_redelivered_callback_once(lw_factory) -> None:  # noqa: ANN001
    """Two instances behind a balancer on one database (PostgreSQL with TEST_DATABASE_URL): LINE WORKS sends the
    same callback again, to either instance; one incident, one set of messages, one acknowledgement."""
    first, second = lw_factory(), lw_factory()
    callback = first.message(STAFF, REPORTS["impersonation"], REPORT_ROOM)
    assert first.send(callback).status_code == 200
    sent = len(first.to_user(STAFF))
    for env in (second, first, second):
        assert env.send(callback).status_code == 200
    [view] = first.runtime.triage.queries.list(None)
    assert len(first.to_user(STAFF)) == sent
    [notice] = first.to_room(PR_ROOM)
    press = {"type": "postback", "source": {"userId": PR, "domainId": 40029600, "channelId": PR_ROOM},
             "issuedTime": "2026-11-18T01:30:00.000Z", "data": press_data(notice, pb.ACK)}
    for env in (first, second):
        assert env.send(press).status_code == 200
    events = [e.type for e in first.runtime.triage.queries.timeline(view.id, None)]
    assert events.count("reported") == 1 and events.count("acknowledged") == 1
    assert len([m for m in first.to_room(PR_ROOM) if "さんが確認しました" in text_of(m)]) == 1


def test_a_notice_redacted_after_the_end_was_offered_no_longer_carries_the_end_control(lw: LwEnv) -> None:
    """Session 7: steps done before PR's acknowledgement, so the acknowledgement offers 「対応完了にする」; a
    correction to a leak then starts the leak's steps: the room's redaction notice must not carry that control."""
    from tests.lineworks.harness import quick_data
    from tests.lineworks.test_lineworks_scenarios import walk_steps

    lw.say(STAFF, REPORTS["flaming"], REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    walk_steps(lw, view.id)
    lw.press(PR, press_data(lw.to_room(PR_ROOM)[0], pb.ACK), PR_ROOM)
    assert pb.END in [pb.decode(d).action for d in quick_data(lw.to_room(PR_ROOM)[-1])]
    lw.press(STAFF, pb.encode(pb.KIND, view.id, "leak"))
    assert lw.runtime.triage.queries.view(view.id, None).restricted
    redacted = lw.to_room(PR_ROOM)[-1]
    assert view.ref in text_of(redacted) and "確認しました" not in text_of(redacted)
    assert pb.END not in [pb.decode(d).action for d in quick_data(redacted)]
