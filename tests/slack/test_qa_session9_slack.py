"""Session 9 Slack walk (docs/qa/session9_walk_slack.md): findings in the Slack adapter, left to its owners."""

from __future__ import annotations

from conftest import OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import pending_step, text_of

from bot.ports import Actor
from bot.triage.lifecycle import RESOLVED

URL = "https://x.com/iwaki_city_fake/status/1860000000001"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"


def test_the_inputs_modal_shows_what_the_report_already_told(slack: SlackEnv) -> None:
    """Step 1 says 「報告で分かっている項目（URL・サービス名など）は入力済みです。確認して…」, and the console and the
    core do fill them in (InputSpec.value), but the Slack modal opens with the URL and the service empty. The URL is
    required, so Slack's client refuses to submit until the reporter types it again; one who does not know the URL
    (a takeover at night) can only skip the step."""
    message, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    step = pending_step(slack.fake, REPORT, message["ts"])
    assert step is not None
    opened = len(slack.fake.views)
    slack.driver.click(STAFF, step, "step_input", until=lambda f: len(f.views) > opened)
    inputs = {b["block_id"]: b["element"] for b in slack.fake.views[-1]["blocks"] if b.get("type") == "input"}
    assert inputs["in:post_url"].get("initial_value") == URL
    assert inputs["in:platform"].get("initial_value")


def test_a_report_of_a_resolved_post_lets_the_reporter_choose(slack: SlackEnv) -> None:
    """The flaming flares up again after INC-0001 was resolved: a colleague posts the same URL in the report channel.
    The core links the report to INC-0001 (reported_again) and opens nothing until the reporter chooses; Slack tells
    him privately 「INC-0001 の対応を再開するか、新しい案件として受け付けるかを選んでください」 with no button to choose
    with, and nobody else is told: the flare-up reaches no one."""
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    slack.runtime.triage.incidents.change_status(incident_id, RESOLVED, Actor(f"slack:{PR}", "広報 太郎", "slack"))
    slack.driver.post_message(OTHER, f"また炎上が再燃しています {URL}", REPORT)
    assert slack.incident_ids() == [incident_id]  # nothing opened yet, as the core intends
    told = slack.fake.calls_to("chat.postEphemeral", user=OTHER)
    assert told and "選んでください" in told[-1].args.get("text", "")
    controls = [e for b in told[-1].args.get("blocks") or [] if b.get("type") == "actions" for e in b["elements"]]
    assert controls, "asked to choose, but given nothing to choose with"


def test_a_dm_reports_notice_and_co_reporters_get_words_not_a_link_to_a_private_dm(slack: SlackEnv) -> None:
    """Walk finding 6: the notice of a report made in a DM linked to the reporter's DM with the bot (archives/D…),
    which nobody else can open, and a co-reporter was told 「対応は <DM のリンク> で進んでいます」."""
    slack.driver.post_message(STAFF, FLAMING, "D_STAFF", channel_type="im")
    [note] = slack.fake.channel_messages(PR_CHANNEL)
    shown = text_of(note)
    assert "報告者とボットの DM で案内しています" in shown and "/archives/D" not in str(note)
    slack.driver.post_message(OTHER, FLAMING + " 同じ投稿です", REPORT)  # the same post, reported again
    told = [c.args for c in slack.fake.calls_to("chat.postEphemeral", user=OTHER)]
    assert told and "最初の報告者とボットの DM で進んでいます" in str(told[-1])
    assert "/archives/D" not in str(told[-1])
