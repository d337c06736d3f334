"""An incident that becomes a leak after its report (session 18 Teams walk #5 and the follow-up path): a reported
message edited to add personal data, or a follow-up naming INC-0001 that exposes it, restricts the incident in the
same transaction as its note, as a merged leak report does (tests/test_merged_leak.py)."""

from __future__ import annotations

from bot.delivery.edits import record_edit
from bot.ports import Actor, ConversationRef, ReportInput
from bot.triage.core import reporter_roles
from bot.triage.state_check import check_state
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, STAFF

FIRST = Actor(STAFF, "山田 花子", "slack")
SECOND = Actor(OTHER, "田中 一郎", "slack")
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"
EDITED = FLAMING + "。晒されているのは申請者の携帯 090-1234-5678 です"
FOLLOWUP = "INC-0001 の件、リプ欄に申請者の住所が載っています"


def _report(runtime: Runtime, text: str, who: Actor, key: str, ts: str):  # noqa: ANN202
    return runtime.triage.incidents.report(ReportInput(text, who, idempotency_key=key, explicit=True,
                                                       conversation=ConversationRef("slack", "C_REPORT", ts)))


def _edit(runtime: Runtime, who: Actor, ts: str, text: str, at: str = "1.5"):  # noqa: ANN202
    return record_edit(runtime.triage, "slack", "C_REPORT", ts, who, text, edited_at=at,
                       t=runtime.triage.catalog.t)


def _types(runtime: Runtime, incident_id: int) -> list[str]:
    return [e.type for e in runtime.triage.queries.timeline(incident_id, None)]


def test_an_edit_that_adds_personal_data_restricts_the_incident(runtime: Runtime) -> None:
    first = _report(runtime, FLAMING, FIRST, "e1", "1.0")
    assert first.incident is not None and not first.incident.restricted
    _edit(runtime, FIRST, "1.0", EDITED)
    view = runtime.triage.queries.view(first.incident.id, PR)
    assert view.restricted and view.kind == "flaming"  # restricted; the kind stays PR's to correct
    types = _types(runtime, first.incident.id)
    assert types.index("restricted") < types.index("note")  # one transaction: the data lands on a restricted one
    [restricted] = [e for e in runtime.triage.queries.timeline(first.incident.id, None) if e.type == "restricted"]
    assert restricted.data.get("by_report") and restricted.data.get("delivery_key")


def test_the_restricting_edit_tells_pr_and_its_author_without_the_data(runtime: Runtime) -> None:
    first = _report(runtime, FLAMING, FIRST, "e1", "1.0")
    assert first.incident is not None
    edited = _edit(runtime, FIRST, "1.0", EDITED)
    assert edited is not None and edited.outcome.became_restricted and not edited.outcome.duplicate
    [note] = [n for n in edited.outcome.notifications if n.title.startswith("【閲覧制限】")]
    assert "編集" in note.title and "山田 花子" in note.body and "種別を「情報漏えい」に訂正" in note.body
    [here] = [n for n in edited.outcome.notifications if n.topic == "restricted_here"]
    assert "編集" in here.title and "閲覧制限付きになりました" in here.title
    assert not any("090" in n.body + n.title for n in edited.outcome.notifications)
    assert edited.told is not None and "閲覧制限付きにし" in edited.told and "090" not in edited.told
    assert edited.outcome.step is not None  # the first reporter's step, shown again where it moves


def test_a_redelivered_restricting_edit_says_so_again_and_adds_nothing(runtime: Runtime) -> None:
    first = _report(runtime, FLAMING, FIRST, "e1", "1.0")
    assert first.incident is not None
    _edit(runtime, FIRST, "1.0", EDITED)
    again = _edit(runtime, FIRST, "1.0", EDITED)
    assert again is not None and again.outcome.duplicate and again.outcome.became_restricted
    assert again.outcome.notifications == ()  # PR told once
    types = _types(runtime, first.incident.id)
    assert types.count("restricted") == 1 and types.count("note") == 1


