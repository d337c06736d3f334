"""Records at closing on Slack: the report and timeline uploaded (external upload flow) to who may see them,
read back with python-docx and openpyxl; the closing review modal; a bystander gets nothing."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from conftest import NAMES, OTHER, PR, PR_CHANNEL, REPORT, SECURITY, STAFF, SlackEnv
from docx import Document
from fake_slack import FakeSlack
from slack_driver import action_ids, text_of, walk_steps

from bot.ports import Actor
from bot.presenting import StepRef

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"
LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。LEAKMARK 情報漏えいです"

REFUSED = ("この操作を行う権限がありません。操作は記録されました。"
           "この操作（原因・再発防止策の記入）ができるのは広報担当、情報セキュリティ担当または報告者です。")


def dm(user: str) -> str:
    return "D" + user[1:]


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def history_rows(data: bytes) -> int:
    """Rows of the report's 経緯 table (the one headed 日時 / 実施者 / 内容), without its header."""
    document = Document(io.BytesIO(data))
    for table in document.tables:
        if [c.text for c in table.rows[0].cells] == ["日時", "実施者", "内容"]:
            return len(table.rows) - 1
    raise AssertionError("no 経緯 table")


def files_of(fake: FakeSlack, channel: str, count: int = 2) -> list[dict[str, Any]]:
    fake.wait_for(lambda f: len(f.files_in(channel)) >= count)
    return fake.files_in(channel)


def run_to_the_end(slack: SlackEnv, text: str, walker: str) -> tuple[int, str, str]:
    """Report, acknowledge, walk every step; returns (incident id, home channel, home thread)."""
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, text, REPORT)
    [incident_id] = slack.incident_ids()
    view = slack.runtime.triage.queries.view(incident_id, None)
    home, home_ts = REPORT, message["ts"]
    if view.restricted:
        home = dm(STAFF)
        home_ts = fake.channel_messages(home)[0]["ts"]
    fake.wait_for(lambda f: len(f.channel_messages(PR_CHANNEL)) >= 1)
    driver.click(PR, fake.channel_messages(PR_CHANNEL)[0], "acknowledge")
    walk_steps(driver, walker, home, home_ts)
    slack.executor.drain()
    assert slack.runtime.triage.queries.view(incident_id, None).status == "resolved"
    return incident_id, home, home_ts


def test_an_ordinary_incident_hands_the_records_to_the_reporter_and_pr(slack: SlackEnv) -> None:
    fake = slack.fake
    incident_id, home, home_ts = run_to_the_end(slack, FLAMING, STAFF)
    ref = f"INC-{incident_id:04d}"
    # The reporter's DM and the PR channel: the report (.docx) and the timeline (.xlsx), with one comment each.
    for channel in (dm(STAFF), PR_CHANNEL):
        report, timeline = files_of(fake, channel)
        assert report["filename"] == f"{ref}-report.docx" and timeline["filename"] == f"{ref}-timeline.xlsx"
        text = docx_text(report["data"])
        assert "SNSトラブル対応報告書" in text and "炎上" in text and "（記入してください）" in text
        assert "令和8年11月18日" in text  # 和暦 for the built-in profile
        sheet = openpyxl.load_workbook(io.BytesIO(timeline["data"])).active
        assert [c.value for c in sheet[1]][:4] == ["日時", "種別", "実施者", "内容"]
        events = slack.runtime.triage.queries.timeline(incident_id, None)
        assert sheet.max_row - 1 == len(events) and history_rows(report["data"]) == len(events)
        assert NAMES[STAFF] in text and f"{NAMES[PR]}（広報担当）" in text and PR not in text  # names, not ids
    # The comment: with the files in a channel; in a DM, the message that opened it (the upload needs its id).
    assert ref in fake.files_in(PR_CHANNEL)[0]["comment"] and "報告書（案）" in fake.files_in(PR_CHANNEL)[0]["comment"]
    assert any(ref in m["text"] and "報告書（案）" in m["text"] for m in fake.channel_messages(dm(STAFF)))
    # Nobody else: not the report channel, not a bystander's DM.
    assert fake.files_in(REPORT) == [] and fake.files_in(dm(OTHER)) == []
    uploads = len(fake.shared)
    # The conversation got the invitation to record the closing review.
    invite = next(m for m in fake.thread_messages(home, home_ts) if "records_review" in action_ids(m))
    assert "原因" in text_of(invite)

    # A bystander is refused at the click, before typing anything (the same words as a refused submission), and
    # the attempt is on the timeline under their name; no modal opens.
    views = len(fake.views)
    slack.driver.click(OTHER, invite, "records_review",
                       until=lambda f: bool(f.calls_to("chat.postEphemeral", user=OTHER)))
    assert fake.calls_to("chat.postEphemeral", user=OTHER)[-1].args["text"] == REFUSED
    assert len(fake.views) == views and slack.events(incident_id)[-1] == "access_denied"
    denied = slack.runtime.triage.queries.timeline(incident_id, None)[-1]
    assert denied.data.get("action") == "review"
    slack.executor.drain()
    assert len(fake.shared) == uploads
    # A modal opened before a role changed is still refused on submit, inside the modal.
    views = len(fake.views)
    slack.driver.click(STAFF, invite, "records_review", until=lambda f: len(f.views) > views)
    modal = fake.views[-1]
    assert [b["block_id"] for b in modal["blocks"] if b["type"] == "input"] == ["cause", "prevention"]
    refused = slack.driver.submit_view(OTHER, modal, {"cause": "覗き見", "prevention": ""})
    assert refused.json()["errors"]["cause"] == REFUSED
    assert slack.events(incident_id)[-1] == "access_denied"

    # Both left blank: nothing recorded, nothing sent again.
    views = len(fake.views)
    slack.driver.click(STAFF, invite, "records_review", until=lambda f: len(f.views) > views)
    blank = slack.driver.submit_view(STAFF, fake.views[-1], {"cause": "", "prevention": ""})
    assert blank.status == 200 and not blank.body
    slack.executor.drain()
    assert "review_recorded" not in slack.events(incident_id) and len(fake.shared) == uploads

    # The reporter records the review: the same people get the updated report, once.
    views = len(fake.views)
    slack.driver.click(STAFF, invite, "records_review", until=lambda f: len(f.views) > views)
    done = slack.driver.submit_view(STAFF, fake.views[-1], {"cause": "投稿前の確認が一人だけだった。",
                                                            "prevention": "公開前に二人で確認する。"})
    assert done.status == 200 and not done.body
    for channel in (dm(STAFF), PR_CHANNEL):
        report, timeline = files_of(fake, channel, 4)[2:]
        text = docx_text(report["data"])
        assert "投稿前の確認が一人だけだった。" in text and "公開前に二人で確認する。" in text
        assert channel != PR_CHANNEL or "反映" in report["comment"]
    slack.executor.drain()
    assert len(fake.shared) == uploads + 4 and fake.files_in(dm(OTHER)) == []
    assert slack.events(incident_id).count("review_recorded") == 1


