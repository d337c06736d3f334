"""Session 17 #8 on LINE WORKS: a vague report of a post in the report room, then a colleague's leak report of the
same post. The merge restricts the incident; the PR room is told not to forward the first notice's text, as after a
correction to a leak (LINE WORKS cannot edit it), and no leak text reaches any room."""

from __future__ import annotations

from tests.lineworks.harness import OTHER, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, text_of

URL = "https://www.facebook.com/city/posts/888"
VAGUE = f"市の公式アカウントになりすましたアカウントの投稿です {URL}"
LEAK = f"住民の名簿を誤って添付したまま投稿してしまいました。山田太郎 090-1234-5678 {URL}"


def test_a_leak_report_merged_into_an_ordinary_incident_restricts_it(lw: LwEnv) -> None:
    """Before: merged into the unrestricted incident; the PR room only asked to check the kind."""
    lw.say(STAFF, VAGUE, REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert not view.restricted and len(lw.to_room(PR_ROOM)) == 1
    lw.say(OTHER, LEAK, REPORT_ROOM)
    assert [v.id for v in lw.runtime.triage.queries.list(None)] == [view.id]
    assert lw.runtime.triage.queries.view(view.id, None).restricted
    room = [text_of(c) for c in lw.to_room(PR_ROOM)]
    assert any("転送・引用しないでください" in t for t in room), room  # the first notice's text withdrawn
    assert any("【閲覧制限】INC-0001" in t and "佐藤" in t for t in room), room
    assert any("閲覧制限付きになりました" in text_of(c) for c in lw.to_user(STAFF))  # told in her 1:1 chat
    assert any("閲覧制限付きにし" in text_of(c) for c in lw.to_user(OTHER))
    everywhere = " ".join(text_of(c) for c in lw.to_room(PR_ROOM) + lw.to_room(REPORT_ROOM) + lw.to_user(STAFF))
    assert "090" not in everywhere and "山田太郎" not in everywhere
