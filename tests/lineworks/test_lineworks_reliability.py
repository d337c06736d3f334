"""The same guarantees as on Slack: tokens renewed, 429 waited out, nothing twice and nothing lost across a
restart, escalations once, the weekly summary with its chart, the daily audit."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.summary_post import audit_publisher, summary_publisher
from bot.clock import FixedClock
from bot.scheduler import ScheduledWork
from bot.triage.audit import run_daily_audit
from bot.triage.retention import RetentionPolicy
from tests.lineworks.harness import OTHER, PR, PR_ROOM, STAFF, SUMMARY_ROOM, LwEnv, quick_data, text_of
from tests.lineworks.test_lineworks_scenarios import REPORTS, STAFF_ID, step_cards


def sent_twice(env: LwEnv) -> list[str]:
    """Messages that reached the same chat twice (their text), the carried quick replies aside."""
    seen = Counter((p.kind, p.target, json.dumps({k: v for k, v in p.content.items() if k != "quickReply"},
                                                 ensure_ascii=False, sort_keys=True)) for p in env.fake.posted)
    return [key[2][:80] for key, count in seen.items() if count > 1]


def test_an_expired_token_is_renewed_with_the_refresh_token_and_the_send_repeated(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["flaming"])
    before = len(lw.fake.posted)
    assert lw.fake.grants == ["jwt"]
    lw.fake.revoke_tokens()  # as when the access token expires
    [view] = lw.runtime.triage.queries.list(None)
    step = lw.runtime.triage.steps.current(view.id, STAFF_ID)
    assert step is not None
    lw.press(STAFF, pb.encode(pb.SKIP, view.id, view.kind, step.step_id))
    assert lw.fake.grants == ["jwt", "refresh_token"]
    assert [c.status for c in lw.fake.calls if c.method == "POST" and "/messages" in c.path][before:][:2] == [401, 201]
    assert "【手順 2/" in text_of(step_cards(lw)[-1])


def test_a_429_is_waited_out_and_nothing_is_sent_twice(lw: LwEnv) -> None:
    lw.fake.rate_limit(2, Retry_After="7")
    lw.say(STAFF, REPORTS["impersonation"])
    assert lw.waits == [7.0, 7.0]  # the runner waited as asked, and never gave up
    [view] = lw.runtime.triage.queries.list(None)
    assert [text_of(c).splitlines()[0] for c in step_cards(lw)] == [text_of(step_cards(lw)[0]).splitlines()[0]]
    assert len(lw.to_room(PR_ROOM)) == 1 and sent_twice(lw) == []
    events = [entry.type for entry in lw.runtime.triage.queries.timeline(view.id, None)]
    assert "delivery_failed" not in events


def test_a_5xx_is_retried(lw: LwEnv) -> None:
    lw.fake.fail_next(503, "SERVICE_UNAVAILABLE")
    lw.say(STAFF, REPORTS["flaming"])
    assert len(step_cards(lw)) == 1 and len(lw.to_room(PR_ROOM)) == 1 and sent_twice(lw) == []


def test_a_restart_in_the_middle_loses_nothing_and_repeats_nothing(lw_factory: Callable[..., LwEnv],
                                                                   lw_runtime: Callable[..., Any],
                                                                   core_clock: FixedClock) -> None:
    # The first instance stores the report and answers 200, then dies before delivering anything.
    first = lw_factory(hold=True)
    assert first.say(STAFF, REPORTS["leak"]).status_code == 200
    [view] = first.runtime.triage.queries.list(None)
    assert first.fake.posted == []
    first.stop()

    # A new instance on the same database: its start-up resume finishes the report, once.
    core_clock.advance(minutes=3)  # past the ledger's lease: nobody is delivering it any more
    second = lw_factory()
    assert second.adapter.resume() == 1
    second.jobs.drain()
    assert len(step_cards(second)) == 1 and len(second.to_room(PR_ROOM)) == 1
    assert second.adapter.resume() == 0  # done: a second resume (another instance) finds nothing
    step = second.runtime.triage.steps.current(view.id, STAFF_ID)
    assert step is not None
    done = pb.encode(pb.DONE if not any(i.required for i in step.inputs) else pb.SKIP, view.id, view.kind,
                     step.step_id)

    # The step is completed on the second instance, which dies before showing what follows.
    second.jobs.hold = True
    second.press(STAFF, done)
    second.stop()
    third = lw_factory()
    # The member presses again on a third instance: the core says it is done; the missing posts follow, once.
    third.press(STAFF, done)
    third.press(STAFF, done)
    assert "すでに受け付けています" in text_of(third.to_user(STAFF)[-2]) or \
        "すでに受け付けています" in text_of(third.to_user(STAFF)[-1])
    headings = [text_of(c).splitlines()[0] for c in step_cards(third)]
    assert len(headings) == 2 and len(set(headings)) == 2 and "【手順 2/" in headings[1]
    assert len(third.to_room(PR_ROOM)) == 1
    assert [line for line in sent_twice(third) if "すでに受け付けています" not in line] == []
    events = [entry.type for entry in third.runtime.triage.queries.timeline(view.id, None)]
    assert events.count("reported") == 1 and events.count("step_completed") + events.count("step_skipped") == 1


def test_an_escalation_is_posted_once_and_its_acknowledgement_follows(lw: LwEnv, core_clock: FixedClock) -> None:
    lw.say(STAFF, REPORTS["account_takeover"])
    core_clock.advance(minutes=45)
    lw.runtime.triage.escalations.fire_due(lw.adapter.deliver_notification, "worker-1")
    lw.runtime.triage.escalations.fire_due(lw.adapter.deliver_notification, "worker-2")
    lw.jobs.drain()
    room = lw.to_room(PR_ROOM)
    assert len(room) == 2 and [pb.decode(d).level for d in quick_data(room[1])] == [2]  # one button per incident
    lw.press(PR, [d for d in quick_data(room[1]) if pb.decode(d).action == pb.ACK][0], PR_ROOM)
    room = lw.to_room(PR_ROOM)
    assert len(room) == 3 and "広報 太郎 さんが確認しました" in text_of(room[2])  # one line for the room
    assert quick_data(room[2]) == []  # the acknowledged controls are not carried on


def test_the_weekly_summary_is_posted_with_its_chart(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["flaming"])
    work = ScheduledWork(lw.runtime, lw.adapter.deliver_notification, summary_publisher(lw.adapter), "worker-1")
    assert work.weekly() is True
    assert work.weekly() is False  # once per week, whoever runs it
    room = lw.to_room(SUMMARY_ROOM)
    assert [c["type"] for c in room][-1] == "image" and room[0]["type"] == "text"
    file_id = room[-1]["fileId"]
    assert lw.fake.uploads[file_id].count(b"\x89PNG") == 1


def test_the_daily_audit_is_posted(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["flaming"])
    retention = RetentionPolicy.from_settings(lw.runtime.settings.file.retention)
    result = run_daily_audit(lw.runtime.triage.deps, retention, audit_publisher(lw.adapter), "worker-1")
    assert result is not None
    [posted] = lw.to_room(SUMMARY_ROOM)
    assert result.attestation.hash in text_of(posted)


def test_earlier_notices_keep_their_acknowledge_button_in_the_pr_room(lw: LwEnv) -> None:
    lw.say(STAFF, REPORTS["flaming"])
    # Another reporter: her own second 1:1 message without a URL is asked 続報 or new first (session 22)
    lw.say(OTHER, REPORTS["account_takeover"])
    first, second = sorted(view.id for view in lw.runtime.triage.queries.list(None))
    latest = lw.to_room(PR_ROOM)[-1]
    labels = [item["action"]["label"] for item in latest["quickReply"]["items"]]
    assert labels == ["確認しました（INC-0002）", "確認しました（INC-0001）"]
    lw.press(PR, quick_data(latest)[1], PR_ROOM)  # the first incident's, from the latest message
    assert lw.runtime.triage.queries.view(first, None).acknowledged_at is not None
    told = lw.to_room(PR_ROOM)[-1]
    assert "INC-0001" in text_of(told) and [pb.decode(d).incident_id for d in quick_data(told)] == [second]
