"""The kind card kept consistent with who may correct the kind (session 19 left-overs): a resolved incident
reopened gets its kind control back (its end had withdrawn it, though the kind may be corrected again), and a DM
report restricted by a kind correction loses its control (the kind is PR's to correct; a press was refused)."""

from __future__ import annotations

import contextlib

from conftest import PR, REPORT, STAFF, SlackEnv
from slack_driver import action_ids, text_of, walk_steps

from bot.triage import lifecycle

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/97"


def _intro(slack: SlackEnv, channel: str, ts: str) -> dict:
    return slack.fake.thread_messages(channel, ts)[0]


def test_a_reopened_incidents_kind_card_gets_its_control_back_and_loses_it_at_the_next_end(slack: SlackEnv) -> None:
    message, _ = slack.driver.post_message(PR, FLAMING, REPORT)  # PR reports it: their last step resolves it
    [incident_id] = slack.incident_ids()
    walk_steps(slack.driver, PR, REPORT, message["ts"])
    assert slack.runtime.triage.queries.view(incident_id, None).status == lifecycle.RESOLVED
    assert "kind_select" not in action_ids(_intro(slack, REPORT, message["ts"]))
    slack.driver.slash(PR, "再開 INC-0001", REPORT)
    assert slack.runtime.triage.queries.view(incident_id, None).status == lifecycle.RESPONDING
    intro = _intro(slack, REPORT, message["ts"])
    assert "kind_select" in action_ids(intro), text_of(intro)
    assert "【再開】INC-0001" in text_of(intro) and "種別が違う場合はここで訂正できます" in text_of(intro)
    slack.driver.click(PR, intro, "kind_select", selected="misinformation")  # the control works again
    assert slack.runtime.triage.queries.view(incident_id, None).kind == "misinformation"
    # The new kind's steps: the last resolves it again. Its 「対応完了」 words were posted once at the first end
    # (ledger FINISHED), so the walk's wait for a new message in the thread runs out: the status says it is done.
    with contextlib.suppress(AssertionError):
        walk_steps(slack.driver, PR, REPORT, message["ts"])
    assert slack.runtime.triage.queries.view(incident_id, None).status == lifecycle.RESOLVED
    assert "kind_select" not in action_ids(_intro(slack, REPORT, message["ts"]))  # withdrawn again at this end


def test_a_dm_report_restricted_by_a_kind_correction_loses_its_kind_control(slack: SlackEnv) -> None:
    message, _ = slack.driver.post_message(STAFF, FLAMING, "D_STAFF", channel_type="im")
    [incident_id] = slack.incident_ids()
    intro = _intro(slack, "D_STAFF", message["ts"])
    assert "kind_select" in action_ids(intro)
    slack.driver.click(STAFF, intro, "kind_select", selected="leak")
    assert slack.runtime.triage.queries.view(incident_id, None).restricted
    intro = slack.fake.message("D_STAFF", intro["ts"])
    assert "kind_select" not in action_ids(intro), text_of(intro)
    assert "閲覧制限付きになったため、種別の訂正は" in text_of(intro)
