"""End to end through the real Bolt app with signed requests: every incident kind from report to resolution."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import NAMES, OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from fake_slack import FakeSlack
from slack_driver import action_ids, pending_step, step_messages, text_of, walk_steps

from bot.clock import FixedClock
from bot.ports import Actor, ConversationRef, ReportInput

REPORTS = {
    "flaming": "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1",
    "impersonation": "市の公式アカウントを名乗るなりすましアカウントが見つかりました https://x.com/asahikawa_fak3",
    "misinformation": "市が給付金を配るというデマが拡散しています https://x.com/someone/status/2",
    "leak": "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです",
    "account_takeover": "市の公式Instagramアカウントが乗っ取られました。不正ログインされ、身に覚えのない投稿があります",
}


def reported(fake: FakeSlack, thread_ts: str, channel: str = REPORT) -> Callable[[FakeSlack], bool]:
    """The report's effects: intro and step 1 in the thread, one PR message."""
    return lambda f: len(f.thread_messages(channel, thread_ts)) >= 2 and len(f.channel_messages(PR_CHANNEL)) >= 1


# 旭川市 misinformation tells 広報広聴課 only when the post is 悪質 (7(3)イ): test_misinformation_waits_for_malicious.
@pytest.mark.parametrize("kind", [k for k in REPORTS if k != "misinformation"])
def test_every_kind_from_report_to_resolution(slack: SlackEnv, kind: str) -> None:
    fake, driver = slack.fake, slack.driver
    message, response = driver.post_message(STAFF, REPORTS[kind], REPORT)
    assert response.status == 200
    report_ts = message["ts"]
    [incident_id] = slack.incident_ids()
    view = slack.runtime.triage.queries.view(incident_id, None)
    assert view.kind == kind
    home, home_ts = REPORT, report_ts
    if kind == "leak":  # a restricted incident lives in the reporter's DM; the public thread gets one neutral line
        [line] = fake.thread_messages(REPORT, report_ts)
        assert line["text"] == "詳細は個別に案内します。"
        home = "D" + STAFF[1:]
        home_ts = fake.channel_messages(home)[0]["ts"]
        assert "個人情報が含まれている場合は" in fake.thread_messages(home, home_ts)[2]["text"]
    assert reported(fake, home_ts, home)(fake)

    # The thread: what was received with the kind correction control, then step 1 with its buttons.
    intro, step1 = fake.thread_messages(home, home_ts)[:2]
    # A leak's intro offers its reporter no kind control (they may not correct it: plan.intro).
    assert ("kind_select" in action_ids(intro)) != view.restricted and view.ref in text_of(intro)
    assert "【手順 1/" in text_of(step1)
    assert {"step_skip"} <= set(action_ids(step1)) and ({"step_done", "step_input"} & set(action_ids(step1)))
    assert "根拠" in text_of(step1)  # the clause the step comes from

    # The PR section: one message with kind, severity, the reporter, a thread link and the acknowledge button.
    [pr_message] = fake.channel_messages(PR_CHANNEL)
    pr_text = text_of(pr_message)
    assert view.kind_label in pr_text and view.severity_label in pr_text and NAMES[STAFF] in pr_text
    if home.startswith("D"):  # a leak lives in the reporter's DM, which PR cannot open: said in words, no link
        assert "報告者とボットの DM で案内しています" in pr_text and "/archives/D" not in pr_text
    else:
        assert f"https://fake.slack.test/archives/{home}/p{home_ts.replace('.', '')}" in pr_text
    assert "<!subteam^S_PR>" in pr_text  # the level's configured mention
    assert action_ids(pr_message) == ["acknowledge"]
    if kind == "leak":
        assert view.restricted and "住所" not in pr_text and "個人情報" not in pr_text
    else:
        assert REPORTS[kind][:10] in pr_text

    # A colleague outside the PR section cannot acknowledge: told privately, the attempt on the timeline.
    driver.click(OTHER, pr_message, "acknowledge", until=lambda f: bool(f.calls_to("chat.postEphemeral", user=OTHER)))
    [refusal] = fake.calls_to("chat.postEphemeral", user=OTHER)
    assert "広報広聴課として登録された職員だけ" in refusal.args["text"]
    assert slack.events(incident_id)[-1] == "access_denied"
    assert action_ids(fake.message(PR_CHANNEL, pr_message["ts"])) == ["acknowledge"]

    # A PR member acknowledges: the PR message shows who and when instead of the button; the reporter is told.
    driver.click(PR, pr_message, "acknowledge")
    updated = fake.message(PR_CHANNEL, pr_message["ts"])
    assert action_ids(updated) == [] and "広報 太郎 さんが確認しました（2026年11月18日（水）10:00）" in text_of(updated)
    told = fake.thread_messages(home, home_ts)[-1]
    assert told["text"].startswith(f"<@{STAFF}>") and "広報 太郎" in told["text"]
    assert len(fake.channel_messages(PR_CHANNEL)) == 1

    # The steps, each finished in place (inputs through the modal), until the incident is resolved.
    headings = walk_steps(driver, STAFF, home, home_ts)
    assert len(headings) >= 3
    final = slack.runtime.triage.queries.view(incident_id, None)
    # A leak is ended by PR or security, never by its reporter (bot/triage/access.py).
    assert final.status == ("responding" if kind == "leak" else "resolved")
    steps = step_messages(fake, home, home_ts)
    assert len(steps) == len(headings)  # one message per step, nothing re-posted
    assert all("✅ 完了" in text_of(m) and not action_ids(m) for m in steps)
    assert pending_step(fake, home, home_ts) is None
    closing = [m["text"] for m in fake.thread_messages(home, home_ts)[-2:]]
    assert any("すべての手順が終わりました" in text for text in closing)
    if final.status == "resolved":  # then the invitation to record 原因・再発防止策 (tests/slack/test_slack_records.py)
        assert "records_review" in action_ids(fake.thread_messages(home, home_ts)[-1])
    if kind == "leak":
        assert len(fake.thread_messages(REPORT, report_ts)) == 1  # nothing else ever reached the public thread
    if any(b.get("type") == "input" for v in fake.views for b in v.get("blocks", [])):
        assert fake.calls_to("views.open")  # the inputs went through the modal
    events = slack.events(incident_id)
    assert events.count("step_completed") == len(headings) and "acknowledged" in events


