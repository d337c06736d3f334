"""Slack walk s21 #4: a step answer saying personal data is exposed (個人情報の有無 = あり) restricts a public
incident in the same transaction as the step's completion, as the same fact in words does (test_late_restriction)."""

from __future__ import annotations

from bot.delivery import plan
from bot.delivery.ops import MovePrivate, UpdateNotices
from bot.ports import Actor, ConversationRef, ReportInput
from bot.triage.state_check import check_state
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.helpers import answers_for

FIRST = Actor(STAFF, "山田 花子", "slack")
IMPERSONATION = "市長を名乗る偽アカウントが住民に連絡先を尋ねています https://x.com/fake_mayor/status/1"


def _first_step(runtime: Runtime, personal: str):  # noqa: ANN202
    reported = runtime.triage.incidents.report(ReportInput(IMPERSONATION, FIRST, idempotency_key="k1", explicit=True,
                                                           conversation=ConversationRef("slack", "C_REPORT", "1.0")))
    assert reported.incident is not None and not reported.incident.restricted
    step = runtime.triage.steps.current(reported.incident.id, STAFF)
    assert step is not None and any(item.id == "personal_data" for item in step.inputs)
    answers = answers_for(step) | {"personal_data": personal}
    return reported.incident.id, runtime.triage.steps.complete(reported.incident.id, step.step_id, FIRST,
                                                               answers=answers)


def test_personal_data_yes_restricts_in_the_steps_transaction(runtime: Runtime) -> None:
    incident_id, outcome = _first_step(runtime, "yes")
    assert outcome.became_restricted and outcome.incident is not None and outcome.incident.restricted
    view = runtime.triage.queries.view(incident_id, PR)
    assert view.restricted and view.kind == "impersonation"  # the kind stays PR's to correct
    events = runtime.triage.queries.timeline(incident_id, None)
    types = [e.type for e in events]
    assert types.index("step_completed") < types.index("restricted")
    [restricted] = [e for e in events if e.type == "restricted"]
    assert restricted.data.get("via") == "step" and restricted.actor == STAFF
    [note] = [n for n in outcome.notifications if n.title.startswith("【閲覧制限】")]
    assert "個人情報" in note.title and "山田 花子" in note.body and "fake_mayor" not in note.title + note.body
    assert any(n.topic == "restricted_here" for n in outcome.notifications)
    assert outcome.step is not None  # the next step, shown where the conversation moves
    with runtime.triage.deps.sessions.begin() as session:
        assert check_state(session) == []  # the chain replays to the tables


def test_personal_data_no_leaves_it_public(runtime: Runtime) -> None:
    incident_id, outcome = _first_step(runtime, "no")
    assert not outcome.became_restricted and not runtime.triage.queries.view(incident_id, PR).restricted


def test_the_progress_plan_redacts_and_moves_private(runtime: Runtime) -> None:
    _, outcome = _first_step(runtime, "yes")
    steps = plan.progress(outcome, FIRST.display_name, "12月7日 10:00", reporter_name="山田 花子",
                          home_is_private=False)
    kinds = [type(op) for op in steps.ops]
    assert UpdateNotices in kinds and MovePrivate in kinds
    assert kinds.index(UpdateNotices) < kinds.index(MovePrivate)
    first_post = next(i for i, op in enumerate(steps.ops) if type(op).__name__ == "Post")
    assert kinds.index(MovePrivate) < first_post  # nothing said in the thread before it moves
    assert not any(type(op).__name__ == "UpdateStep" for op in steps.ops)  # the public card is neutral by the move


def test_resume_rebuilds_the_answers_restriction(runtime: Runtime) -> None:
    from bot.triage.restriction import restriction_outcome

    incident_id, _ = _first_step(runtime, "yes")
    again = restriction_outcome(runtime.triage.deps, runtime.triage.steps, incident_id)
    assert again.outcome.became_restricted and again.author == STAFF and again.said is None
    titles = [n.title for n in again.outcome.notifications]
    assert any(t.startswith("【閲覧制限】") and "手順の回答" in t for t in titles), titles
