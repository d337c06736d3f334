"""A report that reads as a leak, merged into an open ordinary incident of the same post (session 17 Slack walk
#8): a vague report of the post came first, so the leak report joined an unrestricted incident unnoticed. The merge
now restricts the incident, as a new incident's text would have (the creation rule's twin)."""

from __future__ import annotations

from bot.ports import Actor, ReportInput
from bot.triage.core import reporter_roles
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, STAFF
from tests.helpers import POST_URL

FIRST = Actor(STAFF, "田中 由美", "test")
SECOND = Actor(OTHER, "佐々木 恵", "test")
THIRD = Actor("slack:U_THIRD", "高橋 健", "test")
VAGUE = f"市の公式アカウントになりすましたアカウントの投稿です {POST_URL}"
LEAK = f"住民の名簿を誤って添付したまま投稿してしまいました。山田太郎 090-1234-5678 が見えています {POST_URL}"


def _roles(runtime: Runtime, incident_id: int) -> dict[str, bool]:
    with runtime.triage.deps.sessions() as session:
        return reporter_roles(session, incident_id)


def test_a_leak_report_merged_into_an_ordinary_incident_restricts_it(runtime: Runtime) -> None:
    """Before: merged into the still public incident, PR only asked to correct the kind."""
    first = runtime.triage.incidents.report(ReportInput(VAGUE, FIRST))
    assert first.incident is not None and not first.incident.restricted
    second = runtime.triage.incidents.report(ReportInput(LEAK, SECOND))
    assert second.merged and second.incident is not None and second.incident.id == first.incident.id
    assert second.incident.restricted and second.became_restricted
    assert not second.incident.details_visible  # a report gives no role on a restricted incident
    view = runtime.triage.queries.view(first.incident.id, PR)
    assert view.restricted and view.kind == first.incident.kind  # restricted, its kind PR's to correct
    notes = [note for note in second.notifications if note.title.startswith("【閲覧制限】")]
    assert len(notes) == 1 and not notes[0].acknowledgeable
    assert "佐々木 恵" in notes[0].body and "種別を「情報漏えい」に訂正" in notes[0].body
    assert "閲覧制限付き" in notes[0].title
    [here] = [note for note in second.notifications if note.topic == "restricted_here"]  # for the conversation
    assert "閲覧制限付きになりました" in here.title and not here.body
    assert not any("090" in n.body or "山田" in n.body for n in second.notifications)  # nothing of her text
    said = " ".join(second.messages)
    assert "閲覧制限付きにし" in said and "090" not in said
    assert second.step is not None  # the first reporter's step, shown again where her conversation moves
    assert _roles(runtime, first.incident.id) == {STAFF: True, OTHER: False}
    types = [e.type for e in runtime.triage.queries.timeline(first.incident.id, None)]
    assert types.index("restricted") < types.index("merged_report")  # one transaction, restricted first


def test_the_restricting_merge_takes_back_roles_taken_by_reporting(runtime: Runtime) -> None:
    """restrict()'s rule: the first reporter keeps the role, an earlier co-reporter who took it by reporting loses
    it (PR told how to grant it), and the report that restricts it gives none."""
    first = runtime.triage.incidents.report(ReportInput(VAGUE, FIRST))
    assert first.incident is not None
    assert runtime.triage.incidents.report(ReportInput(f"これもなりすましです {POST_URL}", THIRD)).merged
    second = runtime.triage.incidents.report(ReportInput(LEAK, SECOND))
    assert second.became_restricted
    assert _roles(runtime, first.incident.id) == {STAFF: True, THIRD.user_id: False, OTHER: False}
    assert sum("高橋 健" in note.body for note in second.notifications) == 1  # the grant hint for him


def test_a_redelivered_restricting_merge_says_so_again(runtime: Runtime) -> None:
    """A redelivery (same key) answers duplicate, still restricting: its plan finishes the redaction and move."""
    first = runtime.triage.incidents.report(ReportInput(VAGUE, FIRST, idempotency_key="e1"))
    assert first.incident is not None
    runtime.triage.incidents.report(ReportInput(LEAK, SECOND, idempotency_key="e2"))
    again = runtime.triage.incidents.report(ReportInput(LEAK, SECOND, idempotency_key="e2"))
    assert again.duplicate and again.merged and again.became_restricted and again.step is not None
    later = runtime.triage.incidents.report(ReportInput(LEAK, THIRD, idempotency_key="e3"))
    assert later.merged and not later.became_restricted  # restricted already: a plain co-report


def test_an_ordinary_co_report_asks_nothing_more(runtime: Runtime) -> None:
    runtime.triage.incidents.report(ReportInput(VAGUE, FIRST))
    second = runtime.triage.incidents.report(ReportInput(f"これもなりすましです {POST_URL}", SECOND))
    # Nothing to grant or decide: PR's notice is only redrawn naming both reporters (walk s17 #11).
    assert second.merged and not second.became_restricted
    assert [(n.topic, "報告者: " in n.body) for n in second.notifications] == [("notice_revised", True)]
    assert second.incident is not None and not second.incident.restricted
