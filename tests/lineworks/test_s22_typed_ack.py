"""Session 22 on LINE WORKS: more unacknowledged notices than quick replies (LINE WORKS shows 13) in the PR room.
A PR member acknowledges by typing 「確認 INC-0001」 (or 「ack INC-1」), in the room or the 1:1 トーク, and the
notice that cannot carry every 「確認しました」 says so. Each test was seen failing first."""

from __future__ import annotations

from bot.adapters.lineworks import postback as pb
from tests.lineworks.harness import OTHER, PR, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, quick_data, text_of

POSTS = 14


def _burst(lw: LwEnv) -> None:
    for n in range(1, POSTS + 1):
        lw.say(STAFF, f"市の公式Xの投稿{n}件目が炎上しています。批判が殺到 https://x.com/city{n}/status/{900 + n}",
               REPORT_ROOM)
    assert len(lw.runtime.triage.queries.list(None)) == POSTS


def _buttons(lw: LwEnv) -> set[int]:
    return {pb.decode(data).incident_id for data in quick_data(lw.to_room(PR_ROOM)[-1])
            if pb.decode(data).action == pb.ACK}


def _acknowledged(lw: LwEnv, incident_id: int) -> bool:
    return lw.runtime.triage.queries.view(incident_id, None).acknowledged_at is not None


def test_more_notices_than_quick_replies_say_how_to_acknowledge_the_rest_by_typing(lw: LwEnv) -> None:
    _burst(lw)
    shown = _buttons(lw)
    assert len(shown) == 13 and POSTS in shown
    [missing] = set(range(1, POSTS + 1)) - shown
    latest = "\n".join(text_of(content) for content in lw.to_room(PR_ROOM)[-2:])
    assert f"確認 INC-{missing:04d}" in latest, latest


def test_a_pr_member_acknowledges_by_typing_in_the_pr_room_and_the_reporter_is_told(lw: LwEnv) -> None:
    _burst(lw)
    [missing] = set(range(1, POSTS + 1)) - _buttons(lw)
    before = len(lw.to_user(STAFF))
    lw.say(PR, f"確認 INC-{missing:04d}", PR_ROOM)
    assert _acknowledged(lw, missing)
    assert any(f"INC-{missing:04d}" in text_of(content) and "確認しました" in text_of(content)
               for content in lw.to_user(STAFF)[before:])
    assert "acknowledged" in [e.type for e in lw.runtime.triage.queries.timeline(missing, None)]
    assert missing not in _buttons(lw)


def test_ack_typed_in_the_1to1_talk_is_confirmed_there(lw: LwEnv) -> None:
    lw.say(STAFF, "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/31", REPORT_ROOM)
    lw.say(PR, "ack INC-1")
    assert _acknowledged(lw, 1)
    said = "\n".join(text_of(content) for content in lw.to_user(PR))
    assert "INC-0001" in said and "確認" in said, said
    assert len(lw.runtime.triage.queries.list(None)) == 1


def test_one_who_may_not_acknowledge_typing_it_acknowledges_nothing(lw: LwEnv) -> None:
    lw.say(STAFF, "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/32", REPORT_ROOM)
    room = len(lw.to_room(PR_ROOM))
    lw.say(OTHER, "確認 INC-0001", PR_ROOM)
    lw.say(STAFF, "INC-0001 確認しました", REPORT_ROOM)
    assert not _acknowledged(lw, 1)
    assert len(lw.to_room(PR_ROOM)) == room  # a colleague's words in the PR room are conversation


def test_after_a_restart_a_notice_says_how_to_acknowledge_one_whose_button_is_gone(lw_factory) -> None:
    """The room's earlier 「確認しました」 are carried in memory only: after a restart the next notice shows its own
    button alone, and the earlier unacknowledged incident had no button and no word on how to acknowledge it."""
    first = lw_factory()
    first.say(STAFF, "市の公式Xアカウントが乗っ取られたようです https://x.com/asahikawa_city/status/77", REPORT_ROOM)
    first.stop()
    second = lw_factory(runtime=first.runtime)
    second.say(OTHER, "市長のなりすましアカウントがあります https://x.com/fake_mayor/status/1", REPORT_ROOM)
    assert _buttons(second) == {2}
    notice = text_of(second.to_room(PR_ROOM)[-1])
    assert "「確認 INC-0002」" in notice, notice
    second.say(PR, "確認 INC-0001", PR_ROOM)
    assert _acknowledged(second, 1)


def test_help_says_pr_may_acknowledge_by_typing(lw: LwEnv) -> None:
    lw.say(PR, "help")
    said = "\n".join(text_of(content) for content in lw.to_user(PR))
    assert "「確認 INC-0001」" in said and "続報" in said, said
