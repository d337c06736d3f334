"""Session 9 Slack walk (docs/qa/session9_walk_slack.md): findings in the Slack adapter, left to its owners."""

from __future__ import annotations

import pytest
from conftest import REPORT, STAFF, SlackEnv
from slack_driver import pending_step

URL = "https://x.com/iwaki_city_fake/status/1860000000001"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"


@pytest.mark.xfail(strict=True, reason="bot/adapters/slack/render.py step_modal fills an input from step.answers only, "
                   "never from InputSpec.value (what the report already told); owner s9-cpu")
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
