"""On Slack: a restricting edit cut short by a crash after the core's commit: resume also tells PR of the
co-reporter who lost her role by it (【共同報告】, with how to grant it) and tells her what her edit did
(「閲覧制限付きにしました」), each once (session 20 resume2 #3)."""

from __future__ import annotations

from conftest import OTHER, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of
from test_late_restriction_slack import _edited

from bot.clock import FixedClock
from bot.delivery.edits import record_edit
from bot.ports import Actor

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/98"
EDITED = f"{FLAMING}。晒されているのは申請者の携帯 090-1234-5678 です"


def _revoked(slack: SlackEnv) -> list[str]:
    return [text_of(m) for m in slack.fake.channel_messages(PR_CHANNEL) if "【共同報告】" in text_of(m)]


def _told(slack: SlackEnv) -> list[str]:
    said = [c.args.get("text", "") for c in slack.fake.calls_to("chat.postEphemeral", user=OTHER)]
    return [t for t in said if "閲覧制限付きにし" in t and "編集" in t]


def test_resume_tells_pr_of_the_revoked_role_and_the_editor_what_her_edit_did_once(slack: SlackEnv,
                                                                                   clock: FixedClock) -> None:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    theirs, _ = slack.driver.post_message(OTHER, FLAMING, REPORT)  # merged: 佐藤 takes the role by reporting
    [incident_id] = slack.incident_ids()
    triage = slack.runtime.triage
    edited = record_edit(triage, "slack", REPORT, theirs["ts"], Actor(f"slack:{OTHER}", "佐藤 一郎", "slack"),
                         EDITED, edited_at="1763500000.000011", t=triage.catalog.t)  # the process died here
    assert edited is not None and edited.outcome.became_restricted
    assert any(note.topic == "co_report" for note in edited.outcome.notifications)  # her role was revoked
    assert _revoked(slack) == [] and _told(slack) == []
    clock.advance(minutes=3)
    assert slack.adapter.resume() == 1
    [revoked] = _revoked(slack)
    assert "佐藤 一郎" in revoked and "090-1234-5678" not in revoked
    assert len(_told(slack)) == 1
    assert slack.adapter.resume() == 0
    assert len(_revoked(slack)) == 1 and len(_told(slack)) == 1


def test_delivered_live_the_revoked_role_and_the_editors_words_are_not_said_again_by_resume(
        slack: SlackEnv, clock: FixedClock) -> None:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    theirs, _ = slack.driver.post_message(OTHER, FLAMING, REPORT)
    _edited(slack, theirs, EDITED, OTHER, "1763500000.000012")
    assert len(_revoked(slack)) == 1 and len(_told(slack)) == 1  # the driver runs the edit's plan to its end
    clock.advance(minutes=3)
    slack.adapter.resume()
    assert len(_revoked(slack)) == 1 and len(_told(slack)) == 1
