"""Core use cases: report, merge, restricted leaks, acknowledgement, steps, status changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.lease import POST_LEASE
from bot.ports import Actor, ReportInput
from bot.triage.access import PermissionDenied
from bot.triage.core import InvalidRequest
from bot.triage.url_correction import REVISED
from bot.wiring import Runtime
from storage.models import Escalation, Incident, TimelineEvent
from storage.timeline import verify_chain
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.helpers import POST_URL, answers_for

REPORTER = Actor(STAFF, "山田 花子", "test")
OTHER_STAFF = Actor(OTHER, "佐藤 一郎", "test")
PR_OFFICER = Actor(PR, "広報 太郎", "test")
SECURITY_OFFICER = Actor(SECURITY, "情報 守", "test")

FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {POST_URL}"
LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです"


def _events(runtime: Runtime, incident_id: int) -> list[str]:
    return [e.type for e in runtime.triage.queries.timeline(incident_id, None)]


def test_report_creates_incident_with_first_step_and_pr_notification(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER, idempotency_key="Ev1"))
    assert outcome.created and outcome.incident is not None
    assert outcome.incident.kind == "flaming" and outcome.incident.status == "reported"
    assert outcome.step is not None and outcome.step.index == 1 and outcome.step.citations
    [note] = outcome.notifications
    assert note.audience == "pr_section" and note.level == 1 and note.mention == "S_PR"
    assert "広報広聴課" in note.section_name
    assert _events(runtime, outcome.incident.id) == ["reported", "classified", "notified"]


def test_chatter_creates_nothing(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput("炎上しないための研修資料です", REPORTER))
    assert outcome.incident is None and not outcome.created
    with runtime.triage.deps.sessions.begin() as session:
        assert session.execute(select(func.count(Incident.id))).scalar() == 0


def test_same_delivery_twice_is_one_incident(runtime: Runtime) -> None:
    first = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER, idempotency_key="Ev1"))
    again = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER, idempotency_key="Ev1"))
    assert again.duplicate and again.created == first.created and again.notifications == first.notifications
    assert again.incident is not None and first.incident is not None and again.incident.id == first.incident.id
    assert _events(runtime, first.incident.id).count("reported") == 1


def test_reports_of_the_same_post_merge(runtime: Runtime) -> None:
    first = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    # Same post, written differently: twitter.com alias, tracking parameter, trailing slash.
    second = runtime.triage.incidents.report(ReportInput(
        "この投稿、苦情が殺到して炎上中です https://twitter.com/asahikawa_fake/status/1234567890/?s=20",
        OTHER_STAFF))
    assert first.incident is not None and second.incident is not None
    # PR is asked nothing new: its notice is only redrawn in place naming both reporters (walk s17 #11).
    assert second.merged and not second.created and [n.topic for n in second.notifications] == [REVISED]
    assert second.incident.id == first.incident.id
    assert set(second.incident.reporters) == {STAFF, OTHER}
    assert "merged_report" in _events(runtime, first.incident.id)
    # A third report by an existing reporter adds no reporter twice.
    third = runtime.triage.incidents.report(ReportInput(FLAMING, OTHER_STAFF))
    assert third.merged and third.incident is not None and len(third.incident.reporters) == 2


def test_resolved_incident_does_not_absorb_new_reports(runtime: Runtime) -> None:
    first = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert first.incident is not None
    runtime.triage.incidents.change_status(first.incident.id, "resolved", PR_OFFICER)
    # The same post again: linked to the resolved incident, nothing opened until the reporter chooses (issue #10).
    linked = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert linked.same_as_resolved and not linked.created and linked.incident is not None
    assert linked.incident.id == first.incident.id and linked.incident.status == "resolved"
    again = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER, force_new=True))
    assert again.created and again.incident is not None and again.incident.id != first.incident.id


def test_leak_is_restricted(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(LEAK, REPORTER))
    assert outcome.incident is not None and outcome.incident.kind == "leak"
    incident_id = outcome.incident.id
    assert outcome.incident.restricted and outcome.incident.text == LEAK
    [note] = outcome.notifications
    assert "個人情報" not in note.body and "住所" not in note.body
    queries = runtime.triage.queries
    assert queries.view(incident_id, OTHER).text is None
    assert queries.view(incident_id, OTHER).details_visible is False
    assert queries.view(incident_id, PR).text == LEAK
    assert queries.view(incident_id, SECURITY).text == LEAK
    assert queries.view(incident_id, STAFF).text == LEAK
    hidden = queries.timeline(incident_id, OTHER)
    assert all("住所" not in str(e.data) for e in hidden)
    assert any(e.redacted for e in hidden)
    with pytest.raises(PermissionDenied):
        runtime.triage.steps.current(incident_id, OTHER) or runtime.triage.steps.views(incident_id, OTHER)
    step = runtime.triage.steps.current(incident_id, STAFF)
    assert step is not None
    with pytest.raises(PermissionDenied):
        runtime.triage.steps.complete(incident_id, step.step_id, OTHER_STAFF, answers=answers_for(step))
    assert "access_denied" in _events(runtime, incident_id)


def test_acknowledgement_only_by_pr_and_logged(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    incident_id = outcome.incident.id
    with pytest.raises(PermissionDenied):
        runtime.triage.incidents.acknowledge(incident_id, OTHER_STAFF)
    assert _events(runtime, incident_id)[-1] == "access_denied"
    done = runtime.triage.incidents.acknowledge(incident_id, PR_OFFICER)
    assert done.incident is not None and done.incident.status == "acknowledged"
    assert done.incident.acknowledged_by == "広報 太郎" and "2026年11月18日" in done.messages[0]
    twice = runtime.triage.incidents.acknowledge(incident_id, PR_OFFICER)
    assert twice.duplicate
    with runtime.triage.deps.sessions.begin() as session:
        statuses = session.execute(select(Escalation.level, Escalation.status).where(
            Escalation.incident_id == incident_id).order_by(Escalation.level)).all()
    assert statuses == [(1, "sent"), (2, "cancelled")]


def test_walk_every_step_to_resolution(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    incident_id = outcome.incident.id
    runtime.triage.incidents.acknowledge(incident_id, Actor(PR, "広報"))
    step = outcome.step
    seen = []
    while step is not None:
        seen.append(step.step_id)
        result = runtime.triage.steps.complete(incident_id, step.step_id, REPORTER, answers=answers_for(step))
        assert result.completed_step is not None and result.completed_step.status == "done"
        step = result.step
    assert result.finished and result.incident is not None and result.incident.status == "resolved"
    assert len(seen) == len(set(seen)) >= 3
    view = runtime.triage.queries.view(incident_id, None)
    assert view.severity in ("high", "critical")  # spread=large was answered
    events = _events(runtime, incident_id)
    assert events.count("step_completed") == len(seen)
    assert "severity_changed" in events and events[-1] == "status_changed"
    runtime.triage.incidents.change_status(incident_id, "closed", PR_OFFICER)
    with pytest.raises(InvalidRequest, match="再開できません"):  # closed: said how to report the post anew
        runtime.triage.incidents.change_status(incident_id, "responding", PR_OFFICER)
    with runtime.triage.deps.sessions.begin() as session:
        assert verify_chain(session).ok


def test_step_answers_are_validated_and_nothing_is_lost(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    step = outcome.step
    url_inputs = [i for i in step.inputs if i.type == "url"]
    if url_inputs:
        with pytest.raises(InvalidRequest, match="URL"):
            runtime.triage.steps.complete(outcome.incident.id, step.step_id, REPORTER,
                                          answers={**answers_for(step), url_inputs[0].id: "javascript:alert(1)"})
    with pytest.raises(InvalidRequest):
        runtime.triage.steps.complete(outcome.incident.id, step.step_id, REPORTER, answers={"nope": "1"})
    again = runtime.triage.steps.current(outcome.incident.id, STAFF)
    assert again is not None and again.step_id == step.step_id and again.status == "pending"


def test_double_click_on_a_step_is_one_event(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    step = outcome.step
    runtime.triage.steps.complete(outcome.incident.id, step.step_id, REPORTER, answers=answers_for(step))
    twice = runtime.triage.steps.complete(outcome.incident.id, step.step_id, REPORTER, answers=answers_for(step))
    assert twice.duplicate
    assert _events(runtime, outcome.incident.id).count("step_completed") == 1


def test_kind_correction_restarts_the_playbook_and_restricts_leaks(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    corrected = runtime.triage.incidents.correct_kind(outcome.incident.id, "leak", REPORTER)
    assert corrected.incident is not None and corrected.incident.kind == "leak" and corrected.incident.restricted
    assert corrected.step is not None and corrected.step.index == 1
    with pytest.raises(PermissionDenied):
        runtime.triage.incidents.correct_kind(outcome.incident.id, "flaming", OTHER_STAFF)
    with pytest.raises(InvalidRequest):
        runtime.triage.incidents.correct_kind(outcome.incident.id, "gossip", REPORTER)
    assert "kind_corrected" in _events(runtime, outcome.incident.id)


def test_a_correction_to_leak_raises_the_severity_a_leak_starts_at(runtime: Runtime) -> None:
    """A 炎上 (中) corrected to 情報漏えい was left at 中 although a leak is reported at 高 (session 8 walk)."""
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None and outcome.incident.severity == "medium"
    corrected = runtime.triage.incidents.correct_kind(outcome.incident.id, "leak", REPORTER)
    assert corrected.incident is not None and corrected.incident.severity == "high"
    assert any("「中」から「高」" in message for message in corrected.messages)
    assert corrected.notifications == ()  # no second post: PR's notice is rewritten or superseded by the correction
    events = _events(runtime, outcome.incident.id)
    assert events.index("kind_corrected") < events.index("severity_changed")
    back = runtime.triage.incidents.correct_kind(outcome.incident.id, "flaming", PR_OFFICER)
    assert back.incident is not None and back.incident.severity == "medium" and back.incident.restricted
    with runtime.triage.deps.sessions.begin() as session:
        assert verify_chain(session).ok


def test_manual_merge_moves_reporters(runtime: Runtime) -> None:
    a = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    b = runtime.triage.incidents.report(ReportInput("市の公式アカウントの投稿が炎上、苦情が殺到中", OTHER_STAFF))
    assert a.incident is not None and b.incident is not None and a.incident.id != b.incident.id
    merged = runtime.triage.incidents.merge(b.incident.id, a.incident.id, PR_OFFICER)
    assert merged.incident is not None and set(merged.incident.reporters) == {STAFF, OTHER}
    assert runtime.triage.queries.view(b.incident.id, None).status == "merged"
    with pytest.raises(PermissionDenied):
        runtime.triage.incidents.merge(a.incident.id, b.incident.id, REPORTER)


def test_escalation_fires_once_up_the_chain(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    delivered = []
    assert runtime.triage.escalations.fire_due(delivered.append, "w1") == 0
    clock.advance(minutes=31)
    assert runtime.triage.escalations.fire_due(delivered.append, "w1") == 1
    assert runtime.triage.escalations.fire_due(delivered.append, "w2") == 0
    [note] = delivered
    assert note.level == 2 and note.audience == "department_head" and note.mention == "U_HEAD"
    assert "escalated" in _events(runtime, outcome.incident.id)
    for _ in range(6):  # then the last level again, up to escalation.renotice_limit (default 6), once each
        clock.advance(days=3)
        assert runtime.triage.escalations.fire_due(delivered.append, "w1") == 1
        assert runtime.triage.escalations.fire_due(delivered.append, "w2") == 0
    assert [n.audience for n in delivered[1:]] == ["department_head"] * 6
    assert "再度お知らせします" in delivered[-1].title and "これが最後" in delivered[-1].body
    clock.advance(days=3)
    assert runtime.triage.escalations.fire_due(delivered.append, "w1") == 0  # the bound is reached


def test_failed_delivery_is_retried_and_recorded(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    clock.advance(minutes=31)

    def broken(_note: object) -> None:
        raise RuntimeError("channel_not_found")

    assert runtime.triage.escalations.fire_due(broken, "w1") == 0
    assert "notify_failed" in _events(runtime, outcome.incident.id)
    delivered: list[object] = []
    assert runtime.triage.escalations.fire_due(delivered.append, "w1") == 1


def test_acknowledged_incident_does_not_escalate(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    runtime.triage.incidents.acknowledge(outcome.incident.id, PR_OFFICER)
    clock.advance(hours=5)
    assert runtime.triage.escalations.fire_due(lambda n: None, "w1") == 0


def test_notes_are_recorded_once_per_key(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    at = runtime.triage.deps.clock.now() - timedelta(minutes=5)
    runtime.triage.incidents.add_note(outcome.incident.id, REPORTER, "記者から電話あり", key="pin:C1:1.2", at=at)
    again = runtime.triage.incidents.add_note(outcome.incident.id, REPORTER, "記者から電話あり", key="pin:C1:1.2")
    assert again.duplicate
    notes = [e for e in runtime.triage.queries.timeline(outcome.incident.id, None) if e.type == "note"]
    assert len(notes) == 1 and notes[0].at == at


def test_every_change_is_on_a_verifiable_chain(runtime: Runtime) -> None:
    runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    runtime.triage.incidents.report(ReportInput(LEAK, REPORTER))
    with runtime.triage.deps.sessions.begin() as session:
        report = verify_chain(session)
        count = session.execute(select(func.count(TimelineEvent.id))).scalar()
    assert report.ok and report.events == count >= 6


def test_locked_database_gives_a_clear_message_and_no_half_incident(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from bot.triage.core import StorageUnavailable
    from bot.wiring import build_runtime
    from storage.db import make_engine
    from tests.conftest import make_settings

    url = f"sqlite:///{tmp_path / 'locked.db'}"
    runtime = build_runtime(make_settings(url), clock=clock,
                            engine=make_engine(url, sqlite_busy_seconds=0.05))
    try:
        other = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        with pytest.raises(StorageUnavailable, match="一時的に保存できません"):
            runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
        other.execute("ROLLBACK")
        other.close()
        with runtime.triage.deps.sessions.begin() as session:
            assert session.execute(select(func.count(Incident.id))).scalar() == 0
            assert session.execute(select(func.count(TimelineEvent.id))).scalar() == 0
        # The lock is gone: the same report now goes through without a restart.
        assert runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER)).created
    finally:
        runtime.close()


def test_step_of_a_left_playbook_is_refused_in_the_transaction(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    runtime.triage.incidents.correct_kind(outcome.incident.id, "impersonation", REPORTER)
    with pytest.raises(InvalidRequest, match="種別の訂正前"):
        runtime.triage.steps.complete(outcome.incident.id, outcome.step.step_id, REPORTER,
                                      answers=answers_for(outcome.step), expected_kind="flaming")


def test_delivery_errors_are_on_the_timeline(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    runtime.triage.incidents.record_delivery_error(outcome.incident.id, platform="slack", action="notify",
                                                   error="channel_not_found")
    [entry] = [e for e in runtime.triage.queries.timeline(outcome.incident.id, None) if e.type == "delivery_failed"]
    assert entry.data == {"platform": "slack", "action": "notify", "error": "channel_not_found"}


def test_failed_post_claims_can_be_released(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    queries, incident_id = runtime.triage.queries, outcome.incident.id
    assert queries.claim_ref(incident_id, "slack", "pr_message", "C1", lease=POST_LEASE).state == "new"
    assert queries.claim_ref(incident_id, "slack", "pr_message", "C1", lease=POST_LEASE).state == "busy"
    queries.drop_ref(incident_id, "slack", "pr_message")
    assert queries.claim_ref(incident_id, "slack", "pr_message", "C1", lease=POST_LEASE).state == "new"  # free again
    assert queries.put_ref(incident_id, "slack", "pr_message", "C1", "123.456")
    queries.drop_ref(incident_id, "slack", "pr_message")  # a posted message is never forgotten
    assert queries.get_ref(incident_id, "slack", "pr_message") == ("C1", "123.456")


def test_a_skipped_step_records_no_prefilled_value_as_entered(runtime: Runtime) -> None:
    """Skipping step 1 stored the report's URL and service as the step's answers (session 8 walks)."""
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    assert any(item.value for item in outcome.step.inputs)  # the URL came with the report
    skipped = runtime.triage.steps.complete(outcome.incident.id, outcome.step.step_id, REPORTER, skip=True)
    assert skipped.incident is not None
    with runtime.triage.deps.sessions.begin() as session:
        event = session.execute(select(TimelineEvent).where(
            TimelineEvent.incident_id == outcome.incident.id, TimelineEvent.type == "step_skipped")).scalar_one()
        assert not (event.data or {}).get("answers")


def test_recording_places_keeps_what_another_delivery_stored_first(runtime: Runtime) -> None:
    """put_refs' one UPDATE records claimed places; on a race only the rest are this caller's (and unclaimed ones
    are added)."""
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    queries, incident_id = runtime.triage.queries, outcome.incident.id
    for purpose in ("intro", "pr_message"):
        assert queries.claim_ref(incident_id, "slack", purpose, "C1", lease=POST_LEASE).state == "new"
    assert queries.put_refs(incident_id, "slack", {"intro": ("C1", "1.1"), "pr_message": ("C1", "1.2")}) == {
        "intro", "pr_message"}
    assert queries.claim_ref(incident_id, "slack", "step:x:1", "C1", lease=POST_LEASE).state == "new"
    recorded = queries.put_refs(incident_id, "slack", {"intro": ("C1", "9.9"), "step:x:1": ("C1", "1.3"),
                                                       "unclaimed": ("C1", "1.4")})
    assert recorded == {"step:x:1", "unclaimed"}
    assert queries.get_ref(incident_id, "slack", "intro") == ("C1", "1.1")  # the first record stands
    assert queries.get_ref(incident_id, "slack", "unclaimed") == ("C1", "1.4")
