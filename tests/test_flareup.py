"""A resolved incident's post reported again (a flare-up, 再燃): who is told, and what reopening tells PR."""

from __future__ import annotations

from bot.ports import Actor, ReportInput
from bot.triage import lifecycle
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, SECURITY, STAFF

REPORTER = Actor(STAFF, "山田 花子", "slack")
COLLEAGUE = Actor(OTHER, "佐藤 一郎", "slack")
PR_OFFICER = Actor(PR, "広報 太郎", "slack")
URL = "https://x.com/city_fake/status/4711"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"
LEAK = f"市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです {URL}"


def _resolved(runtime: Runtime, text: str, ender: Actor = PR_OFFICER) -> int:
    opened = runtime.triage.incidents.report(ReportInput(text, REPORTER))
    assert opened.incident is not None
    runtime.triage.incidents.change_status(opened.incident.id, lifecycle.RESOLVED, ender)
    return opened.incident.id


def test_reopening_a_resolved_incident_tells_the_first_notices_sections_who_did(runtime: Runtime) -> None:
    incident_id = _resolved(runtime, FLAMING)
    again = runtime.triage.incidents.report(ReportInput(f"再燃しています {URL}", COLLEAGUE))
    assert again.reopen_or_new is not None and again.reopen_or_new.incident_id == incident_id
    reopened = runtime.triage.incidents.change_status(incident_id, lifecycle.RESPONDING, PR_OFFICER)
    [told, here] = reopened.notifications  # PR, then the incident's own conversation (plan.notices)
    assert told.topic == "reopened" and told.audience == "pr_section" and not told.acknowledgeable
    assert here.topic == "reopened_here" and "広報 太郎" in here.body and "自治体の運用設定" not in here.body
    assert "【再開】INC-0001（炎上）" in told.title and "広報 太郎" in told.body and "自治体の運用設定" in told.body
    resolved = runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, PR_OFFICER)
    closed = runtime.triage.incidents.change_status(incident_id, lifecycle.CLOSED, PR_OFFICER)
    assert resolved.notifications == closed.notifications == ()  # only a reopen tells the section


def test_a_leaks_flare_up_notice_carries_no_report_text_or_url(runtime: Runtime) -> None:
    incident_id = _resolved(runtime, LEAK, Actor(SECURITY, "情報 守", "slack"))
    again = runtime.triage.incidents.report(ReportInput(LEAK, COLLEAGUE))
    assert again.same_as_resolved and again.incident is not None and again.incident.id == incident_id
    [told] = again.notifications
    assert told.topic == "reported_again" and "【再燃】" in told.title
    assert URL not in told.body and "住所" not in told.body and "佐藤 一郎" in told.body
