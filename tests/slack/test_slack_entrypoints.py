"""Every way into the same intake: slash command, message shortcut, direct message, @mention."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from conftest import ELSEWHERE, PR_CHANNEL, REPORT, STAFF, SlackEnv
from fake_slack import BOT_USER
from slack_driver import action_ids, pending_step, text_of, walk_steps

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/5"
LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです"


def _responses(slack: SlackEnv) -> list[dict[str, Any]]:
    return [c.args for c in slack.fake.calls_to("response_url")]


def test_slash_command_help(slack: SlackEnv) -> None:
    response = slack.driver.slash(STAFF, "help", ELSEWHERE)
    assert response.status == 200
    [answer] = _responses(slack)
    assert answer["response_type"] == "ephemeral" and "/incident 報告内容" in answer["text"]
    assert ":pushpin:" in answer["text"]
    slack.driver.slash(STAFF, "", ELSEWHERE)
    assert len(_responses(slack)) == 2 and slack.incident_ids() == []


def test_slash_command_report_in_a_report_channel_opens_a_thread_there(slack: SlackEnv) -> None:
    fake = slack.fake
    slack.driver.slash(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    [anchor] = fake.channel_messages(REPORT)
    assert "INC-0001" in anchor["text"] and "山田 花子" in anchor["text"] and FLAMING[:10] not in text_of(anchor)
    step = pending_step(fake, REPORT, anchor["ts"])
    assert step is not None and "【手順 1/" in text_of(step)
    [pr_message] = fake.channel_messages(PR_CHANNEL)
    assert anchor["ts"].replace(".", "") in text_of(pr_message)
    [answer] = _responses(slack)
    assert "INC-0001 を受け付けました" in answer["text"] and anchor["ts"].replace(".", "") in answer["text"]
    assert slack.runtime.triage.queries.by_conversation("slack", REPORT, anchor["ts"]) == incident_id
    walk_steps(slack.driver, STAFF, REPORT, anchor["ts"])
    # Nobody in PR acknowledged it: its reporter finished every step, but does not end it alone.
    assert slack.runtime.triage.queries.view(incident_id, None).status == "responding"


def test_slash_command_leak_goes_to_the_reporters_dm(slack: SlackEnv) -> None:
    fake = slack.fake
    slack.driver.slash(STAFF, LEAK, REPORT)
    assert fake.channel_messages(REPORT) == []  # nothing of a restricted report in a shared channel
    [anchor] = fake.channel_messages("D_STAFF")
    assert pending_step(fake, "D_STAFF", anchor["ts"]) is not None
    [pr_message] = fake.channel_messages(PR_CHANNEL)
    assert "住所" not in text_of(pr_message)


def test_slash_command_chatter_is_asked_in_the_form_with_its_text(slack: SlackEnv) -> None:
    """Was answered with 「…もう一度送ってください」 (the text to be retyped); a report by act now gets the report
    form, its text filled in and the kind asked, seen only by the sender."""
    slack.driver.slash(STAFF, "テストです", ELSEWHERE)
    assert _responses(slack) == [] and slack.incident_ids() == []
    view = slack.fake.views[-1]
    assert view["callback_id"] == "report_submit"
    assert "どの種別として報告しますか" in json.dumps(view, ensure_ascii=False)
    text_block = next(b for b in view["blocks"] if b.get("block_id") == "report_text")
    assert text_block["element"]["initial_value"] == "テストです"


def test_slash_command_is_configurable(slack_factory: Callable[..., SlackEnv]) -> None:
    slack = slack_factory(slash_command="/enjo")
    assert slack.driver.slash(STAFF, "help", ELSEWHERE, command="/enjo").status == 200
    assert "/enjo" in _responses(slack)[0]["text"]


def test_message_shortcut_prefills_and_reports(slack: SlackEnv) -> None:
    fake = slack.fake
    original = fake.add_message(ELSEWHERE, "<!here> 市の公式Xの投稿が炎上しています、苦情が殺到 "
                                "<https://x.com/asahikawa_fake/status/9>", "U_SOMEONE")
    response = slack.driver.shortcut(STAFF, original)
    assert response.status == 200
    [view] = fake.views
    assert view["callback_id"] == "report_submit" and len(view["title"]["text"]) <= 24
    text_block = next(b for b in view["blocks"] if b.get("block_id") == "report_text")
    assert text_block["element"]["initial_value"].startswith("@here 市の公式X")  # pre-filled, as plain text
    assert "https://x.com/asahikawa_fake/status/9" in text_block["element"]["initial_value"]
    permalink = f"https://fake.slack.test/archives/{ELSEWHERE}/p{original['ts'].replace('.', '')}"
    assert permalink in json.dumps(view["blocks"]) and len(view["private_metadata"]) <= 3000
    response = slack.driver.submit_view(STAFF, view, {"report_text": text_block["element"]["initial_value"]})
    assert response.status == 200 and not response.body
    [incident_id] = slack.incident_ids()
    # Not a report channel: the thread is opened in the reporter's DM with the bot, the PR section is told.
    [anchor] = fake.channel_messages("D_STAFF")
    assert pending_step(fake, "D_STAFF", anchor["ts"]) is not None
    assert len(fake.channel_messages(PR_CHANNEL)) == 1
    timeline = slack.runtime.triage.queries.timeline(incident_id, None)
    assert any(e.type == "note" and e.data.get("link") == permalink for e in timeline)
    # Submitting the same modal again (a retry) creates nothing new.
    slack.driver.submit_view(STAFF, view, {"report_text": "もう一度"})
    assert len(slack.incident_ids()) == 1 and len(fake.channel_messages(PR_CHANNEL)) == 1


def test_message_shortcut_in_a_report_channel_threads_under_the_message(slack: SlackEnv) -> None:
    fake = slack.fake
    original = fake.add_message(REPORT, "これ大丈夫？ https://x.com/asahikawa_fake/status/11", "U_SOMEONE")
    slack.driver.shortcut(STAFF, original)
    response = slack.driver.submit_view(STAFF, fake.views[-1], {"report_text": "なりすましアカウントが見つかりました",
                                                                "report_kind": "impersonation"})
    assert response.status == 200
    [incident_id] = slack.incident_ids()
    assert slack.runtime.triage.queries.view(incident_id, None).kind == "impersonation"
    assert pending_step(fake, REPORT, original["ts"]) is not None


def test_message_shortcut_chatter_keeps_the_modal_open(slack: SlackEnv) -> None:
    original = slack.fake.add_message(ELSEWHERE, "お昼どこ行きます？", "U_SOMEONE")
    slack.driver.shortcut(STAFF, original)
    response = slack.driver.submit_view(STAFF, slack.fake.views[-1], {"report_text": "お昼どこ行きます？"})
    answer = response.json()
    # a report by act: the kind is asked, not whether it is a report (the form keeps the text)
    assert answer["response_action"] == "errors" and "種別を選んでから" in answer["errors"]["report_text"]
    assert slack.incident_ids() == []


def test_direct_message_is_a_report(slack: SlackEnv) -> None:
    message, _ = slack.driver.post_message(STAFF, FLAMING, "D_STAFF", channel_type="im")
    assert len(slack.incident_ids()) == 1
    assert pending_step(slack.fake, "D_STAFF", message["ts"]) is not None
    slack.driver.post_message(STAFF, "ありがとうございます", "D_STAFF", channel_type="im")
    told = slack.fake.calls_to("chat.postEphemeral", user=STAFF)[-1]  # her one open incident's news, new, or neither?
    assert "INC-0001 の続報として記録しますか、新しい報告ですか" in told.args["text"]  # s21 #5 (was: 報告しますか)
    assert len(slack.incident_ids()) == 1


def test_mention_outside_report_channels_is_a_report(slack: SlackEnv) -> None:
    fake = slack.fake
    text = f"<@{BOT_USER}> {FLAMING}"
    message = fake.add_message(ELSEWHERE, text, STAFF)
    slack.driver.event({"type": "app_mention", "channel": ELSEWHERE, "user": STAFF, "text": text,
                        "ts": message["ts"], "event_ts": message["ts"]})
    [incident_id] = slack.incident_ids()
    assert BOT_USER not in (slack.runtime.triage.queries.view(incident_id, None).text or "")
    step = pending_step(fake, ELSEWHERE, message["ts"])
    assert step is not None and "step_skip" in action_ids(step)


def test_mention_in_a_report_channel_is_handled_once(slack: SlackEnv) -> None:
    text = f"<@{BOT_USER}> {FLAMING}"
    message, _ = slack.driver.post_message(STAFF, text, REPORT)  # the message event
    slack.driver.event({"type": "app_mention", "channel": REPORT, "user": STAFF, "text": text, "ts": message["ts"]})
    assert len(slack.incident_ids()) == 1
    assert len(slack.fake.channel_messages(PR_CHANNEL)) == 1


def test_replies_in_the_bots_dm_threads_are_not_reports(slack: SlackEnv) -> None:
    slack.driver.slash(STAFF, FLAMING, ELSEWHERE)
    [anchor] = slack.fake.channel_messages("D_STAFF")
    slack.driver.post_message(STAFF, "別の投稿も炎上しています https://x.com/asahikawa_fake/status/99", "D_STAFF",
                              channel_type="im", thread_ts=anchor["ts"])
    assert len(slack.incident_ids()) == 1
    assert not slack.fake.calls_to("chat.postEphemeral")


def test_restricted_incidents_notify_the_restricted_channel_when_configured(
        slack_factory: Callable[..., SlackEnv]) -> None:
    slack = slack_factory(restricted_channel="G_SECURITY")
    slack.driver.post_message(STAFF, LEAK, REPORT)
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [leak_note] = slack.fake.channel_messages("G_SECURITY")
    [flaming_note] = slack.fake.channel_messages(PR_CHANNEL)
    assert "情報漏えい" in leak_note["text"] and "炎上" in flaming_note["text"]
    assert "住所" not in text_of(leak_note)


def test_run_modes_refuse_to_start_without_their_secrets(slack: SlackEnv) -> None:
    import argparse
    import io

    from bot.adapters.slack import cli
    from bot.config import Secrets

    slack.runtime.settings = slack.runtime.settings.model_copy(update={"secrets": Secrets()})
    out = io.StringIO()
    assert cli.serve(slack.runtime, argparse.Namespace(host="127.0.0.1", port=0), out) == 2
    assert "SLACK_BOT_TOKEN" in out.getvalue() and "SLACK_SIGNING_SECRET" in out.getvalue()
    out = io.StringIO()
    assert cli.socket(slack.runtime, argparse.Namespace(), out) == 2
    assert "SLACK_APP_TOKEN" in out.getvalue()


def test_mention_inside_an_incident_thread_is_not_a_new_report(slack: SlackEnv) -> None:
    fake = slack.fake
    first = fake.add_message(ELSEWHERE, f"<@{BOT_USER}> {FLAMING}", STAFF)
    slack.driver.event({"type": "app_mention", "channel": ELSEWHERE, "user": STAFF, "text": first["text"],
                        "ts": first["ts"]})
    text = f"<@{BOT_USER}> なりすましアカウントも見つかりました https://x.com/fake_city"
    reply = fake.add_message(ELSEWHERE, text, STAFF, thread_ts=first["ts"])
    slack.driver.event({"type": "app_mention", "channel": ELSEWHERE, "user": STAFF, "text": text,
                        "ts": reply["ts"], "thread_ts": first["ts"]})
    assert len(slack.incident_ids()) == 1


def test_a_message_too_long_for_the_form_is_reported_whole(slack: SlackEnv) -> None:
    """A pasted 炎上 thread of 5,000 characters: the form's text field holds 3,000, so the shortcut pre-filled it cut
    and the report kept only what the field held; the rest was lost without a word."""
    tail = "末尾の連絡先: 広報広聴課 内線 1234"
    head = "市の公式Xの投稿が炎上しています https://x.com/asahikawa_fake/status/77 "
    long_text = head + "批判が続いています。" * 500 + tail
    original = slack.fake.add_message(ELSEWHERE, long_text, "U_SOMEONE")
    slack.driver.shortcut(STAFF, original)
    [view] = slack.fake.views
    shown = json.dumps(view, ensure_ascii=False)
    assert "全 " in shown and "全文を報告します" in shown and len(view["private_metadata"]) <= 3000
    assert all(b.get("block_id") != "report_text" for b in view["blocks"])  # nothing to edit and lose
    response = slack.driver.submit_view(STAFF, view, {"report_kind": "flaming"})
    assert response.status == 200 and not response.body
    [incident_id] = slack.incident_ids()
    assert slack.runtime.triage.queries.view(incident_id, None).text.endswith(tail)


def test_an_unsure_slash_report_too_long_for_the_form_is_reported_whole(slack: SlackEnv) -> None:
    """The same for /incident with a long text the classifier is unsure of: the kind asked in the form, the
    whole text reported."""
    long_text = "ちょっと気になる件です。" * 300 + "最後の一文"
    slack.driver.slash(STAFF, long_text, ELSEWHERE)
    view = slack.fake.views[-1]
    assert view["callback_id"] == "report_submit"
    assert "どの種別として報告しますか" in json.dumps(view, ensure_ascii=False)
    slack.driver.submit_view(STAFF, view, {"report_kind": "misinformation"})
    [incident_id] = slack.incident_ids()
    assert slack.runtime.triage.queries.view(incident_id, None).text == long_text