def test_a_restricted_incident_goes_only_to_the_dms_of_who_may_see_it(slack: SlackEnv) -> None:
    fake = slack.fake
    incident_id, home, home_ts = run_to_the_end(slack, LEAK, PR)  # a leak is ended by PR or security
    assert home == dm(STAFF)
    for user in (STAFF, PR, SECURITY):
        report, timeline = files_of(fake, dm(user))
        shown = docx_text(report["data"])  # a document filed and sent on: what leaked is not copied into it
        assert "LEAKMARK" not in shown and "転記しません" in shown and "【取扱注意】" in shown
        assert timeline["filename"].endswith("-timeline.xlsx")
    # Never a channel (not the PR channel, not the report channel), never a bystander.
    assert {f["channel"] for f in fake.shared} == {dm(STAFF), dm(PR), dm(SECURITY)}
    assert fake.files_in(dm(OTHER)) == [] and not fake.channel_messages(dm(OTHER))
    # The invitation to record the review goes to who ended it (the reporter of a leak may not).
    invite = next(m for m in fake.channel_messages(dm(PR)) if "records_review" in action_ids(m))
    assert not any("records_review" in action_ids(m) for m in fake.thread_messages(home, home_ts))
    slack.driver.click(PR, invite, "records_review", until=lambda f: len(f.views) >= 1)
    slack.driver.submit_view(PR, fake.views[-1], {"cause": "宛先の確認漏れ", "prevention": "送信前の二重確認"})
    report = files_of(fake, dm(SECURITY), 4)[2]
    assert "宛先の確認漏れ" in docx_text(report["data"]) and fake.files_in(PR_CHANNEL) == []


def test_a_replayed_end_uploads_nothing_twice(slack: SlackEnv) -> None:
    fake = slack.fake
    incident_id, _, _ = run_to_the_end(slack, FLAMING, STAFF)
    files_of(fake, PR_CHANNEL)
    before = len(fake.shared)
    # The same ending rendered again (a retry, a second instance): every upload is claimed once.
    step_id, actor = _last_step(slack, incident_id), Actor(STAFF, NAMES[STAFF], "slack")
    triage = slack.runtime.triage
    outcome = triage.steps.replay(incident_id, step_id, actor)
    steps = slack.adapter.steps
    ref = StepRef(incident_id, triage.queries.view(incident_id, None).kind, step_id)
    steps.show_progress(steps.progress(triage, outcome, actor, ref, None), steps.replies.ephemeral(REPORT, STAFF))
    slack.executor.drain()
    assert len(fake.shared) == before


def _last_step(slack: SlackEnv, incident_id: int) -> str:
    entries = slack.runtime.triage.queries.timeline(incident_id, None)
    return next(str(e.data["step"]) for e in reversed(entries) if e.type in ("step_completed", "step_skipped"))


def test_the_end_of_the_steps_shows_every_draft_together_in_the_thread(slack: SlackEnv) -> None:
    """The last step's message promised drafts 「まとめて表示できます」, which only the console's /drafts could do:
    now they are shown, together and with every answer, in the incident's thread."""
    fake = slack.fake
    incident_id, home, home_ts = run_to_the_end(slack, FLAMING, STAFF)
    drafts = slack.runtime.triage.steps.drafts(incident_id, STAFF)
    assert len(drafts) >= 2
    texts = [text_of(m) for m in fake.thread_messages(home, home_ts)]
    [shown] = [t for t in texts if "すべての回答を反映した内容でまとめて表示します" in t]
    for draft in drafts:
        assert f"【下書き】{draft.title}" in shown and draft.text.strip().splitlines()[0] in shown
    assert "まとめて表示できます" not in "\n".join(texts)
