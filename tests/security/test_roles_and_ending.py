"""Roles are granted, not taken; ending an incident needs the right role; critical means now; the per-reporter
rate limit; fail closed for unknown users; step_input refusals on the timeline; an inert Markdown export.

Core level, on the real database (SQLite, and PostgreSQL with TEST_DATABASE_URL), partly through the console.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.adapters.console import ConsoleChat
from bot.clock import JST, FixedClock
from bot.config import ConsoleSettings, ConsoleUser
from bot.ports import Actor, ReportInput
from bot.triage import lifecycle
from bot.triage.access import AccessPolicy, PermissionDenied
from bot.triage.audit import verify_database
from bot.triage.export import export_timeline
from bot.triage.url_correction import REVISED
from bot.wiring import Runtime
from storage.models import Escalation, TimelineEvent
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "山田 花子", "test")
CO_REPORTER = Actor(OTHER, "佐藤 一郎", "test")
PR_OFFICER = Actor(PR, "広報 太郎", "test")
SECURITY_OFFICER = Actor(SECURITY, "情報 守", "test")
LEAK_URL = "https://www.facebook.com/city.example/posts/777"
LEAK = f"市のFacebookに住民の個人情報（氏名と電話番号 090-1234-5678）が写った写真を誤って投稿しました {LEAK_URL}"
FLAMING_URL = "https://x.com/city_example/status/4242"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {FLAMING_URL}"
SECRET = "090-1234-5678"


def _report(runtime: Runtime, text: str, actor: Actor = REPORTER, kind: str | None = None) -> int:
    outcome = runtime.triage.incidents.report(ReportInput(text, actor, kind_hint=kind))
    assert outcome.incident is not None
    return outcome.incident.id


def _events(runtime: Runtime, incident_id: int | None, type_: str) -> list[TimelineEvent]:
    with runtime.triage.deps.sessions.begin() as session:
        return list(session.execute(select(TimelineEvent).where(
            TimelineEvent.incident_id == incident_id if incident_id is not None
            else TimelineEvent.incident_id.is_(None), TimelineEvent.type == type_)).scalars())


def _pending(runtime: Runtime, incident_id: int) -> list[Escalation]:
    with runtime.triage.deps.sessions.begin() as session:
        return list(session.execute(select(Escalation).where(
            Escalation.incident_id == incident_id, Escalation.status == "pending")).scalars())


# -- roles are granted, not taken -----------------------------------------------------------------------------
def test_co_report_of_a_restricted_incident_gives_no_role_until_granted(runtime: Runtime) -> None:
    triage = runtime.triage
    incident_id = _report(runtime, LEAK, kind="leak")
    outcome = triage.incidents.report(ReportInput(f"同じ投稿です {LEAK_URL}", CO_REPORTER, kind_hint="leak"))
    assert outcome.merged and outcome.incident is not None and outcome.incident.id == incident_id
    assert not outcome.incident.details_visible and outcome.incident.text is None
    assert outcome.step is None
    [message] = outcome.messages
    assert "権限を付与した後" in message and SECRET not in message
    [note] = outcome.notifications  # the PR section is told, without details
    assert note.topic == "co_report" and note.audience == "pr_section" and not note.acknowledgeable
    assert OTHER in note.body and SECRET not in note.title + note.body
    # No role taken: the co-reporter sees nothing, answers nothing, corrects nothing.
    assert not triage.queries.view(incident_id, OTHER).details_visible
    step = triage.steps.current(incident_id, STAFF)
    assert step is not None and triage.steps.current(incident_id, OTHER) is None
    with pytest.raises(PermissionDenied):
        triage.steps.complete(incident_id, step.step_id, CO_REPORTER, skip=True)
    with pytest.raises(PermissionDenied):
        triage.incidents.correct_kind(incident_id, "flaming", CO_REPORTER)
    assert triage.queries.view(incident_id, None).reporters == (STAFF,)
    # Granting is for PR or security; a colleague (even the reporter) cannot grant.
    with pytest.raises(PermissionDenied):
        triage.roles.grant_reporter(incident_id, OTHER, REPORTER)
    assert [e.data["action"] for e in _events(runtime, incident_id, "access_denied")] == [
        "answer_step", "correct_kind", "grant"]
    granted = triage.roles.grant_reporter(incident_id, OTHER, SECURITY_OFFICER)
    # Named as the co-report named them (session 12 walk #5: not the raw id); told in their own chat, once.
    assert "佐藤 一郎 さん" in granted.messages[0] and triage.queries.view(incident_id, OTHER).details_visible
    assert [(note.topic, note.audience) for note in granted.notifications] == [("role_granted", OTHER)]
    assert triage.roles.grant_reporter(incident_id, OTHER, PR_OFFICER).duplicate
    assert [e.new_value for e in _events(runtime, incident_id, "role_granted")] == [OTHER]
    assert triage.queries.view(incident_id, None).reporters == (STAFF, OTHER)
    # Reporting again is not a second notice to PR.
    again = triage.incidents.report(ReportInput(f"再送 {LEAK_URL}", CO_REPORTER, kind_hint="leak"))
    assert again.merged and not again.notifications
    assert verify_database(triage.deps).ok


def test_grant_through_the_console(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url)
    users = ConsoleSettings(users={
        "staff": ConsoleUser(id=STAFF, name="山田 花子"), "other": ConsoleUser(id=OTHER, name="佐藤 一郎"),
        "pr": ConsoleUser(id=PR, name="広報 太郎")}, default_user="staff")
    chat = ConsoleChat(runtime.triage, users)
    assert "閲覧できます" in chat.handle(f"/report --kind leak {LEAK}")
    incident = chat.focus
    chat.handle("/as other")
    answer = chat.handle(f"/report --kind leak 同じ投稿 {LEAK_URL}")
    assert "権限を付与した後" in answer and "に通知しました" in answer and SECRET not in answer
    assert "権限がありません" in chat.handle("/steps")
    assert "権限がありません" in chat.handle("/grant other")
    chat.handle("/as pr")
    chat.handle(f"/open {incident}")
    assert "権限を付与しました" in chat.handle("/grant other")
    chat.handle("/as other")
    assert "【手順" not in chat.handle("/steps") and "未完了" in chat.handle("/steps")
    assert "改ざんされていません" in chat.handle("/verify")


def test_co_reporter_of_an_ordinary_incident_still_shares_the_work(runtime: Runtime) -> None:
    incident_id = _report(runtime, FLAMING)
    outcome = runtime.triage.incidents.report(ReportInput(f"炎上しています {FLAMING_URL}", CO_REPORTER))
    # PR is asked nothing: its notice is only redrawn in place naming both reporters (walk s17 #11).
    assert outcome.merged and "報告者 2 名" in outcome.messages[0]
    assert [note.topic for note in outcome.notifications] == [REVISED]
    assert runtime.triage.queries.view(incident_id, None).reporters == (STAFF, OTHER)


def test_kind_correction_of_a_restricted_incident_is_pr_or_security_only(runtime: Runtime) -> None:
    incident_id = _report(runtime, LEAK, kind="leak")
    with pytest.raises(PermissionDenied):
        runtime.triage.incidents.correct_kind(incident_id, "flaming", REPORTER)
    assert runtime.triage.queries.view(incident_id, None).kind == "leak"
    runtime.triage.incidents.correct_kind(incident_id, "account_takeover", SECURITY_OFFICER)
    assert runtime.triage.queries.view(incident_id, None).kind == "account_takeover"
    # Correcting an ordinary incident to a leak stays open to its reporter (and restricts it).
    ordinary = _report(runtime, FLAMING)
    runtime.triage.incidents.correct_kind(ordinary, "leak", REPORTER)
    assert runtime.triage.queries.view(ordinary, None).restricted


def test_merging_into_a_restricted_incident_carries_no_role(runtime: Runtime) -> None:
    leak = _report(runtime, LEAK, kind="leak")
    flaming = _report(runtime, FLAMING, actor=CO_REPORTER)
    runtime.triage.incidents.merge(flaming, leak, PR_OFFICER)
    assert runtime.triage.queries.view(leak, None).reporters == (STAFF,)
    assert not runtime.triage.queries.view(leak, OTHER).details_visible
    assert verify_database(runtime.triage.deps).ok


# -- ending needs the right role ------------------------------------------------------------------------------
def _skip_all(runtime: Runtime, incident_id: int, actor: Actor) -> list[str]:
    messages: list[str] = []
    for _ in range(30):
        step = runtime.triage.steps.current(incident_id, actor.user_id)
        if step is None:
            return messages
        messages += runtime.triage.steps.complete(incident_id, step.step_id, actor, skip=True).messages
    raise AssertionError("playbook did not finish")


def test_a_colleague_skipping_every_step_never_ends_the_incident(runtime: Runtime) -> None:
    incident_id = _report(runtime, FLAMING)
    messages = _skip_all(runtime, incident_id, CO_REPORTER)
    view = runtime.triage.queries.view(incident_id, None)
    assert view.status == lifecycle.RESPONDING and view.acknowledged_at is None and view.resolved_at is None
    assert "対応中" in messages[-1] and "広報担当または情報セキュリティ担当" in messages[-1]
    assert [row.level for row in _pending(runtime, incident_id)] == [2]  # escalation keeps running
    assert all(s.status == "skipped" for s in runtime.triage.steps.views(incident_id, STAFF))


def test_the_reporter_never_ends_an_unacknowledged_incident(runtime: Runtime) -> None:
    incident_id = _report(runtime, FLAMING)
    with pytest.raises(PermissionDenied):
        runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, REPORTER)
    assert _events(runtime, incident_id, "access_denied")[-1].data["action"] == "resolve_unacknowledged"
    for _ in range(30):
        step = runtime.triage.steps.current(incident_id, STAFF)
        if step is None:
            break
        outcome = runtime.triage.steps.complete(incident_id, step.step_id, REPORTER, answers=answers_for(step))
    assert outcome.finished and "広報担当の確認がまだ" in outcome.messages[-1]
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING
    assert _pending(runtime, incident_id)
    # Once PR acknowledged it, the reporter may resolve it.
    runtime.triage.incidents.acknowledge(incident_id, PR_OFFICER)
    runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, REPORTER)
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.RESOLVED


def test_skipped_required_steps_are_not_done(runtime: Runtime) -> None:
    incident_id = _report(runtime, FLAMING)
    runtime.triage.incidents.acknowledge(incident_id, PR_OFFICER)
    messages = _skip_all(runtime, incident_id, REPORTER)
    assert "必須の手順がスキップされています" in messages[-1]
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING


def test_an_unacknowledged_resolved_incident_keeps_escalating(runtime: Runtime, clock: FixedClock) -> None:
    incident_id = _report(runtime, LEAK, kind="leak")
    runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, SECURITY_OFFICER)
    clock.advance(minutes=31)
    [note] = runtime.triage.escalations.claim_due("w1")
    assert note.incident_id == incident_id and note.level == 2


# -- critical means now -----------------------------------------------------------------------------------------
def test_critical_escalates_at_once_out_of_office_hours(runtime: Runtime, clock: FixedClock) -> None:
    clock.set(datetime(2026, 11, 21, 19, 43, tzinfo=JST))  # a Saturday evening
    incident_id = _report(runtime, LEAK, kind="leak")
    [pending] = _pending(runtime, incident_id)
    assert pending.due_at > clock.now()  # office time only: Monday morning
    step = runtime.triage.steps.current(incident_id, STAFF)
    assert step is not None
    answers = answers_for(step)
    wanted = {"spread": "large", "press": "yes", "personal_data": "yes"}
    for key in wanted.keys() & {item.id for item in step.inputs}:
        answers[key] = wanted[key]
    assert {"spread", "press", "personal_data"} & answers.keys(), "step 1 asks no severity question"
    outcome = runtime.triage.steps.complete(incident_id, step.step_id, REPORTER, answers=answers)
    view = runtime.triage.queries.view(incident_id, None)
    if view.severity != "critical":  # the remaining questions come in a later step
        later = runtime.triage.steps.current(incident_id, STAFF)
        assert later is not None
        answers = {k: v for k, v in answers_for(later).items()}
        answers.update({k: wanted[k] for k in wanted.keys() & {i.id for i in later.inputs}})
        outcome = runtime.triage.steps.complete(incident_id, later.step_id, REPORTER, answers=answers)
    assert runtime.triage.queries.view(incident_id, None).severity == "critical"
    assert any("重大度" in m and "「最高」" in m for m in outcome.messages)
    assert any("時間外でも直ちに" in m for m in outcome.messages)
    [note] = [n for n in outcome.notifications if n.topic == "severity_changed"]
    assert note.audience == "pr_section" and "最高" in note.title and SECRET not in note.title + note.body
    [due] = runtime.triage.escalations.claim_due("w1")
    assert due.incident_id == incident_id and due.level == 2
    assert runtime.triage.escalations.confirm_sent(due.escalation_id or 0, "w1")


# -- per-reporter rate limit --------------------------------------------------------------------------------------
def test_rate_limit_on_new_incidents(runtime_factory: Callable[..., Runtime], database_url: str,
                                     clock: FixedClock) -> None:
    runtime = runtime_factory(database_url, rate_limit={"max_new_incidents": 2, "window_minutes": 60})
    triage = runtime.triage

    def flaming(n: int, actor: Actor = REPORTER) -> ReportInput:
        return ReportInput(f"炎上しています https://x.com/a/status/{n}", actor, kind_hint="flaming")

    assert triage.incidents.report(flaming(1)).created and triage.incidents.report(flaming(2)).created
    refused = triage.incidents.report(flaming(3))
    assert refused.incident is None and not refused.created
    assert "60 分間に 2 件まで" in refused.messages[0] and "広報担当へ直接連絡" in refused.messages[0]
    [note] = refused.notifications
    assert note.topic == "rate_limited" and note.audience == "pr_section" and STAFF in note.body
    assert not triage.incidents.report(flaming(4)).notifications  # PR is told once per window
    assert triage.incidents.report(flaming(5, CO_REPORTER)).created  # others are not limited
    assert triage.incidents.report(flaming(1)).merged  # a co-report creates nothing: not limited
    events = _events(runtime, None, "rate_limited")
    assert [(e.actor, e.data["pr_told"]) for e in events] == [(STAFF, True), (STAFF, False)]
    assert all("x.com" not in str(e.data) for e in events)  # the refused text is not stored
    clock.advance(minutes=61)
    assert triage.incidents.report(flaming(6)).created


# -- low findings ---------------------------------------------------------------------------------------------
def test_unknown_users_fail_closed_on_restricted_incidents() -> None:
    policy = AccessPolicy(pr_members=frozenset({PR}), security_officers=frozenset({SECURITY}))
    unknown = policy.with_unverified({STAFF, PR})
    assert unknown.allows("report", STAFF, restricted=True)  # a report is never lost
    assert not unknown.allows("view_details", STAFF, restricted=True, reporters=[STAFF])
    assert not unknown.allows("answer_step", STAFF, restricted=True, reporters=[STAFF])
    assert unknown.allows("view_details", STAFF, restricted=False, reporters=[STAFF])
    assert unknown.allows("view_details", PR, restricted=True)  # configured by id: still PR
    assert policy.allows("view_details", STAFF, restricted=True, reporters=[STAFF])


def test_step_input_refusals_are_on_the_timeline(runtime: Runtime) -> None:
    incident_id = _report(runtime, LEAK, kind="leak")
    step = runtime.triage.steps.current(incident_id, STAFF)
    assert step is not None
    assert runtime.triage.steps.input_view(incident_id, step.step_id, REPORTER).step_id == step.step_id
    with pytest.raises(PermissionDenied):
        runtime.triage.steps.input_view(incident_id, step.step_id, CO_REPORTER)
    [denied] = _events(runtime, incident_id, "access_denied")
    assert (denied.actor, denied.data["action"]) == (OTHER, "answer_step")


def test_markdown_export_escapes_user_text(runtime: Runtime) -> None:
    incident_id = _report(runtime, FLAMING)
    runtime.triage.incidents.add_note(incident_id, REPORTER,
                                      "![x](https://evil.example/a.png) <img src=x onerror=alert(1)> a|b\n| c |")
    view = runtime.triage.queries.view(incident_id, PR)
    text = export_timeline(view, runtime.triage.queries.timeline(incident_id, PR), "md", runtime.triage.catalog)
    assert "![" not in text and "<img" not in text and "&lt;img" in text and "!\\[x\\]" in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(len(re.split(r"(?<!\\)\|", line)) == 7 for line in rows), rows  # five cells, no extra
