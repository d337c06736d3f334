"""bot/delivery/form_report.py: a message reported through a platform's form, on the real core (no chat, no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery import form_report
from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from tests.conftest import STAFF
from tests.delivery.test_delivery_plan import FLAMING

ACTOR = Actor(STAFF, "職員 一郎", "fake")
WRITTEN = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)


def _notes(runtime: Runtime, incident_id: int) -> list[dict]:
    return [e.data for e in runtime.triage.queries.timeline(incident_id, None) if e.type == "note"]


def test_the_form_reports_as_an_act_and_notes_the_original_message_once(runtime: Runtime) -> None:
    source = form_report.Source("form-src:C1:100.1", WRITTEN, "https://chat.example/p/100")
    report = ReportInput(text=FLAMING.format(n=1), reporter=ACTOR, idempotency_key="form:1")
    outcome = form_report.report(runtime.triage, report, "元のメッセージ", source)
    assert outcome.incident is not None and outcome.created
    again = form_report.report(runtime.triage, report, "元のメッセージ", source)  # submitted twice
    assert again.incident is not None and again.incident.id == outcome.incident.id
    [note] = _notes(runtime, outcome.incident.id)
    assert "元のメッセージ" in str(note) and "https://chat.example/p/100" in str(note)


def test_a_form_without_a_source_message_reports_without_a_note(runtime: Runtime) -> None:
    report = ReportInput(text=FLAMING.format(n=2), reporter=ACTOR, idempotency_key="form:2")
    outcome = form_report.report(runtime.triage, report, "元のメッセージ", None)
    assert outcome.incident is not None and _notes(runtime, outcome.incident.id) == []

