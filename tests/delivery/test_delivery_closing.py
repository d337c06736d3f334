"""Records at an incident's end through the neutral delivery layer: who gets the files, once, failures kept."""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
from docx import Document

from bot.delivery import closing, plan
from bot.delivery.content import DeliveryError, Place
from bot.delivery.runner import Runner
from bot.ports import Actor
from bot.records.service import RecordsDesk
from bot.triage.access import PermissionDenied
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, LEAK, PR_CH, REPORT_CH, RESTRICTED_CH, make_runner, origin
from tests.delivery.test_delivery_plan import report as report_incident


def end(runtime: Runtime, text: str, by: str = PR) -> int:
    outcome = report_incident(runtime, text)
    assert outcome.incident is not None
    runtime.triage.incidents.change_status(outcome.incident.id, "resolved", Actor(by))
    return outcome.incident.id


def records_plan(runtime: Runtime, incident_id: int, invite: bool = False) -> plan.Plan:
    view = runtime.triage.queries.view(incident_id, None)
    return closing.at_end(plan.Plan(None), RecordsDesk(runtime.triage.deps), view, "slack", invite=invite)


def uploads(port: FakePort) -> dict[str, tuple[list[str], str]]:
    """Channel -> (file names, comment) of every upload."""
    return {s.place.channel: ([f.filename for f in s.content[0]], s.content[1])  # type: ignore[union-attr]
            for s in port.of("upload")}


