"""Session 20 walk on LINE WORKS (docs/qa/session20_walk_lineworks.md): each test was seen failing before its fix."""

from __future__ import annotations

from bot.adapters.lineworks import postback as pb
from tests.lineworks.harness import PR_ROOM, REPORT_ROOM, STAFF, LwEnv, quick_data, text_of
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