def test_a_co_reporters_edit_restricts_and_takes_only_roles_taken_by_reporting(runtime: Runtime) -> None:
    first = _report(runtime, FLAMING, FIRST, "e1", "1.0")
    assert first.incident is not None
    assert _report(runtime, FLAMING, SECOND, "e2", "2.0").merged
    edited = _edit(runtime, SECOND, "2.0", EDITED)
    assert edited is not None and edited.outcome.became_restricted
    with runtime.triage.deps.sessions() as session:
        assert reporter_roles(session, first.incident.id) == {STAFF: True, OTHER: False}  # the merge's rule


def test_an_ordinary_edit_restricts_nothing(runtime: Runtime) -> None:
    first = _report(runtime, FLAMING, FIRST, "e1", "1.0")
    assert first.incident is not None
    edited = _edit(runtime, FIRST, "1.0", FLAMING + " 引用も増えています")
    assert edited is not None and not edited.outcome.became_restricted
    assert edited.told is not None and "報告内容は変わりません" in edited.told
    assert not runtime.triage.queries.view(first.incident.id, PR).restricted
    assert _edit(runtime, FIRST, "1.0", FLAMING + " 引用も増えています") is not None  # a redelivery: noted once
    assert _types(runtime, first.incident.id).count("note") == 1


def test_a_follow_up_that_exposes_personal_data_restricts_the_incident(runtime: Runtime) -> None:
    first = _report(runtime, FLAMING, FIRST, "e1", "1.0")
    assert first.incident is not None
    outcome = _report(runtime, FOLLOWUP, SECOND, "e2", "2.0")
    assert outcome.merged and outcome.incident is not None and outcome.incident.id == first.incident.id
    assert outcome.became_restricted and outcome.incident.restricted and not outcome.incident.details_visible
    [note] = [n for n in outcome.notifications if n.title.startswith("【閲覧制限】")]
    assert "書き込み" in note.title and "田中 一郎" in note.body and "住所" not in note.body
    assert any(n.topic == "restricted_here" for n in outcome.notifications)
    assert "閲覧制限付きにし" in " ".join(outcome.messages)
    assert [n.topic for n in outcome.notifications if n.topic == "followup"] == []  # 【閲覧制限】 said it: once
    types = _types(runtime, first.incident.id)
    assert types.index("restricted") < types.index("followup") and "merged_report" not in types
    with runtime.triage.deps.sessions() as session:
        assert reporter_roles(session, first.incident.id) == {STAFF: True}  # news about it gives no role
    again = _report(runtime, FOLLOWUP, SECOND, "e2", "2.0")
    assert again.duplicate and again.became_restricted  # its plan finishes the redaction and the move


def test_an_ordinary_follow_up_restricts_nothing(runtime: Runtime) -> None:
    first = _report(runtime, FLAMING, FIRST, "e1", "1.0")
    assert first.incident is not None
    outcome = _report(runtime, "INC-0001 の件、引用リポストも増えてきました", SECOND, "e2", "2.0")
    assert outcome.merged and not outcome.became_restricted
    assert not runtime.triage.queries.view(first.incident.id, PR).restricted


def test_the_state_check_replays_a_late_restriction(runtime: Runtime) -> None:
    """The restricted flag and the roles taken by it are events: the state check finds nothing to report."""
    first = _report(runtime, FLAMING, FIRST, "e1", "1.0")
    assert first.incident is not None
    _report(runtime, FLAMING, SECOND, "e2", "2.0")
    _edit(runtime, SECOND, "2.0", EDITED)
    assert _report(runtime, FLAMING.replace("status/1", "status/2"), FIRST, "e3", "3.0").created
    assert _report(runtime, "INC-0002 の件、リプ欄に申請者の住所が載っています", SECOND, "e4", "4.0").became_restricted
    with runtime.triage.deps.sessions() as session:
        assert check_state(session) == []
