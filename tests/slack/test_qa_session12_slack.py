"""Session 12 Slack walk (docs/qa/session12_walk_slack.md): what staff did on a bad day, as tests."""

from __future__ import annotations

from conftest import OTHER, REPORT, STAFF, SlackEnv

LEAK = "市のFacebookに住民の名簿が載ってしまっています。山田太郎 090-1234-5678 相馬市中村1-2-3 など。情報漏えいです"
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/soma_fake/status/1"
QUOTE = "> 山田太郎 090-1234-5678 相馬市中村1-2-3\nこれヤバくないですか"


def _ephemerals_to(slack: SlackEnv, user: str) -> list[str]:
    return [call.args.get("text") or "" for call in slack.fake.calls_to("chat.postEphemeral", user=user)]


def test_a_colleague_quoting_a_leak_in_its_public_thread_is_told_privately_to_delete_it(slack: SlackEnv) -> None:
    """#1: the reporter is told to delete her post; a colleague who quotes the personal data under it in the
    public thread was told nothing, and the quote stayed in the report channel."""
    report, _ = slack.driver.post_message(STAFF, LEAK, REPORT)
    [incident_id] = slack.incident_ids()
    before = len(slack.fake.calls)
    slack.driver.post_message(OTHER, QUOTE, REPORT, thread_ts=report["ts"])
    [advice] = _ephemerals_to(slack, OTHER)
    assert "INC-0001 は情報漏えいの案件" in advice and "削除してください" in advice
    later = slack.fake.calls[before:]
    sent = " ".join(str(call.args) for call in later if call.method != "users.info")
    assert "090-1234-5678" not in sent and "山田太郎" not in sent  # advised, never repeated
    assert slack.incident_ids() == [incident_id]


def test_a_reply_in_an_ordinary_incidents_thread_gets_no_privacy_advice(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.driver.post_message(OTHER, "こちらでもリプ欄を見ています", REPORT, thread_ts=report["ts"])
    assert _ephemerals_to(slack, OTHER) == []
