"""On Slack, end to end (session 21 Teams walk #6, "Slack is the same"): a colleague's reply in an ordinary
incident's public thread that exposes personal data restricts the incident as an edit adding it does: PR's notice
redacted, the thread neutralised and moved to the reporter's DM, the replier advised privately to delete the reply;
the reply's text is shown nowhere, and a redelivery does nothing twice."""

from __future__ import annotations

from conftest import PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of

from bot.clock import FixedClock
from bot.delivery.edits import record_reply
from bot.ports import Actor
from bot.triage.core import reporter_roles

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"
LEAKY = "申請者は山田太郎さん、090-1234-5678、住所は旭川市1条通1丁目です"
REPLIER = "U_GROUPIE"


def _ephemerals(slack: SlackEnv, user: str) -> list[str]:
    return [c.args.get("text", "") for c in slack.fake.calls_to("chat.postEphemeral", user=user)]


def _restricted_notices(slack: SlackEnv) -> list[str]:
    return [text_of(m) for m in slack.fake.channel_messages(PR_CHANNEL) if "【閲覧制限】INC-0001" in text_of(m)]


def test_a_reply_with_personal_data_takes_the_incident_private(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    reply, _ = slack.driver.post_message(REPLIER, LEAKY, REPORT, thread_ts=report["ts"], event_id="EvLeak1")
    assert slack.runtime.triage.queries.view(incident_id, None).restricted
    bots = [m for m in slack.fake.thread_messages(REPORT, report["ts"]) if m.get("bot_id")]
    assert bots and all(m["text"] == "詳細は個別に案内します。" for m in bots), [m["text"] for m in bots]
    [told] = _restricted_notices(slack)
    assert "返信" in told
    pr_card = " ".join(text_of(m) for m in slack.fake.channel_messages(PR_CHANNEL))
    assert "報告内容の表示を取り消しました" in pr_card and "批判のリプライ" not in pr_card
    [anchor] = slack.fake.channel_messages("D_STAFF")
    private = [text_of(m) for m in slack.fake.thread_messages("D_STAFF", anchor["ts"])]
    assert any("閲覧制限付きになりました" in t for t in private), private  # the reporter carries on in her DM
    mine = _ephemerals(slack, REPLIER)
    assert any("閲覧制限付きにし" in t and "削除してください" in t for t in mine), mine
    assert not any("情報漏えいの案件" in t for t in mine)  # the kind is not told (it stays 炎上)
    sent = slack.fake.outgoing_text()
    assert "090-1234-5678" not in sent and "山田太郎" not in sent
    with slack.runtime.triage.deps.sessions() as session:
        assert reporter_roles(session, incident_id) == {f"slack:{STAFF}": True}  # the replier gets no role
    before = len(slack.fake.calls)
    event = {"type": "message", "channel": REPORT, "user": REPLIER, "text": LEAKY, "ts": reply["ts"],
             "thread_ts": report["ts"], "channel_type": "channel", "event_ts": reply["ts"]}
    slack.driver.event(event, event_id="EvLeak1", retry_num=1)  # redelivered
    slack.driver.event(event, event_id="EvLeak2")  # the same reply reaching a second instance
    assert len(_restricted_notices(slack)) == 1 and _ephemerals(slack, REPLIER) == mine
    assert not [c for c in slack.fake.calls[before:] if c.method in ("chat.postMessage", "chat.postEphemeral")]


def test_a_reply_without_personal_data_does_nothing_new(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    before = len(slack.fake.calls_to("chat.postMessage")) + len(slack.fake.calls_to("chat.postEphemeral"))
    slack.driver.post_message(REPLIER, "これ、本当ですか。広報に確認します", REPORT, thread_ts=report["ts"])
    assert not slack.runtime.triage.queries.view(incident_id, None).restricted
    assert len(slack.fake.calls_to("chat.postMessage")) + len(slack.fake.calls_to("chat.postEphemeral")) == before


def test_resume_finishes_a_reply_restriction_a_crash_left_in_public(slack: SlackEnv, clock: FixedClock) -> None:
    """A crash between the core's commit and the reply's plan: resume redacts, moves and advises the replier, once."""
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    reply = slack.fake.add_message(REPORT, LEAKY, REPLIER, thread_ts=report["ts"])
    replied = record_reply(slack.runtime.triage, "slack", REPORT, report["ts"], reply["ts"],
                           Actor(f"slack:{REPLIER}", "佐藤 次郎", "slack"), LEAKY)
    assert replied is not None and replied.outcome.became_restricted
    clock.advance(minutes=3)
    assert slack.adapter.resume() == 1
    bots = [m for m in slack.fake.thread_messages(REPORT, report["ts"]) if m.get("bot_id")]
    assert bots and all(m["text"] == "詳細は個別に案内します。" for m in bots)
    mine = _ephemerals(slack, REPLIER)
    assert len(mine) == 1 and "閲覧制限付きにし" in mine[0] and "削除してください" in mine[0], mine
    assert slack.adapter.resume() == 0 and _ephemerals(slack, REPLIER) == mine
    assert "090-1234-5678" not in slack.fake.outgoing_text()
