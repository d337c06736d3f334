"""The daily audit: once a day across instances, retention then a whole-database verification, the attested chain
head recorded in the chain and posted to the restricted channel (against a local fake Slack)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, time

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select, update

from bot.adapters.slack.summary_post import audit_publisher
from bot.clock import JST, FixedClock
from bot.ports import Actor, ReportInput
from bot.scheduler import AUDIT_JOB, build_scheduler
from bot.triage.audit import (
    ATTESTATION_EVENT,
    AuditResult,
    DailyAudit,
    audit_key,
    audit_lines,
    check_posted_head,
    run_daily_audit,
    verify_database,
)
from bot.triage.retention import RetentionPolicy
from bot.wiring import Runtime
from storage.models import ChainHead, Incident, JobRun, TimelineEvent
from storage.timeline import verify_chain
from tests.conftest import PR, STAFF
from tests.summary_fake_slack import FakeSlack

REPORTER = Actor(STAFF, "山田 花子", "test")
PR_OFFICER = Actor(PR, "広報 太郎", "test")
LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿しました。情報漏えいです https://fb.com/p/77"
DAY = datetime(2026, 11, 18, 3, 30, tzinfo=JST)


class Posts:
    """A post_audit that records results (and fails on demand)."""

    def __init__(self, fail: int = 0) -> None:
        self.results: list[AuditResult] = []
        self.fail = fail
        self._lock = threading.Lock()

    def __call__(self, result: AuditResult) -> None:
        with self._lock:
            if self.fail:
                self.fail -= 1
                raise ConnectionError("Slack is down")
            self.results.append(result)


def _leak_closed(runtime: Runtime) -> int:
    outcome = runtime.triage.incidents.report(ReportInput(LEAK, REPORTER, kind_hint="leak"))
    assert outcome.incident is not None
    incident_id = outcome.incident.id
    runtime.triage.incidents.change_status(incident_id, "resolved", PR_OFFICER)
    runtime.triage.incidents.change_status(incident_id, "closed", PR_OFFICER)
    return incident_id


def _policy(runtime: Runtime) -> RetentionPolicy:
    return RetentionPolicy.from_settings(runtime.settings.file.retention)


def _count(runtime: Runtime, type_: str) -> int:
    with runtime.triage.deps.sessions.begin() as session:
        return session.execute(select(func.count()).select_from(TimelineEvent)
                               .where(TimelineEvent.type == type_)).scalar_one()


@pytest.fixture
def audited(runtime_factory: Callable[..., Runtime], database_url: str, clock: FixedClock) -> Runtime:
    clock.set(datetime(2026, 10, 1, 10, 0, tzinfo=JST))
    runtime = runtime_factory(database_url, retention={"by_kind": {"leak": 30}})
    _leak_closed(runtime)
    clock.set(DAY)
    return runtime


# -- what one run does -----------------------------------------------------------------------------------------
def test_run_erases_verifies_attests_and_posts_the_head(audited: Runtime) -> None:
    runtime = audited
    posts = Posts()
    result = run_daily_audit(runtime.triage.deps, _policy(runtime), posts, "w1")
    assert result is not None and posts.results == [result]
    assert [e.ref for e in result.retention.erased] == ["INC-0001"]
    att = result.attestation
    assert att.report.ok and att.report.chain.events == att.seq - 1
    with runtime.triage.deps.sessions.begin() as session:
        head = session.get(ChainHead, 1)
        event = session.execute(select(TimelineEvent).where(TimelineEvent.seq == att.seq)).scalar_one()
        assert head is not None and (head.seq, head.hash) == (att.seq, att.hash)  # the posted head is the chain's
        assert (event.type, event.incident_id, event.actor) == (ATTESTATION_EVENT, None, "audit")
        assert event.data["verified_seq"] == att.seq - 1 and event.data["ok"] is True
        assert event.data["erased_incidents"] == 1 and event.data["day"] == "2026-11-18"
        assert verify_chain(session).ok
        job = session.get(JobRun, audit_key(DAY.date()))
        assert job is not None and job.done_at == DAY and job.result is not None
        assert job.result["seq"] == att.seq and job.result["erased"] == [1]
    assert check_posted_head(runtime.triage.deps, att.seq, att.hash) is None
    [line, erased] = audit_lines(result, runtime.triage.catalog)
    # The date as staff read one, and 「記録番号」 rather than a column name (LINE WORKS walk s15 #16).
    assert line == (f"タイムライン検証 2026年11月18日（水）: 異常なし（{att.seq - 1} 件）。"
                    f"先頭の記録番号 {att.seq}、ハッシュ {att.hash}")
    assert erased == "保存期間を過ぎた 1 件の個人情報を消去しました: INC-0001"
    # Done for the day, on this instance and any other.
    assert run_daily_audit(runtime.triage.deps, _policy(runtime), posts, "w2") is None
    assert len(posts.results) == 1 and _count(runtime, ATTESTATION_EVENT) == 1


def test_english_message_and_erase_off_only_lists(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                  clock: FixedClock) -> None:
    clock.set(datetime(2026, 10, 1, 10, 0, tzinfo=JST))
    runtime = runtime_factory(sqlite_url, locale="en", retention={"by_kind": {"leak": 30}, "erase": False})
    incident_id = _leak_closed(runtime)
    clock.set(DAY)
    result = run_daily_audit(runtime.triage.deps, _policy(runtime), None, "w1")
    assert result is not None and result.retention.erased == () and len(result.retention.due) == 1
    with runtime.triage.deps.sessions.begin() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.erased_at is None and incident.text == LEAK
    att = result.attestation
    lines = audit_lines(result, runtime.triage.catalog)
    assert lines[0] == (f"timeline intact: seq {att.seq} head {att.hash} "
                        f"({att.seq - 1} events verified, Wed 18 Nov 2026)")
    assert lines[1].startswith("1 incidents are past retention (not erased") and "INC-0001" in lines[1]


def test_tampering_is_posted_and_the_day_is_still_done(audited: Runtime) -> None:
    runtime = audited
    with runtime.triage.deps.sessions.begin() as session:
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == 2).values(actor="U_EVIL"))
    posts = Posts()
    result = run_daily_audit(runtime.triage.deps, _policy(runtime), posts, "w1")
    assert result is not None and not result.attestation.report.ok
    lines = audit_lines(result, runtime.triage.catalog)
    assert lines[0].startswith("タイムライン検証 2026年11月18日（水）: 問題が 1 件あります。")
    assert lines[1] == ("• seq 2: イベントの種類・日時・実行者などが書き換えられています"
                        "（イベントのハッシュが一致しません）。")
    with runtime.triage.deps.sessions.begin() as session:
        event = session.execute(select(TimelineEvent).where(TimelineEvent.seq == result.attestation.seq)).scalar_one()
        assert event.data["ok"] is False and event.data["problems"] == 1
    # Posted once; not re-run every few minutes.
    assert DailyAudit(runtime.triage.deps, _policy(runtime), time(3, 30), posts, "w2").run_if_due() is False


def test_failed_post_releases_the_claim_and_the_next_check_posts(audited: Runtime, clock: FixedClock) -> None:
    runtime = audited
    posts = Posts(fail=1)
    audit = DailyAudit(runtime.triage.deps, _policy(runtime), time(3, 30), posts, "w1")
    assert audit.run_if_due() is False and posts.results == []
    clock.advance(minutes=5)
    assert audit.run_if_due() is True and len(posts.results) == 1
    # Each attempt is a real verification on record; erasure happened once.
    assert _count(runtime, ATTESTATION_EVENT) == 2 and _count(runtime, "erased") == 1
    assert verify_database(runtime.triage.deps).ok


def test_due_only_after_the_daily_time_once_per_day(audited: Runtime, clock: FixedClock) -> None:
    runtime = audited
    posts = Posts()
    audit = DailyAudit(runtime.triage.deps, _policy(runtime), time(4, 0), posts, "w1")
    assert audit.run_if_due() is False  # 03:30 JST, before 04:00
    clock.set(datetime(2026, 11, 18, 4, 0, tzinfo=JST))
    assert audit.run_if_due() is True
    clock.set(datetime(2026, 11, 18, 23, 59, tzinfo=JST))
    assert audit.run_if_due() is False
    clock.set(datetime(2026, 11, 19, 3, 59, tzinfo=JST))
    assert audit.run_if_due() is False
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=JST))  # down over the 19th's run: caught up on the 20th
    assert audit.run_if_due() is True
    assert [r.day.isoformat() for r in posts.results] == ["2026-11-18", "2026-11-20"]
    first, second = (r.attestation for r in posts.results)
    assert second.report.chain.head_seq == first.seq  # the second run verified the first attestation


def test_two_instances_on_one_database_run_it_once(runtime_factory: Callable[..., Runtime], database_url: str,
                                                   clock: FixedClock) -> None:
    clock.set(datetime(2026, 10, 1, 10, 0, tzinfo=JST))
    first = runtime_factory(database_url, retention={"by_kind": {"leak": 30}})
    second = runtime_factory(database_url, retention={"by_kind": {"leak": 30}})
    _leak_closed(first)
    clock.set(DAY)
    posts = Posts()
    barrier = threading.Barrier(2)
    ran: list[bool] = []

    def instance(runtime: Runtime, worker: str) -> None:
        audit = DailyAudit(runtime.triage.deps, _policy(runtime), time(3, 30), posts, worker)
        barrier.wait()
        for _ in range(3):
            ran.append(audit.run_if_due())

    threads = [threading.Thread(target=instance, args=(rt, name)) for rt, name in ((first, "a"), (second, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert ran.count(True) == 1 and len(ran) == 6
    assert len(posts.results) == 1
    assert _count(first, ATTESTATION_EVENT) == 1 and _count(first, "erased") == 1
    assert verify_database(second.triage.deps).ok


def test_a_database_busy_in_another_instance_is_checked_again_not_raised(runtime_factory: Callable[..., Runtime],
                                                                         sqlite_url: str, clock: FixedClock) -> None:
    clock.set(datetime(2026, 10, 1, 10, 0, tzinfo=JST))
    runtime = runtime_factory(sqlite_url, retention={"by_kind": {"leak": 30}})
    _leak_closed(runtime)
    clock.set(DAY)
    posts = Posts()
    audit = DailyAudit(runtime.triage.deps, _policy(runtime), time(3, 30), posts, "w1")
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing for longer than the busy timeout
    try:
        assert audit.run_if_due() is False and posts.results == []
    finally:
        other.execute("ROLLBACK")
        other.close()
    clock.advance(minutes=5)
    assert audit.run_if_due() is True and len(posts.results) == 1
    assert _count(runtime, "erased") == 1


def test_scheduler_runs_the_audit_job(audited: Runtime) -> None:
    posts = Posts()
    scheduler = build_scheduler(audited, lambda note: None, lambda summary, png: None, "w1", post_audit=posts)
    job = scheduler.get_job(AUDIT_JOB)
    assert job is not None and job.trigger.interval.total_seconds() == 300
    assert job.func() is True and job.func() is False
    assert len(posts.results) == 1


# -- Slack -------------------------------------------------------------------------------------------------------
@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_chain_head_is_posted_to_the_restricted_channel(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                        clock: FixedClock, fake_slack: FakeSlack) -> None:
    clock.set(datetime(2026, 10, 1, 10, 0, tzinfo=JST))
    runtime = runtime_factory(sqlite_url, locale="en", retention={"by_kind": {"leak": 30}},
                              slack={"restricted_channel": "C_RESTRICTED", "summary_channel": "C_SUMMARY"})
    _leak_closed(runtime)
    clock.set(DAY)
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url)
    result = run_daily_audit(runtime.triage.deps, _policy(runtime), audit_publisher(runtime, client), "w1")
    assert result is not None
    [call] = fake_slack.calls
    assert call.method == "chat.postMessage" and call.params["channel"] == "C_RESTRICTED"
    att = result.attestation
    assert call.params["text"] == (f"timeline intact: seq {att.seq} head {att.hash} "
                                   f"({att.seq - 1} events verified, Wed 18 Nov 2026)")
    body = call.body.decode("utf-8")
    assert "INC-0001" in body and "Erased the personal data of 1 incidents" in body
    assert "住所" not in body and "fb.com" not in body and "山田" not in body  # no report text, no names
    assert call.params["unfurl_links"] is False


def test_no_restricted_channel_posts_nothing(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                            fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    runtime = runtime_factory(sqlite_url)
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url)
    with caplog.at_level("WARNING"):
        result = run_daily_audit(runtime.triage.deps, _policy(runtime), audit_publisher(runtime, client), "w1")
    assert result is not None and fake_slack.calls == []
    assert f"head {result.attestation.hash} not posted: slack.restricted_channel is not set" in caplog.text
