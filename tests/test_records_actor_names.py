"""A colleague who acts on an incident (not its reporter, not PR's acknowledger) is named in the records."""

from __future__ import annotations

import pytest

from bot.clock import FixedClock
from bot.ports import Actor, ReportInput
from bot.records.service import RecordsDesk
from bot.triage.access import PermissionDenied
from bot.triage.audit import check_erasures
from bot.triage.core import transaction
from bot.triage.retention import erase_incident
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, STAFF
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "山田 花子", "test")
COLLEAGUE = Actor(OTHER, "鈴木 一郎", "test")
PR_OFFICER = Actor(PR, "広報 佐藤", "test")
FLAMING = "市の公式Xの投稿が炎上しています、批判のリプライが止まりません https://x.com/city/status/1"


def _colleague_skips_and_is_refused(runtime: Runtime) -> int:
    """The reporter reports; a colleague skips the first step, then tries to close the incident (refused)."""
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    incident_id = outcome.incident.id
    triage.steps.complete(incident_id, outcome.step.step_id, COLLEAGUE, skip=True, answers={})
    with pytest.raises(PermissionDenied):
        triage.incidents.change_status(incident_id, "closed", COLLEAGUE)
    return incident_id


def test_the_timeline_and_report_name_a_colleague_not_their_id(runtime: Runtime) -> None:
    """The Teams walk (session 8, finding 4): 「実施せず（スキップ）… teams:aad-other-0001」 in the Word report."""
    incident_id = _colleague_skips_and_is_refused(runtime)
    desk = RecordsDesk(runtime.triage.deps)
    for fmt in ("md", "csv"):
        timeline = desk.timeline_file(incident_id, None, fmt).content.decode("utf-8-sig")
        assert "鈴木 一郎" in timeline and OTHER not in timeline
    report = desk.report_file(incident_id, None, "md").content.decode("utf-8")
    assert "鈴木 一郎" in report and OTHER not in report


def test_a_reporters_own_steps_add_no_name_row(runtime: Runtime) -> None:
    """The reporter is named by their reporter row: working the steps writes nothing more."""
    from sqlalchemy import func, select

    from storage.models import IncidentActor

    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    triage.steps.complete(outcome.incident.id, outcome.step.step_id, REPORTER, answers=answers_for(outcome.step))
    with runtime.triage.deps.sessions.begin() as session:
        assert session.execute(select(func.count()).select_from(IncidentActor)).scalar_one() == 0


def test_erasure_blanks_a_colleagues_name(runtime: Runtime, clock: FixedClock) -> None:
    """Retention erases a colleague's name with the reporters'; the audit finds none left."""
    incident_id = _colleague_skips_and_is_refused(runtime)
    triage = runtime.triage
    triage.incidents.acknowledge(incident_id, PR_OFFICER)
    triage.incidents.change_status(incident_id, "resolved", PR_OFFICER)
    triage.incidents.change_status(incident_id, "closed", PR_OFFICER)
    deps = triage.deps
    clock.advance(days=4000)
    erased = transaction(deps, lambda session: erase_incident(session, deps, incident_id, clock.now()))
    assert erased is not None and erased.counts["names"] == 2  # the colleague and PR's acknowledger
    timeline = RecordsDesk(deps).timeline_file(incident_id, None, "md").content.decode("utf-8")
    assert "鈴木 一郎" not in timeline
    with deps.sessions.begin() as session:
        assert check_erasures(session) == []
