"""On LINE WORKS (which sends no edit events): a follow-up naming INC-0001 in the report room that exposes personal
data restricts the incident as a merged leak report does; the PR room is told not to forward the first notice's
text, and the follow-up's author is told privately to delete her message from the room."""

from __future__ import annotations

from tests.lineworks.harness import OTHER, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, text_of

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"
FOLLOWUP = "INC-0001 の件、リプ欄に申請者の住所が載っています"


def test_a_follow_up_exposing_personal_data_restricts_the_incident(lw: LwEnv) -> None:
    lw.say(STAFF, FLAMING, REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert not view.restricted
    lw.say(OTHER, FOLLOWUP, REPORT_ROOM)
    assert [v.id for v in lw.runtime.triage.queries.list(None)] == [view.id]
    assert lw.runtime.triage.queries.view(view.id, None).restricted
    room = [text_of(c) for c in lw.to_room(PR_ROOM)]
    assert any("転送・引用しないでください" in t for t in room), room  # the first notice's text withdrawn
    assert any("【閲覧制限】INC-0001" in t and "書き込み" in t and "佐藤" in t for t in room), room
    assert any("閲覧制限付きになりました" in text_of(c) for c in lw.to_user(STAFF))  # told in her 1:1 chat
    mine = [text_of(c) for c in lw.to_user(OTHER)]
    assert any("閲覧制限付きにし" in t for t in mine) and any("削除" in t for t in mine), mine
    everywhere = " ".join(text_of(c) for c in lw.to_room(PR_ROOM) + lw.to_room(REPORT_ROOM) + lw.to_user(STAFF))
    assert "申請者の住所" not in everywhere
