"""End to end through the callback server and the local LINE WORKS API: every incident kind from report to
the end of its playbook, in the reporter's 1:1 chat, with the PR notice and its acknowledgement."""

from __future__ import annotations

import pytest

from bot.adapters.lineworks import postback as pb
from tests.helpers import answers_for
from tests.lineworks.harness import OTHER, PR, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, press_data, quick_data, text_of

REPORTS = {
    "flaming": "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1",
    "impersonation": "市の公式アカウントを名乗るなりすましアカウントが見つかりました https://x.com/asahikawa_fak3",
    "misinformation": "市が給付金を配るというデマが拡散しています https://x.com/someone/status/2",
    "leak": "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです",
    "account_takeover": "市の公式Instagramアカウントが乗っ取られました。不正ログインされ、身に覚えのない投稿があります",
}
STAFF_ID = f"lineworks:{STAFF}"


def step_cards(env: LwEnv, user: str = STAFF) -> list[dict]:
    """The step cards sent to a member (flex messages headed 【手順 n/m】)."""
    return [c for c in env.to_user(user) if c["type"] == "flex" and "【手順" in text_of(c)]


def walk_steps(env: LwEnv, incident_id: int) -> list[str]:
    """Answer every step through guided input (fields, then 「完了」) until none is pending; the headings."""
    headings: list[str] = []
    queries, steps = env.runtime.triage.queries, env.runtime.triage.steps
    while True:
        step = steps.current(incident_id, STAFF_ID)
        if step is None:
            return headings
        view = queries.view(incident_id, None)
        assert f"【手順 {step.index}/{step.total}】{step.title}" in text_of(step_cards(env)[-1])
        # Quick replies show on the latest message only: whatever came after the card carries the step's controls.
        done = pb.encode(pb.DONE, incident_id, view.kind, step.step_id)
        assert done in quick_data(env.to_user(STAFF)[-1])
        headings.append(step.title)
        for item in step.inputs:
            value = answers_for(step)[item.id]
            env.press(STAFF, pb.encode(pb.INPUT, incident_id, view.kind, step.step_id, item.id))
            prompt = env.to_user(STAFF)[-1]
            assert f"「{item.label}」" in text_of(prompt)
            if item.type == "choice":
                index = [v for v, _ in item.choices].index(value)
                env.press(STAFF, pb.encode(pb.CHOICE, incident_id, view.kind, step.step_id, item.id, index))
            else:
                env.say(STAFF, value)
            assert "を記録しました" in text_of(env.to_user(STAFF)[-1])
        assert done in quick_data(env.to_user(STAFF)[-1])
        env.press(STAFF, done)


@pytest.mark.parametrize("kind", list(REPORTS))
def test_every_kind_from_report_to_the_end_of_its_playbook(lw: LwEnv, kind: str) -> None:
    response = lw.say(STAFF, REPORTS[kind])
    assert response.status_code == 200
    [view] = lw.runtime.triage.queries.list(None)
    assert view.kind == kind and view.reporter_id == STAFF_ID
    incident_id = view.id

    # The reporter's 1:1 chat: received, what was received with the kind correction, then step 1 with controls.
    sent = lw.to_user(STAFF)
    assert view.ref in text_of(sent[0]) and "このトークで" in text_of(sent[0])
    # A leak's intro offers its reporter no kind correction (plan.intro): it says whom to ask.
    intro = next(c for c in sent if "を受け付けました（種別" in text_of(c))
    assert view.ref in text_of(intro)
    assert any(pb.decode(d).action == pb.KIND for d in quick_data(intro)) != view.restricted
    [step1] = step_cards(lw)
    assert "【手順 1/" in text_of(step1) and "根拠" in text_of(step1)
    assert {pb.DONE, pb.SKIP} <= {pb.decode(d).action for d in quick_data(lw.to_user(STAFF)[-1])}

    # The PR room: one notice with the acknowledgement (a misinformation notice waits until the post is malicious).
    notices = lw.to_room(PR_ROOM)
    if kind == "misinformation":
        assert notices == []
    else:
        [notice] = notices
        assert view.kind_label in text_of(notice) and "山田 花子" in text_of(notice)
        if kind == "leak":
            assert view.restricted and "住所" not in text_of(notice) and "個人情報" not in text_of(notice)
        else:
            assert REPORTS[kind][:10] in text_of(notice)
        ack = press_data(notice, pb.ACK)

        # A colleague outside the PR section cannot acknowledge: told in their 1:1 chat, the attempt recorded.
        lw.press(OTHER, ack, PR_ROOM)
        assert "広報広聴課として登録された職員だけ" in text_of(lw.to_user(OTHER)[-1])
        assert lw.runtime.triage.queries.view(incident_id, None).acknowledged_at is None
        # A PR member acknowledges: the room is told who and when (posts cannot be edited), the reporter too.
        lw.press(PR, ack, PR_ROOM)
        assert "広報 太郎 さんが確認しました（2026年11月18日（水）10:00）" in text_of(lw.to_room(PR_ROOM)[-1])
        assert "広報 太郎" in text_of(lw.to_user(STAFF)[-1])
        lw.press(PR, ack, PR_ROOM)  # pressed again: nothing new in the room
        assert len(lw.to_room(PR_ROOM)) == 2
        # The reporter's current step comes back with its controls on request (help).
        lw.say(STAFF, "help")
        assert pb.DONE in {pb.decode(d).action for d in quick_data(lw.to_user(STAFF)[-1])}

    headings = walk_steps(lw, incident_id)
    assert len(headings) >= 3
    final = lw.runtime.triage.queries.view(incident_id, None)
    # A leak is ended by PR or security, never by its reporter (bot/triage/access.py); misinformation tells PR
    # once the post is found malicious, and stays open until PR has acknowledged.
    assert final.status == ("responding" if kind in ("leak", "misinformation") else "resolved")
    if kind == "misinformation":  # the scheduler's tick sends the notice the core queued
        lw.runtime.triage.escalations.fire_due(lw.adapter.deliver_notification, "worker-1")
        [notice] = lw.to_room(PR_ROOM)
        assert pb.ACK in {pb.decode(d).action for d in quick_data(notice)}
    cards = [text_of(card).splitlines()[0] for card in step_cards(lw)]
    assert len(set(cards)) == len(headings)  # each step shown once, plus the one help showed again
    assert len(cards) == len(headings) + (0 if kind == "misinformation" else 1)
    # The last word is the end of the playbook; an ended incident then hands over its report and timeline
    # (tests/lineworks/test_lineworks_records.py).
    sent = lw.to_user(STAFF)
    end = max(i for i, c in enumerate(sent) if "すべての手順が終わりました" in text_of(c))
    assert [c["type"] for c in sent[end + 1:] if c["type"] != "text"] == (["file"] * 2 if final.status == "resolved"
                                                                          else [])
    events = [entry.type for entry in lw.runtime.triage.queries.timeline(incident_id, None)]
    assert events.count("step_completed") == len(headings)
    assert lw.to_room(REPORT_ROOM) == []  # nothing ever reached a public room but the PR notice


def test_a_bad_signature_is_refused_and_nothing_is_stored(lw: LwEnv) -> None:
    response = lw.send(lw.message(STAFF, REPORTS["flaming"]), secret="not-the-bot-secret")
    assert response.status_code == 401
    assert lw.runtime.triage.queries.list(None) == [] and lw.fake.sends() == []
