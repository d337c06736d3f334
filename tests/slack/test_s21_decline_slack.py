"""Teams walk s21 #9 and LINE WORKS walk s21, on Slack: PR declines (対象外) an incident whose first step its reporter
answered; the reporter reads in the thread who declined it, when and why, and no control is left there; a bystander
is refused; a leak's reason reaches only its reporter's DM."""

from __future__ import annotations

import json

from conftest import ELSEWHERE, OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import action_ids, blocks_of, pending_step, text_of

from bot.triage import lifecycle

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/211"
LEAK = "個人情報が漏えいしています。住民の名簿が投稿されました https://x.com/leaker/status/212"
REASON = "職員研修の訓練用の投稿でした"


def _answer_first_step(slack: SlackEnv, channel: str, thread: str) -> None:
    step = pending_step(slack.fake, channel, thread)
    assert step is not None
    key = (step["channel"], step["ts"])
    slack.driver.click(STAFF, step, "step_skip", until=lambda f: not any(
        str(b.get("block_id", "")).startswith("step|") for b in blocks_of(f.messages[key])))


def test_pr_declines_an_incident_in_progress_and_its_reporter_reads_who_and_why(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    [anchor] = slack.fake.channel_messages(REPORT)
    _answer_first_step(slack, REPORT, anchor["ts"])
    assert slack.runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING
    slack.driver.slash(OTHER, f"対象外 INC-0001 {REASON}", ELSEWHERE)  # a bystander: refused, nothing changes
    assert slack.runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING
    slack.driver.slash(PR, f"対象外 INC-0001 {REASON}", ELSEWHERE)
    assert slack.runtime.triage.queries.view(incident_id, None).status == lifecycle.DECLINED
    thread = slack.fake.thread_messages(REPORT, anchor["ts"])
    told = thread[-1]
    assert f"<@{STAFF}>" in told["text"]
    assert "INC-0001 は 広報 太郎 さんが「対象外」にしました（2026年11月18日" in text_of(told)
    assert f"理由: {REASON}" in text_of(told)
    assert [action_ids(m) for m in thread if action_ids(m)] == []  # the kind control and step 2's buttons gone
    [notice] = slack.fake.channel_messages(PR_CHANNEL)
    assert action_ids(notice) == [] and "対象外" in text_of(notice)


def test_a_leaks_reason_reaches_only_its_reporters_dm(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, LEAK, REPORT)
    [incident_id] = slack.incident_ids()
    [anchor] = slack.fake.channel_messages("D_STAFF")
    _answer_first_step(slack, "D_STAFF", anchor["ts"])
    slack.driver.slash(PR, f"対象外 INC-0001 {REASON}", ELSEWHERE)
    assert slack.runtime.triage.queries.view(incident_id, None).status == lifecycle.DECLINED
    private = slack.fake.thread_messages("D_STAFF", anchor["ts"])
    assert f"理由: {REASON}" in text_of(private[-1])
    shown = [m for m in slack.fake.messages.values() if m["channel"] != "D_STAFF"]
    assert shown and REASON not in json.dumps(shown, ensure_ascii=False)
