"""Slack's rules: signatures, retries after 429, escaping, Block Kit limits, errors told in plain Japanese."""

from __future__ import annotations

import json
import logging
import time

import pytest
from conftest import OTHER, PR, PR_CHANNEL, REPORT, SECRET, STAFF, SlackEnv
from slack_bolt import BoltRequest
from slack_driver import action_ids, blocks_of, text_of
from slack_signing import event_request, signed_headers

from bot.adapters.slack.render import Renderer, decode_metadata, encode_metadata
from bot.adapters.slack.text import escape, slack_to_plain, split_text
from bot.ports import DraftView, Notification, StepView

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"


def _dispatch(slack: SlackEnv, body: str, headers: dict[str, str]) -> int:
    status = slack.adapter.app.dispatch(BoltRequest(body=body, headers=headers)).status
    slack.executor.drain()
    return status


def _report_event(slack: SlackEnv, text: str = FLAMING) -> dict[str, str]:
    message = slack.fake.add_message(REPORT, text, STAFF)
    return {"type": "message", "channel": REPORT, "user": STAFF, "text": text, "ts": message["ts"],
            "channel_type": "channel"}


def test_bad_signature_and_stale_timestamp_get_401(slack: SlackEnv, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="slack_bolt")
    body, headers = event_request(SECRET, _report_event(slack), "EvSIG")
    forged = {**headers, "x-slack-signature": "v0=" + "0" * 64}
    assert _dispatch(slack, body, forged) == 401
    wrong_key = signed_headers("another-secret", body)
    assert _dispatch(slack, body, wrong_key) == 401
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 10 * 60)
    assert _dispatch(slack, body, stale) == 401
    assert slack.incident_ids() == [] and not slack.fake.calls_to("chat.postMessage")
    refused = [r.getMessage() for r in caplog.records if "slack.request_rejected" in r.getMessage()]
    assert len(refused) == 3 and all("炎上" not in line for line in refused)  # the gate's lines, without the text
    assert _dispatch(slack, body, headers) == 200  # the same request, properly signed, goes through
    assert len(slack.incident_ids()) == 1


def test_url_verification_is_answered(slack: SlackEnv) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "legacy"})
    response = slack.adapter.app.dispatch(BoltRequest(body=body, headers=signed_headers(SECRET, body)))
    assert response.status == 200 and "c-123" in response.body


def test_429_on_post_message_is_retried_after_retry_after(slack: SlackEnv) -> None:
    slack.fake.rate_limit("chat.postMessage", times=1)
    started = time.monotonic()
    message, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    elapsed = time.monotonic() - started
    attempts = slack.fake.calls_to("chat.postMessage", ok_only=False)
    assert attempts[0].status == 429 and attempts[1].status == 200
    assert attempts[1].args == attempts[0].args  # the same message, sent again
    assert attempts[1].at - attempts[0].at >= 1.0  # Retry-After: 1 was respected
    assert elapsed >= 1.0
    assert len(slack.fake.thread_messages(REPORT, message["ts"])) == 2  # intro + step, each exactly once
    assert len(slack.fake.channel_messages(PR_CHANNEL)) == 1


def test_mentions_in_reports_ping_nobody_and_templates_are_not_evaluated(slack: SlackEnv) -> None:
    # What Slack sends when a user writes @channel, mentions a colleague, and types "<!here>" and Jinja literally.
    # A whole report around them: 「炎上しています」 alone among the markup is only asked about (session 17's model).
    text = ("<!channel> <@U_OTHER> 市の公式Xの投稿が炎上しています &lt;!here&gt; {{ 7*7 }} {% for x in y %} & "
            "<https://x.com/asahikawa_fake/status/77|x.com/asahikawa_fake/status/77>")
    message, _ = slack.driver.post_message(STAFF, text, REPORT)
    [incident_id] = slack.incident_ids()
    stored = slack.runtime.triage.queries.view(incident_id, None)
    assert stored.text is not None and "@channel" in stored.text and "<!here>" in stored.text
    assert stored.source_url == "https://x.com/asahikawa_fake/status/77"
    sent = slack.fake.outgoing_text()
    for ping in ("<!channel>", "<!here>", "<@U_OTHER>", "<!everyone>"):
        assert ping not in sent
    [pr_message] = slack.fake.channel_messages(PR_CHANNEL)
    assert "&lt;!here&gt;" in text_of(pr_message) and "&amp;" in text_of(pr_message)
    assert "{{ 7*7 }}" in text_of(pr_message) and "49" not in text_of(pr_message)


def test_long_reports_are_split_into_sections_and_cut_with_a_link(slack: SlackEnv) -> None:
    long_text = FLAMING + "\n" + ("批判が続いています。" * 400 + "\n") * 12  # ~48,000 characters, core keeps 40,000
    slack.driver.post_message(STAFF, long_text, REPORT)
    [pr_message] = slack.fake.channel_messages(PR_CHANNEL)
    blocks = blocks_of(pr_message)
    assert len(blocks) <= 50
    sections = [b for b in blocks if b["type"] == "section" and b.get("block_id") != "renotice"]  # the next level
    assert len(sections) == 5 and all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert "省略しました" in text_of(pr_message)  # the cut is said, not silent
    assert action_ids(pr_message) == ["acknowledge"]  # the button survives the cut
    assert len(pr_message["text"]) <= 3000


