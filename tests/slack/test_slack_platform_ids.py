"""Issue 13: user ids are namespaced by platform, so a Slack user whose id equals a Teams PR member's id is no PR
member (signed requests against the Bolt app; the Teams direction is tests/teams/test_teams_platform_ids.py)."""

from __future__ import annotations

from collections.abc import Callable

from conftest import PR, PR_CHANNEL, REPORT, SECRET, SLACK_SETTINGS, STAFF, SlackEnv, slack_secrets
from fake_slack import FakeSlack
from slack_driver import DispatchTransport, SlackDriver, TrackingExecutor

from bot.adapters.slack import build_slack_app
from bot.wiring import Runtime

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/city_example/status/7001"
TEAMS_PR = "U0TEAMSPR1"  # a Teams PR member's id that happens to look like (or be forged as) a Slack user id


def test_a_slack_user_with_a_teams_pr_members_id_cannot_acknowledge(
        runtime_factory: Callable[..., Runtime], database_url: str, fake_slack: FakeSlack) -> None:
    runtime = runtime_factory(database_url, slack=SLACK_SETTINGS,
                              access={"pr_members": [f"teams:{TEAMS_PR}", f"slack:{PR}"]})
    runtime.settings = runtime.settings.model_copy(update={"secrets": slack_secrets(fake_slack)})
    executor = TrackingExecutor()
    try:
        adapter = build_slack_app(runtime, listener_executor=executor)
        slack = SlackEnv(runtime, adapter, SlackDriver(DispatchTransport(adapter.app, executor), fake_slack, SECRET),
                         fake_slack, executor)
        fake_slack.add_user(TEAMS_PR, "なりすまし 太郎")
        slack.driver.post_message(STAFF, FLAMING, REPORT)
        [incident_id] = slack.incident_ids()
        [pr_message] = fake_slack.channel_messages(PR_CHANNEL)
        slack.driver.click(TEAMS_PR, pr_message, "acknowledge")
        view = runtime.triage.queries.view(incident_id, None)
        assert view.acknowledged_at is None
        refusals = [c.args for c in fake_slack.calls_to("chat.postEphemeral") if c.args.get("user") == TEAMS_PR]
        assert refusals and "として登録された職員だけです" in str(refusals[-1])
        assert "access_denied" in slack.events(incident_id)
        slack.driver.click(PR, pr_message, "acknowledge")  # the Slack PR member, namespaced "slack:U_PR", may
        assert runtime.triage.queries.view(incident_id, None).acknowledged_at is not None
    finally:
        executor.shutdown(wait=True)