def test_retried_delivery_creates_nothing_twice(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, REPORTS["flaming"], REPORT, event_id="EvRETRY1")
    posted = len(fake.calls_to("chat.postMessage"))
    event = {"type": "message", "channel": REPORT, "user": STAFF, "text": REPORTS["flaming"], "ts": message["ts"],
             "channel_type": "channel"}
    for attempt in (1, 2, 3):
        response = driver.event(event, event_id="EvRETRY1", retry_num=attempt)
        assert response.status == 200
    assert len(slack.incident_ids()) == 1
    assert len(fake.calls_to("chat.postMessage")) == posted
    assert len(fake.channel_messages(PR_CHANNEL)) == 1
    assert slack.events(slack.incident_ids()[0]).count("reported") == 1


def test_misinformation_waits_for_malicious(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    message, response = driver.post_message(STAFF, REPORTS["misinformation"], REPORT)
    assert response.status == 200
    intro = fake.thread_messages(REPORT, message["ts"])[0]
    assert "「悪質な場合」に行う" in text_of(intro)
    assert fake.channel_messages(PR_CHANNEL) == []


def test_retry_reaching_another_instance_creates_nothing_twice(slack_factory: Callable[..., SlackEnv]) -> None:
    first, second = slack_factory(), slack_factory()  # two instances, one database
    message, _ = first.driver.post_message(STAFF, REPORTS["impersonation"], REPORT, event_id="EvTWICE")
    event = {"type": "message", "channel": REPORT, "user": STAFF, "text": REPORTS["impersonation"],
             "ts": message["ts"], "channel_type": "channel"}
    second.driver.event(event, event_id="EvTWICE", retry_num=1)
    assert len(first.incident_ids()) == 1
    assert len(first.fake.channel_messages(PR_CHANNEL)) == 1
    assert len(step_messages(first.fake, REPORT, message["ts"])) == 1


def test_reports_of_the_same_post_are_one_incident_and_one_pr_message(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    first, _ = driver.post_message(STAFF, REPORTS["flaming"], REPORT)
    for user in (OTHER, PR):
        driver.post_message(user, "この投稿が炎上しています https://twitter.com/asahikawa_fake/status/1?s=20", REPORT)
    assert len(slack.incident_ids()) == 1
    assert len(fake.channel_messages(PR_CHANNEL)) == 1
    later = [m for m in fake.channel_messages(REPORT) if m["ts"] != first["ts"]]
    for message in later:  # each later report: no public reply, a note only its reporter sees, with a link
        assert fake.thread_messages(REPORT, message["ts"]) == []
        [note] = fake.calls_to("chat.postEphemeral", user=message["user"])
        assert note.args["thread_ts"] == message["ts"] and "にまとめました" in note.args["text"]
        assert first["ts"].replace(".", "") in str(note.args["blocks"])
    # One count message in the first report's thread, updated in place.
    [count] = [m for m in fake.thread_messages(REPORT, first["ts"]) if "件の報告をまとめました" in m["text"]]
    assert "2 件の報告をまとめました" in count["text"]


def test_chatter_in_a_report_channel_gets_no_reply(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, "おはようございます。今日の会議は10時からです", REPORT)
    assert slack.incident_ids() == []
    assert not slack.fake.calls_to("chat.postMessage") and not slack.fake.calls_to("chat.postEphemeral")


def test_a_report_made_as_a_reply_in_a_report_channel_is_not_dropped(slack: SlackEnv) -> None:
    """A report posted under a colleague's message (not an incident's thread) is read like a new post, and its
    incident is worked in that thread; a reply inside the incident's own thread stays conversation."""
    driver, fake = slack.driver, slack.fake
    parent, _ = driver.post_message(STAFF, "今日の監視当番は山田です。気づいたことはこのスレッドへ", REPORT)
    driver.post_message(STAFF, REPORTS["flaming"], REPORT, thread_ts=parent["ts"])
    [incident_id] = slack.incident_ids()
    assert pending_step(fake, REPORT, parent["ts"]) is not None  # the playbook runs in that thread
    driver.post_message(STAFF, REPORTS["impersonation"], REPORT, thread_ts=parent["ts"])
    assert slack.incident_ids() == [incident_id]
    driver.post_message(STAFF, "了解です。ありがとうございます", REPORT, thread_ts=driver.post_message(
        STAFF, "資料は共有フォルダに置きました", REPORT)[0]["ts"])
    assert slack.incident_ids() == [incident_id]


def test_bot_messages_edits_and_other_channels_are_not_reports(slack: SlackEnv) -> None:
    driver = slack.driver
    driver.post_message(STAFF, REPORTS["flaming"], "C_RANDOM")
    driver.event({"type": "message", "subtype": "bot_message", "bot_id": "B_OTHER", "channel": REPORT,
                  "text": REPORTS["flaming"], "ts": slack.fake.new_ts()})
    driver.event({"type": "message", "subtype": "message_changed", "channel": REPORT, "ts": slack.fake.new_ts(),
                  "message": {"text": REPORTS["flaming"], "user": STAFF}})
    assert slack.incident_ids() == []


def test_kind_correction_switches_playbook_in_the_thread(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, REPORTS["flaming"], REPORT)
    intro, old_step = fake.thread_messages(REPORT, message["ts"])[:2]
    driver.click(STAFF, intro, "kind_select", selected="misinformation")
    [incident_id] = slack.incident_ids()
    assert slack.runtime.triage.queries.view(incident_id, None).kind == "misinformation"
    assert "使われなくなりました" in text_of(fake.message(REPORT, old_step["ts"]))
    assert not action_ids(fake.message(REPORT, old_step["ts"]))
    current = pending_step(fake, REPORT, message["ts"])
    assert current is not None and "【手順 1/" in text_of(current) and current["ts"] != old_step["ts"]
    # A stale button of the old playbook does nothing but say so.
    driver.click(STAFF, old_step, "step_skip")
    assert "種別の訂正前" in fake.calls_to("chat.postEphemeral", user=STAFF)[-1].args["text"]
    assert slack.events(incident_id).count("step_skipped") == 0
    # PR takes it back to the first kind: its step is shown again (a new message), then finished in place.
    driver.click(PR, intro, "kind_select", selected="flaming")
    again = pending_step(fake, REPORT, message["ts"])
    assert again is not None and again["ts"] not in (old_step["ts"], current["ts"])
    driver.click(STAFF, again, "step_skip")
    assert "スキップ" in text_of(fake.message(REPORT, again["ts"]))
    assert not action_ids(fake.message(REPORT, again["ts"]))


def test_kind_correction_to_leak_redacts_and_moves_the_conversation_private(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, REPORTS["flaming"], REPORT)
    intro, old_step = fake.thread_messages(REPORT, message["ts"])[:2]
    before = len(fake.calls)
    driver.click(PR, intro, "kind_select", selected="leak")
    [incident_id] = slack.incident_ids()
    view = slack.runtime.triage.queries.view(incident_id, None)
    assert view.kind == "leak" and view.restricted
    # The PR message no longer shows the report text, and was rewritten before anything else happened.
    [pr_message] = fake.channel_messages(PR_CHANNEL)
    assert "批判のリプライ" not in text_of(pr_message) and "報告内容の表示を取り消しました" in text_of(pr_message)
    first_change = next(c for c in fake.calls[before:] if c.method in ("chat.update", "chat.postMessage"))
    assert first_change.method == "chat.update" and first_change.args["ts"] == pr_message["ts"]
    # Every message the bot had posted in the public thread now says only the neutral line.
    public = fake.thread_messages(REPORT, message["ts"])
    assert {m["text"] for m in public} == {"詳細は個別に案内します。"} and not any(action_ids(m) for m in public)
    # The conversation continues in the reporter's DM: advice on their own public message, the kind control, step 1.
    home = "D" + STAFF[1:]
    [anchor] = fake.channel_messages(home)
    texts = [m["text"] for m in fake.thread_messages(home, anchor["ts"])]
    assert "個人情報が含まれている場合は" in texts[0]
    step = pending_step(fake, home, anchor["ts"])
    assert step is not None and "【手順 1/" in text_of(step)
    assert not any("kind_select" in action_ids(m) for m in fake.thread_messages(home, anchor["ts"]))  # a leak's
    # A stale button of the old playbook does nothing but say so.
    driver.click(STAFF, old_step, "step_skip")
    assert "種別の訂正前" in fake.calls_to("chat.postEphemeral", user=STAFF)[-1].args["text"]


def test_double_click_on_a_step_changes_nothing_twice(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, REPORTS["impersonation"], REPORT)
    step = pending_step(fake, REPORT, message["ts"])
    assert step is not None
    driver.click(STAFF, step, "step_skip")
    posted = len(fake.calls_to("chat.postMessage"))
    driver.click(STAFF, step, "step_skip")
    assert len(fake.calls_to("chat.postMessage")) == posted
    assert "既に反映" in fake.calls_to("chat.postEphemeral", user=STAFF)[-1].args["text"]


def test_modal_errors_come_back_into_the_modal(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, REPORTS["misinformation"], REPORT)
    step = pending_step(fake, REPORT, message["ts"])
    assert step is not None and "step_done" not in action_ids(step)  # required inputs: only via the modal
    driver.click(STAFF, step, "step_input")
    view = fake.views[-1]
    assert view["callback_id"] == "step_submit" and len(view["title"]["text"]) <= 24
    url_block = next(b["block_id"] for b in view["blocks"] if b.get("element", {}).get("type") == "url_text_input")
    response = driver.submit_view(STAFF, view, {url_block: "ftp://nope"})
    answer = response.json()
    assert answer["response_action"] == "errors", answer
    assert "http://" in answer["errors"][url_block]  # the core's message, on the field it is about
    assert any("必須" in text for block, text in answer["errors"].items() if block != url_block)
    assert "✅" not in text_of(fake.message(REPORT, step["ts"]))
    [incident_id] = slack.incident_ids()
    assert "step_completed" not in slack.events(incident_id)


def test_posts_are_claimed_so_a_second_delivery_posts_nothing(slack: SlackEnv) -> None:
    """Even if the same outcome were rendered twice (two instances racing), each message is posted once."""
    fake = slack.fake
    message = fake.add_message(REPORT, REPORTS["flaming"], STAFF)
    reporter = Actor(STAFF, "山田 花子", "slack")
    outcome = slack.runtime.triage.incidents.report(ReportInput(
        REPORTS["flaming"], reporter, conversation=ConversationRef("slack", REPORT, message["ts"])))
    origin = slack.adapter.reports.message_origin({"type": "message", "channel": REPORT, "user": STAFF,
                                                    "ts": message["ts"], "channel_type": "channel"})
    assert origin is not None
    for _ in range(2):
        slack.adapter.reports.show_report(outcome, origin, reporter)
        slack.executor.drain()
    assert len(fake.thread_messages(REPORT, message["ts"])) == 2  # intro and step 1, once each
    assert len(fake.channel_messages(PR_CHANNEL)) == 1


@pytest.mark.parametrize("where", ["channel", "dm"])
def test_a_new_report_commits_twice(slack: SlackEnv, where: str) -> None:
    """The use case with its plan's claims in one transaction, then what was posted (issue 12: ≤ 4)."""
    from sqlalchemy import event

    fake, driver = slack.fake, slack.driver
    driver.post_message(STAFF, "おはようございます", REPORT)  # warm: the reporter's name looked up once
    commits: list[int] = []
    event.listen(slack.runtime.engine, "commit", lambda conn: commits.append(1))
    channel = REPORT if where == "channel" else "D" + STAFF[1:]
    message, _ = driver.post_message(STAFF, REPORTS["flaming"], channel, channel_type="channel" if where ==
                                     "channel" else "im")
    assert reported(fake, message["ts"], channel)(fake)
    assert len(commits) == 2, commits


def test_a_merge_and_its_redelivery_commit_once(slack: SlackEnv) -> None:
    """A merge: the use case with its plan's claims and count in one transaction (the count message exists);
    Slack's redelivery of it: one transaction too, nothing posted twice."""
    from sqlalchemy import event

    fake, driver = slack.fake, slack.driver
    first, _ = driver.post_message(STAFF, REPORTS["flaming"], REPORT)
    driver.post_message(OTHER, "この投稿が炎上しています https://x.com/asahikawa_fake/status/1", REPORT)
    commits: list[int] = []
    event.listen(slack.runtime.engine, "commit", lambda conn: commits.append(1))
    driver.post_message(PR, "炎上しています https://x.com/asahikawa_fake/status/1", REPORT, event_id="Ev-merge")
    assert len(commits) == 1, commits
    [count] = [m for m in fake.thread_messages(REPORT, first["ts"]) if "件の報告をまとめました" in m["text"]]
    assert "2 件の報告をまとめました" in count["text"]
    posts = len(fake.calls_to("chat.postMessage"))
    commits.clear()
    driver.post_message(PR, "炎上しています https://x.com/asahikawa_fake/status/1", REPORT, event_id="Ev-merge")
    assert len(commits) == 1 and len(fake.calls_to("chat.postMessage")) == posts and len(slack.incident_ids()) == 1


def test_a_follow_up_in_the_report_channel_joins_the_incident_it_names(slack: SlackEnv) -> None:
    """「INC-0001 なりすましアカウント、凍結されました」 posted top-level in the report channel: it opened INC-0002
    with a thread, a PR message and a step; now it is recorded on INC-0001 as a 続報 and PR told of it as such
    (walk s17 #9: not 「同じ投稿について 1 件の報告をまとめました」)."""
    fake, driver = slack.fake, slack.driver
    first, _ = driver.post_message(STAFF, REPORTS["impersonation"], REPORT)
    [incident_id] = slack.incident_ids()
    pr_posts = len(fake.channel_messages(PR_CHANNEL))
    update, _ = driver.post_message(OTHER, "INC-0001 なりすましアカウント、凍結されました", REPORT)
    assert slack.incident_ids() == [incident_id] and len(fake.channel_messages(PR_CHANNEL)) == pr_posts + 1
    assert len(fake.channel_messages(REPORT)) == 2  # the report and the update: no anchor of a second incident
    [told] = [c.args for c in fake.calls_to("chat.postEphemeral") if "続報として記録し" in str(c.args.get("text"))]
    assert told["user"] == OTHER
    timeline = slack.runtime.triage.queries.timeline(incident_id, None)
    assert any(e.type == "followup" and e.data.get("text") == "INC-0001 なりすましアカウント、凍結されました"
               for e in timeline)


def test_a_renotice_redacted_by_a_kind_correction_keeps_its_own_title(slack: SlackEnv, clock: FixedClock) -> None:
    """The 【上位への通知】 message, redrawn without the report's details after a correction to 情報漏えい, was titled
    as the first notice (walk s18 #10, Slack): it no longer said it was the re-notice."""
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, REPORTS["flaming"], REPORT)
    clock.advance(minutes=31)
    assert slack.runtime.triage.escalations.fire_due(slack.adapter.deliver_notification, "w1") == 1

    def title(posted: dict[str, Any]) -> str:
        [block] = [b for b in fake.message(PR_CHANNEL, posted["ts"])["blocks"] if b.get("block_id") == "title"]
        return str(block["text"]["text"])

    first, renotice = fake.channel_messages(PR_CHANNEL)
    assert "【上位への通知" in title(renotice) and "【上位への通知" not in title(first)
    driver.click(PR, fake.thread_messages(REPORT, message["ts"])[0], "kind_select", selected="leak")
    assert "報告内容の表示を取り消しました" in text_of(fake.message(PR_CHANNEL, renotice["ts"]))
    assert "【上位への通知" in title(renotice) and "情報漏えい" in title(renotice), title(renotice)
    assert "【上位への通知" not in title(first) and "情報漏えい" in title(first)
