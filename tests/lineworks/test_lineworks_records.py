"""End to end on LINE WORKS: at an incident's end the draft report (.docx) and the timeline (.xlsx) reach the
right 1:1 chats and rooms once, read back from the local API's uploads; the closing review asked in the 1:1
chat resends the updated report; a restart repeats nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from docx import Document
from openpyxl import load_workbook

from bot.adapters.lineworks import postback as pb
from tests.helpers import answers_for
from tests.lineworks.harness import OTHER, PR, PR_ROOM, STAFF, LwEnv, press_data, quick_data, text_of
from tests.lineworks.test_lineworks_scenarios import REPORTS, STAFF_ID


def files(sent: list[dict[str, Any]]) -> list[str]:
    """The file ids of the file messages among sent contents."""
    return [content["fileId"] for content in sent if content["type"] == "file"]


def report_text(env: LwEnv, file_id: str) -> str:
    """The .docx's paragraphs and table cells as one text."""
    name, data = env.fake.uploaded_file(file_id)
    assert name.endswith(".docx")
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def timeline_rows(env: LwEnv, file_id: str) -> list[tuple[Any, ...]]:
    name, data = env.fake.uploaded_file(file_id)
    assert name.endswith(".xlsx")
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def report_and_acknowledge(env: LwEnv, kind: str) -> int:
    env.say(STAFF, REPORTS[kind])
    [view] = env.runtime.triage.queries.list(None)
    env.press(PR, press_data(env.to_room(PR_ROOM)[0], pb.ACK), PR_ROOM)
    return view.id


def finish(env: LwEnv, incident_id: int, last_by: str, *, hold_last: bool = False) -> str:
    """Every step through guided input by the reporter, the last ones (the total can grow as answers make steps
    apply) by `last_by`; with `hold_last` the instance delivers nothing after a last-looking press. Returns the
    「完了」 data that ended the playbook."""
    queries, steps = env.runtime.triage.queries, env.runtime.triage.steps
    while True:
        step = steps.current(incident_id, STAFF_ID)
        assert step is not None
        kind = queries.view(incident_id, None).kind
        last = step.index == step.total
        who = last_by if last else STAFF
        for item in step.inputs:
            value = answers_for(step)[item.id]
            env.press(who, pb.encode(pb.INPUT, incident_id, kind, step.step_id, item.id))
            if item.type == "choice":
                index = [v for v, _ in item.choices].index(value)
                env.press(who, pb.encode(pb.CHOICE, incident_id, kind, step.step_id, item.id, index))
            else:
                env.say(who, value)
        done = pb.encode(pb.DONE, incident_id, kind, step.step_id)
        env.jobs.hold = hold_last and last
        env.press(who, done)
        if steps.current(incident_id, STAFF_ID) is None:
            return done
        env.jobs.hold = False


def test_an_ordinary_incident_hands_its_records_to_the_reporter_and_the_pr_room_once(lw: LwEnv) -> None:
    incident_id = report_and_acknowledge(lw, "flaming")
    ref = lw.runtime.triage.queries.view(incident_id, None).ref
    done = finish(lw, incident_id, STAFF)
    assert lw.runtime.triage.queries.view(incident_id, None).status == "resolved"

    mine, room = lw.to_user(STAFF), lw.to_room(PR_ROOM)
    assert len(files(mine)) == 2 and len(files(room)) == 2
    assert files(lw.to_user(OTHER)) == [] and files(lw.to_user(PR)) == []
    # The comment comes first, as a text message, then the files.
    first_file = next(i for i, content in enumerate(mine) if content["type"] == "file")
    assert "対応報告書（案）とタイムラインです" in text_of(mine[first_file - 1])
    for sent in (mine, room):
        report, timeline = files(sent)
        assert ref in report_text(lw, report) and "（記入してください）" in report_text(lw, report)
        rows = timeline_rows(lw, timeline)
        assert rows[0][0] == "日時" and len(rows) > 3
    # The invitation to record the closing review, with the button starting the guided input.
    invite = next(content for content in mine if "原因」「再発防止策」を記入できます" in text_of(content))
    assert "は「対応完了」になりました" in text_of(invite) and "終了しました" not in text_of(invite)
    start = pb.encode(pb.REVIEW, incident_id)
    assert start in quick_data(invite)

    # Pressed again, and on a restarted instance: nothing is handed over twice.
    lw.press(STAFF, done)
    assert len(files(lw.to_user(STAFF))) == 2 and len(files(lw.to_room(PR_ROOM))) == 2

    # The review: cause, then prevention; recorded on the timeline, the updated report to the same people.
    lw.press(STAFF, start)
    assert "原因を入力" in text_of(lw.to_user(STAFF)[-1])
    lw.say(STAFF, "担当者の確認不足")
    assert "再発防止策を入力" in text_of(lw.to_user(STAFF)[-1])
    lw.say(STAFF, "投稿前の二重確認")
    mine, room = lw.to_user(STAFF), lw.to_room(PR_ROOM)
    assert len(files(mine)) == 4 and len(files(room)) == 4
    # The questions' quick replies are not carried past the review (the updated files come after it).
    assert not {pb.REVIEW, pb.REVIEW_BLANK, pb.REVIEW_STOP} & {pb.decode(d).action for d in quick_data(mine[-1])}
    for sent in (mine, room):
        updated = report_text(lw, files(sent)[2])
        assert "担当者の確認不足" in updated and "投稿前の二重確認" in updated
    assert any("原因・再発防止策を反映" in text_of(content) for content in mine)
    events = [entry.type for entry in lw.runtime.triage.queries.timeline(incident_id, None)]
    assert events.count("review_recorded") == 1
    # A text after the review is a report again, not a third answer.
    lw.say(STAFF, REPORTS["impersonation"])
    assert len(lw.runtime.triage.queries.list(None)) == 2


