"""A post URL corrected in step 1's modal on Slack: PR's notice, which PR acts on, shows it in the same message."""

from __future__ import annotations

from conftest import PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import answers_from_view, pending_step, text_of

URL = "https://x.com/iwaki_city_fake/status/1860000000088"
CORRECTED = "https://x.com/iwaki_city_fake/status/1869999999999"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"


def test_a_url_corrected_in_the_first_step_redraws_prs_notice_in_place(slack: SlackEnv) -> None:
    message, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [notice] = slack.fake.channel_messages(PR_CHANNEL)
    assert URL in text_of(notice)
    step = pending_step(slack.fake, REPORT, message["ts"])
    assert step is not None
    opened = len(slack.fake.views)
    slack.driver.click(STAFF, step, "step_input", until=lambda f: len(f.views) > opened)
    view = slack.fake.views[-1]
    slack.driver.submit_view(STAFF, view, {**answers_from_view(view), "in:post_url": CORRECTED},
                             until=lambda f: CORRECTED in text_of(f.message(PR_CHANNEL, notice["ts"])))
    redrawn = slack.fake.message(PR_CHANNEL, notice["ts"])
    assert f"投稿: {CORRECTED}" in text_of(redrawn) and f"変更前: {URL}" in text_of(redrawn)
    assert "ack" in [b.get("block_id") for b in redrawn["blocks"]]  # still to acknowledge, in the same message
    assert [m["ts"] for m in slack.fake.channel_messages(PR_CHANNEL)
            if "【炎上】" in text_of(m)] == [notice["ts"]]  # nothing posted anew
