"""Teams walk s18 #11, on Slack too: an incident that ends (対象外, 対応完了 by its last step) keeps no control in its
thread: the kind control and the pending step's buttons go, the message saying why; a repeat redraws nothing."""

from __future__ import annotations

from conftest import ELSEWHERE, PR, REPORT, STAFF, SlackEnv
from slack_driver import action_ids, text_of, walk_steps

from bot.triage import lifecycle

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/93"


def _thread(slack: SlackEnv) -> tuple[str, list[dict]]:
    [anchor] = slack.fake.channel_messages(REPORT)
    return anchor["ts"], slack.fake.thread_messages(REPORT, anchor["ts"])


def test_a_declined_incident_keeps_no_step_or_kind_control_in_its_thread(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    _, messages = _thread(slack)
    assert any(action_ids(m) for m in messages)  # the kind control and step 1's buttons
    slack.driver.slash(PR, "対象外 INC-0001 いたずらでした", ELSEWHERE)
    assert slack.runtime.triage.queries.view(incident_id, None).status == lifecycle.DECLINED
    _, messages = _thread(slack)
    assert [action_ids(m) for m in messages if action_ids(m)] == []
    said = "\n".join(text_of(m) for m in messages)
    assert "INC-0001 は「対象外」になったため、種別の訂正は閉じました。" in said
    assert "INC-0001 は「対象外」になったため、この手順は閉じました。" in said and "状況を記録する" in said
    updates = len(slack.fake.calls_to("chat.update"))
    slack.driver.slash(PR, "対象外 INC-0001 いたずらでした", ELSEWHERE)  # again: nothing redrawn
    assert len(slack.fake.calls_to("chat.update")) == updates


def test_an_incident_resolved_by_its_last_step_keeps_no_kind_control(slack: SlackEnv) -> None:
    slack.driver.post_message(PR, FLAMING, REPORT)  # PR reports it: their last step resolves it
    [incident_id] = slack.incident_ids()
    ts, _ = _thread(slack)
    walk_steps(slack.driver, PR, REPORT, ts)
    assert slack.runtime.triage.queries.view(incident_id, None).status == lifecycle.RESOLVED
    _, messages = _thread(slack)
    assert [action_ids(m) for m in messages if action_ids(m) and "records_review" not in action_ids(m)] == []
    assert "INC-0001 は「対応完了」になったため、種別の訂正は閉じました。" in "\n".join(text_of(m) for m in messages)
    assert not any("この手順は閉じました" in text_of(m) for m in messages)  # every step card keeps its record