def test_a_restricted_incident_sends_files_only_to_the_1_1_chats_of_those_allowed(lw: LwEnv) -> None:
    incident_id = report_and_acknowledge(lw, "leak")
    # A leak is ended by PR (bot/triage/access.py): the PR member does the last step.
    finish(lw, incident_id, PR)
    view = lw.runtime.triage.queries.view(incident_id, None)
    assert view.restricted and view.status == "resolved"
    assert len(files(lw.to_user(STAFF))) == 2 and len(files(lw.to_user(PR))) == 2
    assert files(lw.to_room(PR_ROOM)) == [] and files(lw.to_user(OTHER)) == []
    assert "住所" not in "".join(text_of(content) for content in lw.to_room(PR_ROOM))
    # The one who ended it is invited, in their own 1:1 chat.
    assert any(pb.encode(pb.REVIEW, incident_id) in quick_data(content) for content in lw.to_user(PR))
    assert not any(pb.encode(pb.REVIEW, incident_id) in quick_data(content) for content in lw.to_user(STAFF))
    assert view.ref in report_text(lw, files(lw.to_user(PR))[0])

    # Someone not allowed is refused at the invitation's button, before any question (the words a refused answer
    # would get): nothing asked, nothing recorded, nothing sent; the attempt is on the timeline.
    told = len(lw.to_user(OTHER))
    lw.press(OTHER, pb.encode(pb.REVIEW, incident_id))
    assert [text_of(content) for content in lw.to_user(OTHER)[told:]] == [
        "この操作を行う権限がありません。操作は記録されました。"
        "この操作（原因・再発防止策の記入）ができるのは広報担当または情報セキュリティ担当です。"]
    assert files(lw.to_user(OTHER)) == []
    events = lw.runtime.triage.queries.timeline(incident_id, None)
    assert "review_recorded" not in [entry.type for entry in events]
    assert events[-1].type == "access_denied" and events[-1].data.get("action") == "review"
    # Both left blank: nothing recorded, the member is told.
    lw.press(PR, pb.encode(pb.REVIEW, incident_id))
    lw.press(PR, pb.encode(pb.REVIEW_BLANK, incident_id))
    lw.press(PR, pb.encode(pb.REVIEW_BLANK, incident_id))
    assert "記入しませんでした" in text_of(lw.to_user(PR)[-1])
    assert len(files(lw.to_user(PR))) == 2


def test_a_restart_before_the_hand_over_delivers_it_once(lw_factory: Callable[..., LwEnv]) -> None:
    first = lw_factory()
    incident_id = report_and_acknowledge(first, "account_takeover")
    # The instance stores the end, then dies before delivering anything.
    done = finish(first, incident_id, STAFF, hold_last=True)
    assert first.runtime.triage.queries.view(incident_id, None).status == "resolved"
    assert files(first.to_user(STAFF)) == []
    first.stop()

    second = lw_factory()
    second.press(STAFF, done)  # pressed again: the core says it is done; the missing hand-over follows
    assert len(files(second.to_user(STAFF))) == 2 and len(files(second.to_room(PR_ROOM))) == 2
    third = lw_factory()
    third.press(STAFF, done)
    assert len(files(third.to_user(STAFF))) == 2 and len(files(third.to_room(PR_ROOM))) == 2
    invites = [c for c in third.to_user(STAFF) if "を記入できます" in text_of(c)]
    assert len(invites) == 1


def test_a_refused_upload_sends_nothing_to_that_chat_and_the_next_delivery_hands_it_over(lw: LwEnv) -> None:
    incident_id = report_and_acknowledge(lw, "impersonation")
    lw.fake.fail_next_attachment(400, "INVALID_PARAMETER")  # the reporter's hand-over comes first
    done = finish(lw, incident_id, STAFF)
    mine = lw.to_user(STAFF)
    assert files(mine) == [] and not any("対応報告書（案）とタイムラインです" in text_of(c) for c in mine)
    assert len(files(lw.to_room(PR_ROOM))) == 2
    events = [entry.type for entry in lw.runtime.triage.queries.timeline(incident_id, None)]
    assert "delivery_failed" in events
    lw.press(STAFF, done)  # the next delivery of the end: the missing hand-over, once
    assert len(files(lw.to_user(STAFF))) == 2 and len(files(lw.to_room(PR_ROOM))) == 2
    offers = [c for c in lw.to_user(STAFF) if "対応報告書（案）とタイムラインです" in text_of(c)]
    assert len(offers) == 1
