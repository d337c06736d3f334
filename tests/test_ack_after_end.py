"""An acknowledge press that reaches a declined, closed or merged incident (a stale button, a quick reply still
carried, a copy of the card) is refused in words: LINE WORKS walk s15 #5 recorded an acknowledgement of a
declined incident and sent its reporter step 1 again."""

from __future__ import annotations

import pytest

from bot.ports import Actor, ReportInput
from bot.triage import lifecycle
from bot.triage.core import InvalidRequest
from bot.wiring import Runtime
from tests.conftest import PR, STAFF

PR_ACTOR = Actor(PR, "広報 太郎", "slack")


def _reported(runtime: Runtime, url: str = "https://x.com/fake_city_41") -> int:
    outcome = runtime.triage.incidents.report(ReportInput(
        text=f"市の偽アカウントがなりすましています {url}", reporter=Actor(STAFF, "山田"), idempotency_key=url))
    assert outcome.incident is not None
    return outcome.incident.id


def test_a_declined_incident_cannot_be_acknowledged(runtime: Runtime) -> None:
    incident_id = _reported(runtime)
    runtime.triage.incidents.change_status(incident_id, lifecycle.DECLINED, PR_ACTOR, reason="訓練")
    with pytest.raises(InvalidRequest, match="「対象外」のため"):
        runtime.triage.incidents.acknowledge(incident_id, PR_ACTOR)
    events = [e.type for e in runtime.triage.queries.timeline(incident_id, None)]
    assert "acknowledged" not in events and runtime.triage.queries.view(incident_id, None).acknowledged_at is None


def test_an_acknowledged_then_closed_incident_answers_a_second_press_as_before(runtime: Runtime) -> None:
    incident_id = _reported(runtime)
    runtime.triage.incidents.acknowledge(incident_id, PR_ACTOR)
    runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, PR_ACTOR)
    runtime.triage.incidents.change_status(incident_id, lifecycle.CLOSED, PR_ACTOR)
    again = runtime.triage.incidents.acknowledge(incident_id, PR_ACTOR)  # the recorded acknowledgement
    assert again.incident is not None and again.incident.acknowledged_by == "広報 太郎"
    assert [e.type for e in runtime.triage.queries.timeline(incident_id, None)].count("acknowledged") == 1


def test_a_resolved_incident_nobody_acknowledged_may_still_be(runtime: Runtime) -> None:
    incident_id = _reported(runtime)
    runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, Actor("slack:U_SEC", "情報 守", "slack"))
    runtime.triage.incidents.acknowledge(incident_id, PR_ACTOR)
    assert runtime.triage.queries.view(incident_id, None).acknowledged_by == "広報 太郎"
