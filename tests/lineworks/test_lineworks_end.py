"""Ending an incident from LINE WORKS: once a leak's steps are done (its reporter may not end it), the PR room
gets 「対応完了にする」 as a quick reply; the core decides who may (tests/lineworks/test_qa_session6_lineworks.py on
branch s6-qa asked for a typed 「resolve INC-…」 before any step; the control is what this branch offers)."""

from __future__ import annotations

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.port import target_of
from tests.lineworks.harness import OTHER, PR, PR_ROOM, STAFF, LwEnv, press_data, quick_data, text_of
from tests.lineworks.test_lineworks_scenarios import REPORTS, walk_steps


def _leak_walked(lw: LwEnv) -> tuple[int, str]:
    lw.say(STAFF, REPORTS["leak"])
    [view] = lw.runtime.triage.queries.list(None)
    lw.press(PR, press_data(lw.to_room(PR_ROOM)[0], pb.ACK), PR_ROOM)
    walk_steps(lw, view.id)
    assert lw.runtime.triage.queries.view(view.id, None).status == "responding"
    offer = lw.to_room(PR_ROOM)[-1]
    assert "手順はすべて終わりました" in text_of(offer) and "住所" not in text_of(offer)
    said = [text_of(m) for m in lw.to_user(STAFF)]
    assert any("対応完了にするのは広報担当または情報セキュリティ担当です。このままお待ちください" in t for t in said)
    return view.id, press_data(offer, pb.END)


def test_pr_can_end_a_leak_from_line_works(lw: LwEnv) -> None:
    incident_id, end = _leak_walked(lw)
    lw.press(PR, end, PR_ROOM)
    assert lw.runtime.triage.queries.view(incident_id, None).status in ("resolved", "closed")


def test_a_bystander_is_refused_and_a_second_press_ends_nothing_twice(lw: LwEnv) -> None:
    incident_id, end = _leak_walked(lw)
    queries = lw.runtime.triage.queries
    lw.press(OTHER, end, PR_ROOM)
    assert "権限がありません" in text_of(lw.to_user(OTHER)[-1])
    assert queries.view(incident_id, None).status == "responding"
    room = len(lw.to_room(PR_ROOM))
    lw.press(PR, end, PR_ROOM)
    assert queries.view(incident_id, None).status == "resolved"
    to_pr = " ".join(text_of(m) for m in lw.to_user(PR))
    assert "の状態を「対応完了」にしました" in to_pr and "再発防止" in to_pr  # told; the closing review asked of them
    lw.press(PR, end, PR_ROOM)  # pressed again, or the callback redelivered
    assert "すでに「対応完了」です" in " ".join(text_of(m) for m in lw.to_user(PR))
    events = [e.type for e in queries.timeline(incident_id, None)]
    assert events.count("access_denied") == 1 and events.count("status_changed") == 3  # ack, responding, resolved
    told = [text_of(m) for m in lw.to_user(STAFF)]
    assert sum("の状態を「対応完了」にしました" in t for t in told) == 1
    assert [m["type"] for m in lw.to_user(STAFF)].count("file") == 2  # the records, once, as at any end
    # The room gets nothing new, and the end control is no longer carried to its later messages.
    assert len(lw.to_room(PR_ROOM)) == room
    lw.adapter.port.send_all(target_of(f"channel:{PR_ROOM}"), [{"type": "text", "text": "later"}])
    assert all(pb.decode(d).action != pb.END for d in quick_data(lw.to_room(PR_ROOM)[-1]))


def test_a_declined_incidents_acknowledge_reply_is_no_longer_carried_in_the_pr_room(lw: LwEnv) -> None:
    """対象外 by a command: the room's later messages still offered 「確認しました」 for it."""
    lw.say(STAFF, REPORTS["flaming"])
    [view] = lw.runtime.triage.queries.list(None)
    assert any(pb.decode(d).action == pb.ACK for d in quick_data(lw.to_room(PR_ROOM)[-1]))
    lw.say(PR, f"対象外 {view.ref} 訓練の投稿")
    assert lw.runtime.triage.queries.view(view.id, None).status == "declined"
    lw.adapter.port.send_all(target_of(f"channel:{PR_ROOM}"), [{"type": "text", "text": "later"}])
    assert all(pb.decode(d).incident_id != view.id for d in quick_data(lw.to_room(PR_ROOM)[-1]))
