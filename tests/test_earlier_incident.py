"""A closed (or declined) incident's post reported again (session 14 Teams walk #8): ending is final, so a new
incident opens, linked to the earlier one: its intro and PR's first notice name it and how it ended, the link is in
the `reported` event (hash-chained, one transaction), the records show it; a restricted earlier incident is named by
its ref only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select

from bot.clock import FixedClock
from bot.ports import Actor, Outcome, ReportInput
from bot.records.service import RecordsDesk
from bot.triage.audit import verify_database
from bot.wiring import Runtime
from storage.models import TimelineEvent
from tests.conftest import OTHER, PR, SECURITY, STAFF

REPORTER = Actor(STAFF, "担当 山田", "test")
COLLEAGUE = Actor(OTHER, "同僚 佐藤", "test")
PR_OFFICER = Actor(PR, "広報 太郎", "test")
FLAMING = "市の公式Xのごみ分別の投稿が炎上しています https://x.com/city/status/55"
AGAIN = "また燃えてます！ https://twitter.com/city/status/55?s=20"
LEAK = "名簿が誤って公開されています。申請者 旭川 太郎の住所が見えます https://x.com/city/status/77"


def _reported(runtime: Runtime, incident_id: int) -> dict[str, Any]:
    with runtime.triage.deps.sessions.begin() as session:
        data = session.execute(select(TimelineEvent.data).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.type == "reported")).scalar_one()
    return dict(data)


def _ended(runtime: Runtime, clock: FixedClock, text: str, status: str, reason: str = "", **hint: str) -> int:
    incidents = runtime.triage.incidents
    first = incidents.report(ReportInput(text=text, reporter=REPORTER, **hint))
    assert first.incident is not None
    if status == "closed":
        incidents.change_status(first.incident.id, "resolved", PR_OFFICER)
    incidents.change_status(first.incident.id, status, PR_OFFICER, reason)
    clock.advance(days=6)  # reported again the next Tuesday
    return first.incident.id


def _first_notice(outcome: Outcome) -> str:
    [note] = [note for note in outcome.notifications if note.level == 1 and note.topic is None]
    return note.body


def test_a_closed_incidents_post_opens_a_new_incident_that_names_it(runtime_factory: Callable[..., Runtime],
                                                                    database_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(database_url)
    closed = _ended(runtime, clock, FLAMING, "closed")
    report = ReportInput(text=AGAIN, reporter=COLLEAGUE, idempotency_key="Ev-again-1")
    outcome = runtime.triage.incidents.report(report)
    assert outcome.created and outcome.incident is not None and outcome.incident.id != closed
    line = "この投稿は以前 INC-0001（2026年11月18日（水）終結）として対応しています。"
    assert line in outcome.messages
    assert _first_notice(outcome).startswith(line + "\n")
    assert _reported(runtime, outcome.incident.id) | {"earlier_at": "—"} == {
        **_reported(runtime, outcome.incident.id), "earlier": closed, "earlier_status": "closed", "earlier_at": "—"}
    replayed = runtime.triage.incidents.report(report)  # the same delivery again: the same words, nothing new
    assert replayed.duplicate and line in replayed.messages and _first_notice(replayed).startswith(line)
    assert verify_database(runtime.triage.deps).ok
    timeline = RecordsDesk(runtime.triage.deps).timeline_file(outcome.incident.id, None, "md").content.decode()
    assert "この投稿は以前 INC-0001（令和8年11月18日（水）10:00に終結）として対応しています。" in timeline


def test_a_declined_incident_is_named_with_its_reason(runtime_factory: Callable[..., Runtime], database_url: str,
                                                      clock: FixedClock) -> None:
    runtime = runtime_factory(database_url)
    _ended(runtime, clock, FLAMING, "declined", reason="市のアカウントではない投稿のため")
    outcome = runtime.triage.incidents.report(ReportInput(text=AGAIN, reporter=COLLEAGUE))
    assert outcome.created and outcome.incident is not None
    line = ("この投稿は以前 INC-0001 として報告され、2026年11月18日（水）に対象外とされています。"
            "理由: 市のアカウントではない投稿のため")
    assert line in outcome.messages and _first_notice(outcome).startswith(line)
    assert "市のアカウント" not in str(_reported(runtime, outcome.incident.id))  # free text stays on INC-0001


def test_a_restricted_earlier_incident_is_named_by_its_ref_only(runtime_factory: Callable[..., Runtime],
                                                                database_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(database_url)
    leak = _ended(runtime, clock, LEAK, "closed", kind_hint="leak")
    text = "市の投稿が炎上しています https://x.com/city/status/77"
    outcome = runtime.triage.incidents.report(ReportInput(text=text, reporter=COLLEAGUE, kind_hint="flaming"))
    assert outcome.created and outcome.incident is not None and not outcome.incident.restricted
    line = "この投稿は以前 INC-0001 として対応しています（詳細は閲覧権限のある職員だけが確認できます）。"
    assert line in outcome.messages and _first_notice(outcome).startswith(line)
    shown = " ".join((*outcome.messages, _first_notice(outcome)))
    assert "終結" not in shown and "情報漏えい" not in shown and "旭川 太郎" not in shown
    data = _reported(runtime, outcome.incident.id)
    assert (data["earlier"], data["earlier_restricted"], "earlier_status" in data) == (leak, True, False)
    timeline = RecordsDesk(runtime.triage.deps).timeline_file(outcome.incident.id, SECURITY, "md").content.decode()
    assert line in timeline


def test_a_resolved_incidents_post_reported_as_new_is_linked_too(runtime_factory: Callable[..., Runtime],
                                                                 database_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(database_url)
    incidents = runtime.triage.incidents
    first = incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert first.incident is not None
    incidents.change_status(first.incident.id, "resolved", PR_OFFICER)
    asked = incidents.report(ReportInput(text=AGAIN, reporter=COLLEAGUE))
    assert asked.same_as_resolved and not any("この投稿は以前" in message for message in asked.messages)
    new = incidents.report(ReportInput(text=AGAIN, reporter=COLLEAGUE, force_new=True))
    assert new.created
    assert "この投稿は以前 INC-0001（2026年11月18日（水）対応完了）として対応しています。" in new.messages


def test_a_post_whose_address_holds_wildcard_characters_is_found_by_its_own_spelling(
        runtime_factory: Callable[..., Runtime], database_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(database_url)
    text = "市の公式Facebookの投稿が炎上しています https://www.facebook.com/city.page/posts/pfbid_0a%25b"
    closed = _ended(runtime, clock, text, "closed")
    outcome = runtime.triage.incidents.report(ReportInput(
        text="また炎上しています https://www.facebook.com/city.page/posts/pfbid_0a%25b", reporter=COLLEAGUE))
    assert outcome.created and outcome.incident is not None
    assert _reported(runtime, outcome.incident.id)["earlier"] == closed


def test_a_new_report_reads_the_posts_earlier_incidents_with_one_statement(
        runtime_factory: Callable[..., Runtime], database_url: str, clock: FixedClock) -> None:
    """Resolved incidents wait for PR to close them and pile up: a new report reads them and the ended ones about its
    post with one statement that keeps only URLs holding the post's id, not every resolved incident's URL."""
    runtime = runtime_factory(database_url)
    incidents = runtime.triage.incidents
    for n in range(3):  # other posts, resolved and not yet closed
        other = incidents.report(ReportInput(text=f"炎上しています https://x.com/city/status/9{n}", reporter=REPORTER))
        assert other.incident is not None
        incidents.change_status(other.incident.id, "resolved", PR_OFFICER)
    closed = _ended(runtime, clock, FLAMING, "closed")
    engine = runtime.triage.deps.sessions.kw["bind"]
    seen: list[str] = []

    def watch(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "source_url IS NOT NULL" in statement:  # the lookups of resolved and ended incidents by URL
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        outcome = incidents.report(ReportInput(text=AGAIN, reporter=COLLEAGUE))
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert outcome.created and outcome.incident is not None
    assert _reported(runtime, outcome.incident.id)["earlier"] == closed
    assert len(seen) == 1 and "LIKE" in seen[0].upper(), seen


def test_a_resolved_incident_newer_than_a_closed_one_is_offered_and_a_new_incident_links_it(
        runtime_factory: Callable[..., Runtime], database_url: str, clock: FixedClock) -> None:
    """Closed INC-0001, then resolved INC-0002 about the same post: the reporter is asked about INC-0002 (the latest
    resolved one), and choosing a new incident links INC-0002, the newer of the two."""
    runtime = runtime_factory(database_url)
    incidents = runtime.triage.incidents
    _ended(runtime, clock, FLAMING, "closed")
    second = incidents.report(ReportInput(text=FLAMING, reporter=REPORTER))
    assert second.incident is not None and second.incident.id == 2
    incidents.change_status(2, "resolved", PR_OFFICER)
    asked = incidents.report(ReportInput(text=AGAIN, reporter=COLLEAGUE))
    assert asked.same_as_resolved and asked.incident is not None and asked.incident.id == 2
    chosen = incidents.report(ReportInput(text=AGAIN, reporter=COLLEAGUE, force_new=True))
    assert chosen.created and chosen.incident is not None
    assert _reported(runtime, chosen.incident.id)["earlier"] == 2