def test_renderer_limits_on_huge_steps_and_metadata(slack: SlackEnv) -> None:
    renderer: Renderer = slack.adapter.render
    draft = DraftView("d", "訂正文", "&<>" * 5000)
    step = StepView(incident_id=1, step_id="s", index=1, total=1, title="長い手順" * 100, instructions="説明。" * 9000,
                    citations=("7(1)",) * 2000, drafts=(draft,) * 30)
    rendered = renderer.step(step, "flaming")
    blocks = [b.to_dict() for b in rendered.blocks]
    assert len(blocks) <= 50 and blocks[-1]["type"] == "actions"
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= 3000
        assert "&<" not in text  # never cut inside or before an entity unescaped
    assert all(block.get("type") != "context" or len(block["elements"][0]["text"]) <= 3000 for block in blocks)
    # Splitting never cuts an entity in half.
    for chunk in split_text(escape("a" * 2998 + "<<<<"), 3000):
        assert not chunk.endswith(("&", "&l", "&lt")) and len(chunk) <= 3000
    meta = {"c": "C1", "ts": "1.2", "p": "https://x/" + "p" * 4000, "k": "t"}
    encoded = encode_metadata(meta)
    assert len(encoded) <= 3000 and decode_metadata(encoded) == {"c": "C1", "ts": "1.2", "k": "t"}
    view = renderer.step_modal(step, {"i": 1}).to_dict()
    assert len(view["title"]["text"]) <= 24 and len(view["blocks"]) <= 100


def test_notification_without_button_and_mentions(slack: SlackEnv) -> None:
    renderer = slack.adapter.render
    note = Notification(1, "pr_section", 2, "広報広聴課", "U_HEAD", "題 <@U_X>", "本文 <!channel>",
                        acknowledgeable=False)
    rendered = renderer.notification(note, None)
    payload = json.dumps(rendered.payload(), ensure_ascii=False)
    assert "<@U_HEAD>" in payload and "<@U_X>" not in payload and "<!channel>" not in payload
    assert "acknowledge" not in payload and "リンクを取得できませんでした" in payload


def test_slack_markup_to_plain() -> None:
    assert slack_to_plain("<@U1|bob> <#C1|general> <!subteam^S1|@pr> <mailto:a@b.jp|a@b.jp> &lt;b&gt; &amp;") \
        == "@bob #general @pr a@b.jp <b> &"
    assert slack_to_plain("<!date^1392734382^{date}|Feb 18> <https://a.jp/x>") == "Feb 18 https://a.jp/x"


@pytest.mark.expected_errors
def test_web_api_errors_are_told_in_plain_japanese_and_logged(slack: SlackEnv,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    slack.fake.fail("chat.postMessage", "not_in_channel")  # the first post (intro) fails
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    [told] = slack.fake.calls_to("chat.postEphemeral", user=STAFF)
    assert "Slack での処理に失敗しました" in told.args["text"]
    assert "ボットがチャンネルに参加していません" in told.args["text"]
    logged = [r.getMessage() for r in caplog.records if "slack.api_error" in r.getMessage()]
    assert logged and f"incident_id={incident_id}" in logged[0] and "not_in_channel" in logged[0]
    assert FLAMING[:8] not in " ".join(r.getMessage() for r in caplog.records)  # report text never logged
    assert len(slack.fake.channel_messages(PR_CHANNEL)) == 1  # the other side effects still happened
    failures = [e for e in slack.runtime.triage.queries.timeline(incident_id, None) if e.type == "delivery_failed"]
    assert failures and failures[0].data["error"] == "not_in_channel" and failures[0].data["platform"] == "slack"


@pytest.mark.expected_errors
def test_failed_acknowledgement_update_is_told(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [pr_message] = slack.fake.channel_messages(PR_CHANNEL)
    slack.fake.fail("chat.update", "message_not_found")
    slack.driver.click(PR, pr_message, "acknowledge")
    told = slack.fake.calls_to("chat.postEphemeral", user=PR)[-1]
    assert "対象のメッセージが見つかりません" in told.args["text"]
    assert slack.runtime.triage.queries.view(slack.incident_ids()[0], None).acknowledged_by == "広報 太郎"


def test_display_name_falls_back_when_users_info_fails(slack: SlackEnv) -> None:
    slack.fake.fail("users.info", "missing_scope")
    slack.driver.post_message(OTHER, FLAMING, REPORT)
    view = slack.runtime.triage.queries.view(slack.incident_ids()[0], None)
    assert view.reporter_id == f"slack:{OTHER}"
