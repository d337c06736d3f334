"""Session 22 Slack walk #1: a thread reply sent with 「チャンネルにも投稿する」 (subtype thread_broadcast) shows in the
channel itself, yet was read as nothing: no privacy advice on a leak's public thread, no restriction of an ordinary
incident whose reply exposed a resident. Now it is read as the reply it is. Each test failed before the fix."""

from __future__ import annotations

from typing import Any

from conftest import OTHER, PR_CHANNEL, REPORT, SlackEnv
from slack_driver import text_of

LEAK = ("すみません、窓口の申請者一覧を誤って公式Xに投稿してしまいました。山田太郎さん 090-1234-5678 が写っています "
        "https://x.com/asahikawa_city/status/777")
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"
PERSONAL = "住所も出てます。旭川市1条通1丁目の佐藤花子さん、090-2222-3333"
NEWCOMER = "U_NEW"
REPLIER = "U_GROUPIE"


def _broadcast(slack: SlackEnv, thread_ts: str, event_id: str, retry_num: int | None = None) -> dict[str, Any]:
    """A reply also sent to the channel, as Slack delivers it."""
    message = slack.fake.add_message(REPORT, PERSONAL, REPLIER, thread_ts=thread_ts)
    event = {"type": "message", "subtype": "thread_broadcast", "channel": REPORT, "user": REPLIER,
             "text": PERSONAL, "ts": message["ts"], "thread_ts": thread_ts, "channel_type": "channel",
             "event_ts": message["ts"], "root": {"ts": thread_ts, "user": NEWCOMER}}
    slack.driver.event(event, event_id=event_id, retry_num=retry_num)
    return event


def _advice(slack: SlackEnv) -> list[str]:
    return [c.args.get("text", "") for c in slack.fake.calls_to("chat.postEphemeral", user=REPLIER)
            if "削除してください" in c.args.get("text", "")]


def test_a_broadcast_reply_in_a_leaks_public_thread_is_advised_privately(slack: SlackEnv) -> None:
    slack.fake.add_user(NEWCOMER, "新人 次郎")
    report, _ = slack.driver.post_message(NEWCOMER, LEAK, REPORT)
    [incident_id] = slack.incident_ids()
    assert slack.runtime.triage.queries.view(incident_id, None).restricted
    event = _broadcast(slack, report["ts"], "EvCast1")
    [advice] = _advice(slack)
    assert "INC-0001" in advice
    slack.driver.event(event, event_id="EvCast1", retry_num=1)  # Slack's retry: not advised twice
    assert len(_advice(slack)) == 1
    assert "090-2222-3333" not in slack.fake.outgoing_text() and "佐藤花子" not in slack.fake.outgoing_text()


def test_a_broadcast_reply_exposing_a_resident_restricts_an_ordinary_incident(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(OTHER, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    _broadcast(slack, report["ts"], "EvCast2")
    assert slack.runtime.triage.queries.view(incident_id, None).restricted
    assert any("閲覧制限付きにし" in t for t in _advice(slack)), _advice(slack)
    pr = " ".join(text_of(m) for m in slack.fake.channel_messages(PR_CHANNEL))
    assert "報告内容の表示を取り消しました" in pr and "批判のリプライ" not in pr
    assert "090-2222-3333" not in slack.fake.outgoing_text()