def test_an_ordinary_incident_goes_to_the_reporter_and_the_pr_channel_once(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    incident_id = end(runtime, FLAMING.format(n=41))
    steps = records_plan(runtime, incident_id)
    assert [type(op).__name__ for op in steps.ops] == ["Upload", "Upload"]
    assert runner.run(steps).failures == []
    ref = f"INC-{incident_id:04d}"
    names = [f"{ref}-report.docx", f"{ref}-timeline.xlsx"]
    assert uploads(port) == {f"D-{STAFF}": (names, uploads(port)[f"D-{STAFF}"][1]),
                             PR_CH: (names, uploads(port)[PR_CH][1])}
    assert ref in uploads(port)[PR_CH][1] and "報告書（案）" in uploads(port)[PR_CH][1]
    report, timeline = port.of("upload")[0].content[0]  # type: ignore[index]
    assert "SNSトラブル対応報告書" in "\n".join(p.text for p in Document(io.BytesIO(report.data)).paragraphs)
    assert openpyxl.load_workbook(io.BytesIO(timeline.data)).active.cell(1, 1).value == "日時"
    # Replayed (a retry, another instance): claimed in the ledger, nothing uploaded twice.
    runner.run(records_plan(runtime, incident_id))
    assert len(port.of("upload")) == 2
    assert not any(OTHER in s.place.channel for s in port.of("upload"))  # type: ignore[union-attr]


def test_a_restricted_incident_goes_only_to_the_dms_of_who_may_see_it(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    incident_id = end(runtime, LEAK.format(n=42), by=SECURITY)
    runner.run(records_plan(runtime, incident_id))
    assert set(uploads(port)) == {f"D-{STAFF}", f"D-{PR}", f"D-{SECURITY}"}  # never a channel, never OTHER
    assert PR_CH not in uploads(port) and RESTRICTED_CH not in uploads(port)


def test_an_open_incident_has_no_records_to_hand_over(runtime: Runtime) -> None:
    outcome = report_incident(runtime, FLAMING.format(n=43))
    assert outcome.incident is not None
    steps = plan.progress(outcome, "x", "now")
    assert closing.at_end(steps, RecordsDesk(runtime.triage.deps), outcome.incident, "fake") is steps


def test_a_failed_upload_is_recorded_and_handed_over_later(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    incident_id = end(runtime, FLAMING.format(n=44))
    port.fail("upload", DeliveryError("not_in_channel"))
    assert runner.run(records_plan(runtime, incident_id)).failures == ["not_in_channel"]
    assert "delivery_failed" in [e.type for e in runtime.triage.queries.timeline(incident_id, None)]
    assert len(port.of("upload")) == 1
    runner.run(records_plan(runtime, incident_id))  # the claim was given back: the next delivery hands it over
    assert len(port.of("upload")) == 2 and len(uploads(port)) == 2


def test_a_rate_limit_is_waited_out(runtime: Runtime) -> None:
    port, waits = FakePort(), []
    runner = make_runner(runtime, port, waits)
    incident_id = end(runtime, FLAMING.format(n=45))
    port.fail("upload", DeliveryError("ratelimited", retry_after=3.0))
    assert runner.run(records_plan(runtime, incident_id)).failures == []
    assert waits == [3.0] and len(port.of("upload")) == 2


def test_a_review_is_a_new_version_sent_once_more(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    incident_id = end(runtime, FLAMING.format(n=46))
    runner.run(records_plan(runtime, incident_id))
    desk = RecordsDesk(runtime.triage.deps)
    desk.record_review(incident_id, Actor(PR), cause="確認不足", prevention="二重確認")
    again = closing.after_review(desk, incident_id, "slack", PR)
    runner.run(again)
    runner.run(again)
    assert len(port.of("upload")) == 4
    latest = port.of("upload")[-1].content  # type: ignore[assignment]
    assert "反映" in latest[1]
    text = "\n".join(p.text for p in Document(io.BytesIO(latest[0][0].data)).paragraphs)
    assert "確認不足" in text and "二重確認" in text


def test_the_invitation_goes_to_the_conversation_once(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report_incident(runtime, FLAMING.format(n=47))
    runner.run(plan.report(outcome, origin(ts="100.47")))
    assert outcome.incident is not None
    runtime.triage.incidents.change_status(outcome.incident.id, "resolved", Actor(PR))
    steps = records_plan(runtime, outcome.incident.id, invite=True)
    runner.run(steps)
    runner.run(steps)
    invites = [s for s in port.posts(REPORT_CH) if type(s.content).__name__ == "ReviewInvite"]
    assert len(invites) == 1 and invites[0].place == Place(REPORT_CH, "100.47")


@dataclass
class OldPort:
    """A port written before uploads existed."""

    platform: str = "old"
    finds_posted: bool = True


def test_a_port_without_uploads_is_recorded_not_silent(runtime: Runtime) -> None:
    fake = FakePort()
    runner = make_runner(runtime, fake)
    incident_id = end(runtime, FLAMING.format(n=48))
    old = Runner(port=OldPort(), ledger=runner.ledger, section_channel=runner.section_channel,  # type: ignore[arg-type]
                 record_error=runner.record_error)
    assert old.run(records_plan(runtime, incident_id)).failures == ["upload_unsupported"] * 2


def test_the_review_form_opens_only_for_who_may_record_it(runtime: Runtime) -> None:
    """Every platform asks `open_review` before showing the form: a bystander is refused there, recorded by name."""
    desk = RecordsDesk(runtime.triage.deps)
    ordinary = end(runtime, FLAMING.format(n=47))
    outcome = report_incident(runtime, LEAK.format(n=48), key="ev2")
    assert outcome.incident is not None
    leak = outcome.incident.id
    runtime.triage.incidents.change_status(leak, "resolved", Actor(PR))
    assert closing.open_review(desk, ordinary, Actor(STAFF)).id == ordinary  # its reporter
    assert closing.open_review(desk, leak, Actor(SECURITY)).id == leak
    for incident_id, who in ((ordinary, OTHER), (leak, STAFF)):  # a bystander; a leak's reporter may not end it
        try:
            closing.open_review(desk, incident_id, Actor(who, "通りがかり 花子"))
        except PermissionDenied as denied:
            assert denied.action == "review"
        else:
            raise AssertionError(f"{who} opened the review form of {incident_id}")
        last = runtime.triage.queries.timeline(incident_id, None)[-1]
        assert (last.type, last.actor, last.data.get("action")) == ("access_denied", who, "review")
    assert "通りがかり 花子が権限のない操作（原因・再発防止策の記入）を試み" in RecordsDesk(
        runtime.triage.deps).report_file(ordinary, None, "md").content.decode()
