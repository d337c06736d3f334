"""The use cases answer a repeat with the outcome the first delivery had (duplicate=True), writing nothing, and
resume gets the same outcome through one platform-free function (bot/delivery/resume.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.delivery.ledger import REPORT_DELIVERY
from bot.delivery.resume import resume_reports
from bot.ports import Actor, ConversationRef, Outcome, ReportInput
from bot.wiring import Runtime
from storage.models import Incident, TimelineEvent
from tests.conftest import OTHER, PR, STAFF
from tests.helpers import POST_URL

REPORTER = Actor(STAFF, "山田 花子", "test")
OTHER_STAFF = Actor(OTHER, "佐藤 一郎", "test")
PR_OFFICER = Actor(PR, "広報 太郎", "test")
SECOND_PR = Actor("slack:U_PR2", "広報 次郎", "test")
ON_SLACK, OTHER_ON_SLACK = replace(REPORTER, platform="slack"), replace(OTHER_STAFF, platform="slack")
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {POST_URL}"
LEAK = f"市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです {POST_URL}"


def _events(runtime: Runtime) -> int:
    with runtime.triage.deps.sessions.begin() as session:
        return int(session.execute(select(func.count(TimelineEvent.id))).scalar_one())


def _first(outcome: Outcome) -> Outcome:
    """The outcome as a repeat must give it back: the same, marked duplicate."""
    return replace(outcome, duplicate=True)


def test_a_redelivered_new_report_gets_its_first_outcome_and_writes_nothing(runtime: Runtime) -> None:
    report = ReportInput(FLAMING, REPORTER, idempotency_key="Ev1")
    first = runtime.triage.incidents.report(report)
    assert first.created and first.step is not None and first.notifications and not first.duplicate
    before = _events(runtime)
    again = runtime.triage.incidents.report(report)
    assert again == _first(first)
    assert _events(runtime) == before  # a replay puts nothing on the timeline
    with runtime.triage.deps.sessions.begin() as session:
        assert session.execute(select(func.count(Incident.id))).scalar_one() == 1


def test_a_redelivered_merge_gets_its_first_outcome(runtime: Runtime) -> None:
    runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER, idempotency_key="Ev1"))
    report = ReportInput(FLAMING, OTHER_STAFF, idempotency_key="Ev2")
    first = runtime.triage.incidents.report(report)
    assert first.merged and not first.created
    before = _events(runtime)
    again = runtime.triage.incidents.report(report)
    assert again == _first(first)
    assert _events(runtime) == before


def test_a_redelivery_tells_a_message_report_from_a_merge_by_its_conversation(runtime: Runtime) -> None:
    # The same user reports one post twice in two messages: the first created the incident, the second merged.
    created = ReportInput(FLAMING, REPORTER, idempotency_key="m1", conversation=ConversationRef("slack", "C1", "1.1"))
    merged = ReportInput(FLAMING, REPORTER, idempotency_key="m2", conversation=ConversationRef("slack", "C1", "2.2"))
    first, second = runtime.triage.incidents.report(created), runtime.triage.incidents.report(merged)
    assert first.created and second.merged
    assert runtime.triage.incidents.report(created) == _first(first)
    assert runtime.triage.incidents.report(merged) == _first(second)


def test_a_redelivery_is_not_counted_by_the_rate_limit(runtime_factory: Callable[..., Runtime],
                                                       database_url: str) -> None:
    runtime = runtime_factory(database_url, rate_limit={"max_new_incidents": 1, "window_minutes": 60})
    report = ReportInput(FLAMING, REPORTER, idempotency_key="Ev1")
    first = runtime.triage.incidents.report(report)
    assert first.created  # the reporter is now at the limit
    again = runtime.triage.incidents.report(report)
    assert again == _first(first)  # not refused: the repeat is no new incident
    with runtime.triage.deps.sessions.begin() as session:
        assert session.execute(select(TimelineEvent.id).where(TimelineEvent.type == "rate_limited")).first() is None


def test_a_redelivered_co_report_of_a_restricted_incident_shows_nothing_to_a_non_member(runtime: Runtime) -> None:
    runtime.triage.incidents.report(ReportInput(LEAK, REPORTER, idempotency_key="Ev1"))
    report = ReportInput(LEAK, OTHER_STAFF, idempotency_key="Ev2")
    first = runtime.triage.incidents.report(report)
    assert first.merged and first.incident is not None and not first.incident.details_visible
    again = runtime.triage.incidents.report(report)
    assert again.duplicate and again.merged and again.messages == first.messages
    assert again.incident is not None and again.incident.text is None and not again.incident.details_visible
    assert again.step is None
    # PR's 【共同報告】 again (posted once by its ledger purpose: a crash may have cut the first delivery short),
    # naming the colleague and how to grant the role, never the leak's words.
    assert [n.topic for n in again.notifications] == ["co_report"] == [n.topic for n in first.notifications]
    assert again.notifications == first.notifications and "住所" not in again.notifications[0].body


def test_a_redelivered_report_of_a_resolved_post_is_still_same_as_resolved(runtime: Runtime) -> None:
    opened = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER, idempotency_key="Ev1"))
    assert opened.incident is not None
    runtime.triage.incidents.change_status(opened.incident.id, "resolved", PR_OFFICER)
    report = ReportInput(FLAMING, REPORTER, idempotency_key="Ev2")
    first = runtime.triage.incidents.report(report)
    assert first.same_as_resolved and [n.topic for n in first.notifications] == ["reported_again"]
    # PR's flare-up notice is not claimed in the ledger: a redelivery leaves it out rather than post it twice.
    assert runtime.triage.incidents.report(report) == replace(_first(first), notifications=())


def test_acknowledging_again_gives_the_recorded_acknowledgement(runtime_factory: Callable[..., Runtime],
                                                               database_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(database_url, access={"pr_members": [PR, SECOND_PR.user_id],
                                                    "security_officers": ["slack:U_SEC"]})
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert outcome.incident is not None
    first = runtime.triage.incidents.acknowledge(outcome.incident.id, PR_OFFICER)
    before = _events(runtime)
    clock.advance(minutes=5)
    again = runtime.triage.incidents.acknowledge(outcome.incident.id, PR_OFFICER)
    assert again == _first(first)
    other = runtime.triage.incidents.acknowledge(outcome.incident.id, SECOND_PR)  # who and when stay the first
    assert other.duplicate and other.messages == first.messages and "広報 太郎" in other.messages[0]
    assert _events(runtime) == before


def test_resume_shows_each_unfinished_report_as_its_reporter_saw_it(runtime: Runtime, clock: FixedClock) -> None:
    created = ReportInput(FLAMING, ON_SLACK, idempotency_key="Ev1", conversation=ConversationRef("slack", "C1", "1.1"))
    first = runtime.triage.incidents.report(created)
    leak = runtime.triage.incidents.report(ReportInput(
        LEAK.replace(POST_URL, "https://x.com/other/status/9"), OTHER_ON_SLACK,
        conversation=ConversationRef("slack", "C1", "2.2")))
    assert first.incident is not None and leak.incident is not None
    queries = runtime.triage.queries
    shown: list[Outcome] = []
    assert resume_reports(queries, "slack", clock.now(), shown.append) == 0  # too young: still being posted
    clock.advance(minutes=3)
    before = _events(runtime)
    assert resume_reports(queries, "slack", clock.now(), shown.append) == 2
    assert shown[0] == _first(first)
    assert shown[1].incident is not None and shown[1].incident.reporter_id == OTHER and shown[1].created
    assert shown[1].incident.text is not None  # its own reporter sees the restricted report
    assert _events(runtime) == before
    assert resume_reports(queries, "teams", clock.now(), shown.append) == 0  # another platform's reports


def test_resume_goes_on_after_one_report_fails_and_skips_finished_ones(runtime: Runtime, clock: FixedClock) -> None:
    ids = []
    for n in (1, 2, 3):
        outcome = runtime.triage.incidents.report(ReportInput(
            f"炎上しています https://x.com/a/status/{n}", ON_SLACK, kind_hint="flaming",
            conversation=ConversationRef("slack", "C1", f"{n}.0")))
        assert outcome.incident is not None
        ids.append(outcome.incident.id)
    queries = runtime.triage.queries
    queries.put_ref(ids[2], "slack", REPORT_DELIVERY, "C1", "done")  # finished: nothing to resume
    clock.advance(minutes=3)
    seen: list[int] = []

    def show(outcome: Outcome) -> None:
        assert outcome.incident is not None
        seen.append(outcome.incident.id)
        if outcome.incident.id == ids[0]:
            raise RuntimeError("the platform is down")

    assert resume_reports(queries, "slack", clock.now(), show) == 2
    assert seen == ids[:2]
    clock.advance(days=1, minutes=1)
    assert resume_reports(queries, "slack", clock.now(), show) == 0  # outside the window: given up on
