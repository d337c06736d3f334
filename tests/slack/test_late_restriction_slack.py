"""On Slack, end to end: a reported message edited to add personal data (session 18 Teams walk #5, "Slack is the
same"), or a follow-up naming INC-0001 that exposes it, restricts the incident as a merged leak report does: PR's
notice redacted, the public thread neutralised and the conversation moved to the reporter's DM, the message's
author told privately to delete it."""

from __future__ import annotations

import json

from conftest import OTHER, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of

from bot.clock import FixedClock
from bot.delivery.edits import record_edit
from bot.ports import Actor

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"
PHONE = "090-1234-5678"
EDITED = f"{FLAMING}。晒されているのは申請者の携帯 {PHONE} です"
FOLLOWUP = "INC-0001 の件、リプ欄に申請者の住所が載っています"


def _edited(slack: SlackEnv, message: dict[str, str], text: str, user: str, edit_ts: str) -> None:
    """Slack's message_changed event for a user's edit of a top-level `message`."""
    slack.driver.event({"type": "message", "subtype": "message_changed", "hidden": True, "channel": REPORT,
                        "ts": slack.fake.new_ts(), "event_ts": slack.fake.new_ts(), "channel_type": "channel",
                        "message": {"type": "message", "user": user, "text": text, "ts": message["ts"],
                                    "edited": {"user": user, "ts": edit_ts}},
                        "previous_message": {"type": "message", "user": user, "text": message["text"],
                                             "ts": message["ts"]}})


def _restricted(slack: SlackEnv, incident_id: int) -> bool:
    return slack.runtime.triage.queries.view(incident_id, None).restricted


def _notice(slack: SlackEnv) -> dict:
    [notice] = [m for m in slack.fake.channel_messages(PR_CHANNEL) if "INC-0001" in text_of(m) and "acknowledge"
                in json.dumps(m.get("blocks"))]
    return notice


def _ephemerals(slack: SlackEnv, user: str) -> list[str]:
    return [c.args.get("text", "") for c in slack.fake.calls_to("chat.postEphemeral", user=user)]


def _taken_private(slack: SlackEnv, thread: str) -> None:
    """The public thread shows the neutral line only, PR's notice is redacted, the reporter carries on in her DM."""
    bots = [m for m in slack.fake.thread_messages(REPORT, thread) if m.get("bot_id")]
    assert bots and all(m["text"] == "詳細は個別に案内します。" for m in bots), [m["text"] for m in bots]
    notice = text_of(_notice(slack))
    assert "報告内容の表示を取り消しました" in notice and "批判のリプライ" not in notice
    [anchor] = slack.fake.channel_messages("D_STAFF")
    private = [text_of(m) for m in slack.fake.thread_messages("D_STAFF", anchor["ts"])]
    assert any("閲覧制限付きになりました" in t for t in private) and any("スキップ" in t for t in private), private


def test_an_edit_adding_personal_data_takes_the_incident_private(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    slack.driver.post_message("U_GROUPIE", "これ、本当ですか", REPORT, thread_ts=report["ts"])
    _edited(slack, report, EDITED, STAFF, "1763500000.000001")
    assert _restricted(slack, incident_id)
    _taken_private(slack, report["ts"])
    told = [m for m in slack.fake.channel_messages(PR_CHANNEL) if "【閲覧制限】INC-0001" in text_of(m)]
    assert len(told) == 1 and "編集" in text_of(told[0])
    [anchor] = slack.fake.channel_messages("D_STAFF")
    private = " ".join(text_of(m) for m in slack.fake.thread_messages("D_STAFF", anchor["ts"]))
    assert "削除" in private  # her own public message: the privacy advice, in her DM
    assert any("閲覧制限付きにし" in t for t in _ephemerals(slack, STAFF))
    assert any("個人情報" in t for t in _ephemerals(slack, "U_GROUPIE"))  # the earlier replier, too
    assert PHONE not in slack.fake.outgoing_text()
    _edited(slack, report, EDITED, STAFF, "1763500000.000001")  # delivered again: nothing more
    assert len([m for m in slack.fake.channel_messages(PR_CHANNEL) if "【閲覧制限】" in text_of(m)]) == 1


def test_a_co_reporters_edit_adding_personal_data_advises_her_about_her_message(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    theirs, _ = slack.driver.post_message(OTHER, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    _edited(slack, theirs, EDITED, OTHER, "1763500000.000002")
    assert _restricted(slack, incident_id)
    _taken_private(slack, report["ts"])
    mine = _ephemerals(slack, OTHER)
    assert any("閲覧制限付きにし" in t for t in mine), mine
    assert any("削除" in t and "個人情報" in t for t in mine), mine  # her own public message
    assert PHONE not in slack.fake.outgoing_text()


def test_a_follow_up_exposing_personal_data_takes_the_incident_private(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    slack.driver.post_message(OTHER, FOLLOWUP, REPORT)
    assert slack.incident_ids() == [incident_id] and _restricted(slack, incident_id)
    _taken_private(slack, report["ts"])
    told = [m for m in slack.fake.channel_messages(PR_CHANNEL) if "【閲覧制限】INC-0001" in text_of(m)]
    assert len(told) == 1 and "書き込み" in text_of(told[0]) and "住所" not in text_of(told[0])
    mine = _ephemerals(slack, OTHER)
    assert any("閲覧制限付きにし" in t for t in mine) and any("削除" in t for t in mine), mine


def test_resume_moves_a_restriction_a_crash_left_in_public(slack: SlackEnv, clock: FixedClock) -> None:
    """A crash between the core's commit of a restricting edit and its plan (run after Slack had its 200, so not
    redelivered): restricted, yet the thread and PR's notice still public. Resume finishes the move, once."""
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    triage = slack.runtime.triage
    edited = record_edit(triage, "slack", REPORT, report["ts"], Actor(f"slack:{STAFF}", "山田 花子", "slack"),
                         EDITED, edited_at="1763500000.000009", t=triage.catalog.t)
    assert edited is not None and edited.outcome.became_restricted and _restricted(slack, incident_id)
    assert "批判のリプライ" in text_of(_notice(slack))  # nothing moved yet
    assert slack.adapter.resume() == 0  # fresh: the delivery that committed it may still be moving it
    clock.advance(minutes=3)
    assert slack.adapter.resume() == 1
    _taken_private(slack, report["ts"])
    assert slack.adapter.resume() == 0
