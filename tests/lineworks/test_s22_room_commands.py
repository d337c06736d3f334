"""Session 22 on LINE WORKS: a command word and a number typed in the report room (トークルーム) are a command
attempt, as on Slack and Teams (bot/delivery/typed.py): the role holder's is run, a bystander's refused in the 1:1
トーク and recorded, and neither becomes a report, a follow-up or news for PR. Each test was seen failing first."""

from __future__ import annotations

import pytest

from bot.triage import lifecycle
from tests.lineworks.harness import OTHER, PR, PR_ROOM, REPORT_ROOM, STAFF, LwEnv, resolved, text_of

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/city/status/2201"


def _reported(lw: LwEnv) -> int:
    lw.say(STAFF, FLAMING, REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    return view.id


def _timeline(lw: LwEnv, incident_id: int) -> list[str]:
    return [entry.type for entry in lw.runtime.triage.queries.timeline(incident_id, None)]


@pytest.mark.parametrize("typed", ["INC-0001 終結", "終結でお願いします INC-1", "INC-1 終結でお願いします。"])
def test_a_close_typed_in_the_report_room_by_pr_closes_it(lw: LwEnv, typed: str) -> None:
    """Read as a report it was a follow-up note on INC-0001 (or a new report), PR re-told, nothing closed."""
    incident = resolved(lw, FLAMING)
    room_before, pr_before = len(lw.to_room(REPORT_ROOM)), len(lw.to_room(PR_ROOM))
    lw.say(PR, typed, REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert view.status == lifecycle.CLOSED, (typed, view.status)
    assert "note" not in _timeline(lw, incident)
    assert len(lw.to_room(REPORT_ROOM)) == room_before  # nothing said in the room
    said = [text_of(content) for content in lw.to_user(PR)]
    assert any("INC-0001" in text for text in said), said
    assert not any("共同報告" in text or "続報" in text for text in map(text_of, lw.to_room(PR_ROOM)[pr_before:]))


def test_pr_typing_resolve_in_the_report_room_resolves_it(lw: LwEnv) -> None:
    incident = _reported(lw)
    lw.say(PR, "対応完了 INC-0001", REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert view.status == lifecycle.RESOLVED, view.status
    assert "note" not in _timeline(lw, incident)


def test_a_bystanders_close_in_the_report_room_is_refused_in_his_1to1_talk_and_recorded(lw: LwEnv) -> None:
    incident = _reported(lw)
    room_before, pr_before = len(lw.to_room(REPORT_ROOM)), len(lw.to_room(PR_ROOM))
    lw.say(OTHER, "対応完了 INC-0001", REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert view.status not in (lifecycle.CLOSED, lifecycle.RESOLVED)
    timeline = _timeline(lw, incident)
    assert "access_denied" in timeline and "note" not in timeline, timeline
    assert len(lw.to_room(REPORT_ROOM)) == room_before and len(lw.to_room(PR_ROOM)) == pr_before
    [refused] = [text_of(content) for content in lw.to_user(OTHER)]
    assert "権限" in refused and "記録" in refused, refused
    # Away from the room, the refusal says which attempt it answers (the shared words name no incident).
    assert "「対応完了 INC-0001」" in refused and "トークルーム" in refused, refused


def test_a_glued_status_in_the_report_room_is_answered_in_the_askers_1to1_talk(lw: LwEnv) -> None:
    incident = _reported(lw)
    pr_before = len(lw.to_room(PR_ROOM))
    lw.say(OTHER, "状況＃１", REPORT_ROOM)
    assert "note" not in _timeline(lw, incident)
    assert len(lw.runtime.triage.queries.list(None)) == 1
    assert len(lw.to_room(PR_ROOM)) == pr_before
    said = "\n".join(text_of(content) for content in lw.to_user(OTHER))
    assert "INC-0001" in said, said


def test_news_naming_an_incident_in_the_report_room_stays_a_report(lw: LwEnv) -> None:
    """The command reading stops at a command word and a number: 「INC-0001 終結しました」 is news, not a command."""
    incident = _reported(lw)
    lw.say(OTHER, "INC-0001 終結しました", REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    assert view.status != lifecycle.CLOSED
    assert "access_denied" not in _timeline(lw, incident)


def test_the_request_first_form_is_read_as_a_command_and_past_tense_stays_news() -> None:
    """commands.near (every platform): 「終結でお願いします INC-1」 was None (a report) before."""
    from bot.delivery.commands import near

    assert near("終結でお願いします INC-1") == "終結 INC-1"
    assert near("対応完了でお願いします、INC-0001の件。") == "対応完了 INC-0001"
    assert near("終結しました INC-1") is None and near("INC-0001 終結しました") is None
