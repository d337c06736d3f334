"""A restart on a one-instance database (SQLite) finishes what the dead process was posting at once, not a post
lease later; on PostgreSQL, where other live instances may hold claims, the lease still decides."""

from __future__ import annotations

from collections.abc import Callable

from bot.clock import FixedClock
from bot.delivery.ledger import REPORT_DELIVERY
from bot.delivery.resume import resume_reports
from bot.lease import POST_LEASE
from bot.ports import Actor, ConversationRef, Outcome, ReportInput
from bot.wiring import Runtime
from tests.conftest import STAFF
from tests.helpers import POST_URL

REPORTER = Actor(STAFF, "山田 花子", "slack")
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {POST_URL}"


def _crashed_while_posting(runtime: Runtime) -> int:
    """A report whose first post was claimed and never recorded: the process died in between."""
    outcome = runtime.triage.incidents.report(ReportInput(
        FLAMING, REPORTER, idempotency_key="Ev1", conversation=ConversationRef("slack", "C_REPORT", "1.1")))
    assert outcome.incident is not None
    claim = runtime.triage.queries.claim_ref(outcome.incident.id, "slack", REPORT_DELIVERY, "C_REPORT",
                                             lease=POST_LEASE)
    assert claim.state == "new"
    return outcome.incident.id


def test_a_restarted_process_takes_over_a_dead_ones_claim_at_once_on_sqlite_only(
        runtime_factory: Callable[..., Runtime], database_url: str, clock: FixedClock) -> None:
    before = runtime_factory(database_url)
    incident_id = _crashed_while_posting(before)
    clock.advance(seconds=10)  # restarted by systemd: far inside the two-minute post lease
    after = runtime_factory(database_url)
    shown: list[Outcome] = []
    resumed = resume_reports(after.triage.queries, "slack", clock.now(), shown.append)
    claim = after.triage.queries.claim_ref(incident_id, "slack", REPORT_DELIVERY, "C_REPORT", lease=POST_LEASE)
    if database_url.startswith("sqlite"):  # one instance only: the claim's holder is dead
        assert resumed == 1 and shown[0].incident is not None and shown[0].incident.id == incident_id
        assert claim.state == "taken_over"  # look for the post by its marker, then post what is missing
    else:  # another live instance may be posting it right now
        assert resumed == 0 and claim.state == "busy"


def test_a_claim_made_since_this_process_started_stays_busy(runtime: Runtime, clock: FixedClock) -> None:
    incident_id = _crashed_while_posting(runtime)  # another thread of this process is posting it
    clock.advance(seconds=10)
    claim = runtime.triage.queries.claim_ref(incident_id, "slack", REPORT_DELIVERY, "C_REPORT", lease=POST_LEASE)
    assert claim.state == "busy"
    assert resume_reports(runtime.triage.queries, "slack", clock.now(), lambda outcome: None) == 0
