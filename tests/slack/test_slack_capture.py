"""Timeline capture by reaction, escalations with mentions, PR members from user groups, the manifest."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from fake_slack import FakeSlack
from slack_driver import action_ids, text_of

from bot.adapters.slack.cli import manifest as manifest_command
from bot.adapters.slack.manifest import BOT_EVENTS, build_manifest
from bot.adapters.slack.text import ts_to_datetime
from bot.clock import FixedClock
from bot.wiring import Runtime

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/8"
SCHEMA = Path(__file__).parent / "data" / "manifest.schema.1.0.0.json"


def _report(slack: SlackEnv) -> tuple[int, str]:
    message, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    return slack.incident_ids()[0], message["ts"]


def _notes(slack: SlackEnv, incident_id: int) -> list:
    return [e for e in slack.runtime.triage.queries.timeline(incident_id, None) if e.type == "note"]


# -- reaction capture -------------------------------------------------------------------------------------------
def test_pushpin_in_an_incident_thread_is_captured_once(slack: SlackEnv) -> None:
    incident_id, thread = _report(slack)
    reply = slack.fake.add_message(REPORT, "広報課に電話で報告済み（10:05）<@U_PR>", OTHER, thread_ts=thread)
    slack.driver.react(OTHER, REPORT, reply["ts"])
    [note] = _notes(slack, incident_id)
    assert note.data["text"] == "広報課に電話で報告済み（10:05）@U_PR"
    assert note.at == ts_to_datetime(reply["ts"])  # the message's own time, not the reaction's
    assert note.data["link"] == f"https://fake.slack.test/archives/{REPORT}/p{reply['ts'].replace('.', '')}"
    assert (REPORT, reply["ts"], "white_check_mark") in slack.fake.reactions
    # A second pin (another colleague, or a retried event) adds nothing and confirms nothing again.
    slack.driver.react(STAFF, REPORT, reply["ts"])
    assert len(_notes(slack, incident_id)) == 1
    assert len(slack.fake.calls_to("reactions.add")) == 1


def test_the_report_message_itself_can_be_captured(slack: SlackEnv) -> None:
    incident_id, thread = _report(slack)
    slack.driver.react(STAFF, REPORT, thread)
    assert len(_notes(slack, incident_id)) == 1


def test_other_reactions_and_other_threads_are_ignored(slack: SlackEnv) -> None:
    incident_id, thread = _report(slack)
    reply = slack.fake.add_message(REPORT, "了解です", OTHER, thread_ts=thread)
    slack.driver.react(OTHER, REPORT, reply["ts"], name="eyes")
    elsewhere = slack.fake.add_message(REPORT, "関係ない投稿", OTHER)
    slack.driver.react(OTHER, REPORT, elsewhere["ts"])
    assert _notes(slack, incident_id) == []
    assert not slack.fake.calls_to("reactions.add") and not slack.fake.calls_to("chat.postEphemeral")


def test_a_reaction_naming_no_user_is_ignored_without_an_error(slack: SlackEnv,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    """A signed reaction_added whose user is null (the fuzz found it): nothing captured, nothing logged as an error."""
    incident_id, thread = _report(slack)
    with caplog.at_level(logging.WARNING):
        slack.driver.event({"type": "reaction_added", "user": None, "reaction": "pushpin",
                            "item": {"type": "message", "channel": REPORT, "ts": thread},
                            "event_ts": slack.fake.new_ts()})
    assert _notes(slack, incident_id) == [] and not slack.fake.calls_to("reactions.add")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_capture_reaction_is_configurable(slack_factory: Callable[..., SlackEnv]) -> None:
    slack = slack_factory(capture_reaction="memo")
    incident_id, thread = _report(slack)
    reply = slack.fake.add_message(REPORT, "記録してください", OTHER, thread_ts=thread)
    slack.driver.react(OTHER, REPORT, reply["ts"], name="pushpin")
    assert _notes(slack, incident_id) == []
    slack.driver.react(OTHER, REPORT, reply["ts"], name="memo")
    assert len(_notes(slack, incident_id)) == 1


# -- escalation ---------------------------------------------------------------------------------------------------
def test_unacknowledged_incident_is_escalated_with_a_mention_once(slack: SlackEnv, clock: FixedClock) -> None:
    incident_id, thread = _report(slack)
    desk = slack.runtime.triage.escalations
    assert desk.fire_due(slack.adapter.deliver_notification, "w1") == 0
    clock.advance(minutes=31)
    assert desk.fire_due(slack.adapter.deliver_notification, "w1") == 1
    first, second = slack.fake.channel_messages(PR_CHANNEL)
    assert "<@U_HEAD>" in text_of(second) and "再通知" in text_of(second)
    assert action_ids(second) == ["acknowledge"]
    assert thread.replace(".", "") in text_of(second)  # link to the thread
    assert desk.fire_due(slack.adapter.deliver_notification, "w2") == 0  # a restart or second instance: nothing
    assert len(slack.fake.channel_messages(PR_CHANNEL)) == 2
    # Acknowledging from the escalation updates both messages.
    slack.driver.click(PR, second, "acknowledge")
    for message in (first, second):
        current = slack.fake.message(PR_CHANNEL, message["ts"])
        assert action_ids(current) == [] and "広報 太郎 さんが確認しました" in text_of(current)


def test_failed_escalation_is_released_and_sent_later(slack: SlackEnv, clock: FixedClock) -> None:
    incident_id, _ = _report(slack)
    clock.advance(minutes=31)
    slack.fake.fail("chat.postMessage", "channel_not_found")
    desk = slack.runtime.triage.escalations
    assert desk.fire_due(slack.adapter.deliver_notification, "w1") == 0
    assert "notify_failed" in slack.events(incident_id)
    assert desk.fire_due(slack.adapter.deliver_notification, "w1") == 1
    assert len(slack.fake.channel_messages(PR_CHANNEL)) == 2


# -- PR members from user groups ---------------------------------------------------------------------------------
def test_user_group_members_may_acknowledge(slack_factory: Callable[..., SlackEnv], fake_slack: FakeSlack) -> None:
    fake_slack.usergroups["S_PRGROUP"] = ["U_GROUPIE"]
    slack = slack_factory(pr_user_groups=["S_PRGROUP"])
    assert fake_slack.calls_to("usergroups.users.list", usergroup="S_PRGROUP")  # resolved at start-up
    incident_id, _ = _report(slack)
    [pr_message] = slack.fake.channel_messages(PR_CHANNEL)
    slack.driver.click("U_GROUPIE", pr_message, "acknowledge")
    assert slack.runtime.triage.queries.view(incident_id, None).acknowledged_by == "鈴木 次郎"
    assert len(fake_slack.calls_to("usergroups.users.list")) == 1  # cached within the TTL


def test_user_groups_are_refreshed_after_the_ttl(runtime_factory: Callable[..., Runtime], database_url: str,
                                                fake_slack: FakeSlack) -> None:
    from conftest import SLACK_SETTINGS, slack_secrets

    from bot.adapters.slack import build_slack_app

    fake_slack.usergroups["S_PRGROUP"] = []
    now = [0.0]
    runtime = runtime_factory(database_url, slack={**SLACK_SETTINGS, "pr_user_groups": ["S_PRGROUP"]})
    runtime.settings = runtime.settings.model_copy(update={"secrets": slack_secrets(fake_slack)})
    adapter = build_slack_app(runtime, group_ttl_seconds=60, monotonic=lambda: now[0])
    assert not adapter.people.triage().deps.access.allows("acknowledge", "slack:U_NEW", restricted=False)
    fake_slack.usergroups["S_PRGROUP"] = ["U_NEW"]
    now[0] = 30.0
    assert not adapter.people.triage().deps.access.allows("acknowledge", "slack:U_NEW", restricted=False)
    now[0] = 61.0
    assert adapter.people.triage().deps.access.allows("acknowledge", "slack:U_NEW", restricted=False)
    access = adapter.people.triage().deps.access
    assert access.allows("acknowledge", f"slack:{PR}", restricted=False)  # app.yaml members stay
    fake_slack.fail("usergroups.users.list", "missing_scope")
    now[0] = 200.0
    access = adapter.people.triage().deps.access
    assert access.allows("acknowledge", "slack:U_NEW", restricted=False)  # last good answer kept


# -- manifest --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [None, "https://bot.example.jp/slack/events"])
def test_manifest_is_valid_and_asks_for_exactly_what_is_used(slack: SlackEnv, url: str | None) -> None:
    manifest = build_manifest(slack.runtime.settings, request_url=url)
    jsonschema.validate(manifest, json.loads(SCHEMA.read_text(encoding="utf-8")))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"app_mentions:read", "channels:history", "groups:history", "im:history", "chat:write",
                      "commands", "reactions:read", "reactions:write", "users:read", "files:write"}
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)
    assert manifest["features"]["slash_commands"][0]["command"] == "/incident"
    assert manifest["features"]["shortcuts"][0]["callback_id"] == "report_incident"
    assert manifest["features"]["shortcuts"][0]["name"] == "インシデントとして報告"
    assert manifest["settings"]["socket_mode_enabled"] is (url is None)
    if url:
        assert manifest["settings"]["interactivity"]["request_url"] == url
        assert manifest["settings"]["event_subscriptions"]["request_url"] == url


def test_manifest_scopes_follow_the_configuration(slack_factory: Callable[..., SlackEnv]) -> None:
    slack = slack_factory(pr_user_groups=["S_X"], summary_channel=None, slash_command="/sns")
    manifest = build_manifest(slack.runtime.settings)
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert "usergroups:read" in scopes and "files:write" in scopes  # records are uploaded at closing
    assert manifest["features"]["slash_commands"][0]["command"] == "/sns"


def test_manifest_command_prints_yaml(slack: SlackEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse
    import io

    monkeypatch.setenv("SLACK_REQUEST_URL", "https://bot.example.jp/slack/events")
    out = io.StringIO()
    assert manifest_command(slack.runtime, argparse.Namespace(), out) == 0
    printed = yaml.safe_load(out.getvalue())
    jsonschema.validate(printed, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert printed["settings"]["event_subscriptions"]["request_url"] == "https://bot.example.jp/slack/events"
    assert "SNSインシデント対応" in out.getvalue()  # readable Japanese, not \u escapes


def test_escalation_timing_uses_the_core_clock(slack: SlackEnv, clock: FixedClock) -> None:
    _report(slack)
    clock.advance(minutes=29)
    assert slack.runtime.triage.escalations.fire_due(slack.adapter.deliver_notification, "w1") == 0
    clock.advance(minutes=2)
    assert slack.runtime.triage.escalations.fire_due(slack.adapter.deliver_notification, "w1") == 1
