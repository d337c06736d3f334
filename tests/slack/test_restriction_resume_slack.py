"""On Slack: resume finishes exactly what a restricting edit's plan had not shown when the process died after the
core's commit: besides the redaction and the move, PR's 【閲覧制限】 notice and the co-reporter's "please delete"
advice about her own public message, each once."""

from __future__ import annotations

from conftest import OTHER, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of

from bot.clock import FixedClock
from bot.delivery.edits import record_edit
from bot.ports import Actor

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/99"
EDITED = f"{FLAMING}。晒されているのは申請者の携帯 090-1234-5678 です"


def _restricted_notices(slack: SlackEnv) -> list[str]:
    return [text_of(m) for m in slack.fake.channel_messages(PR_CHANNEL) if "【閲覧制限】" in text_of(m)]


def _advice(slack: SlackEnv) -> list[str]:
    said = [c.args.get("text", "") for c in slack.fake.calls_to("chat.postEphemeral", user=OTHER)]
    return [t for t in said if "削除" in t and "個人情報" in t]


def test_resume_tells_pr_and_advises_the_editor_once(slack: SlackEnv, clock: FixedClock) -> None:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    theirs, _ = slack.driver.post_message(OTHER, FLAMING, REPORT)  # merged: 佐藤's own public message
    [incident_id] = slack.incident_ids()
    triage = slack.runtime.triage
    edited = record_edit(triage, "slack", REPORT, theirs["ts"], Actor(f"slack:{OTHER}", "佐藤 一郎", "slack"),
                         EDITED, edited_at="1763500000.000010", t=triage.catalog.t)  # the process died here
    assert edited is not None and edited.outcome.became_restricted
    assert triage.queries.view(incident_id, None).restricted and _restricted_notices(slack) == []
    clock.advance(minutes=3)
    assert slack.adapter.resume() == 1
    [notice] = _restricted_notices(slack)
    assert "編集" in notice and "090-1234-5678" not in notice
    assert len(_advice(slack)) == 1
    assert slack.adapter.resume() == 0
    assert len(_restricted_notices(slack)) == 1 and len(_advice(slack)) == 1
