"""The AgentApplication's routing, in process, with the SDK's own test tooling (microsoft-agents-testing).

`TestAdapter` runs activities through the real AgentApplication and captures what the turn sends. It
models a single conversation and no Bot Connector, so the flows that post elsewhere (the PR channel,
card updates, escalations) are tested over HTTP against the fake connector instead (test_teams_scenarios.py,
test_teams_rules.py); here: the answers a turn gives in its own conversation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from microsoft_agents.activity import Activity, ActivityTypes, ChannelAccount
from microsoft_agents.testing import TestAdapter, TestFlow

from bot.adapters.teams.app import build_teams_app
from bot.adapters.teams.settings import TeamsCredentials, TeamsSettings
from bot.wiring import Runtime
from tests.teams.fake_connector import card_text


def _adapter(*, group: bool = False) -> TestAdapter:
    conversation = TestAdapter.create_conversation_model(
        channel_id="msteams", conv_id="a:personal-chat", user_id="29:staff-0001", user_name="山田 花子",
        bot_id="28:incident-bot-app", bot_name="incident-bot")
    conversation.conversation.is_group = group
    if group:
        conversation.conversation.conversation_type = "groupChat"
    return TestAdapter(conversation=conversation)


def _run(runtime: Runtime, adapter: TestAdapter, flow: Callable[[TestFlow], TestFlow]) -> None:
    bot = build_teams_app(runtime, TeamsSettings(), TeamsCredentials())

    async def main() -> None:  # TestFlow schedules its steps as tasks: build it inside the running loop
        await flow(TestFlow(adapter, bot.app.on_turn)).start_test()

    asyncio.run(main())


def _text(reply: Activity) -> str:
    return card_text(reply.model_dump(by_alias=True, mode="json"))


def test_help_is_answered_in_the_personal_chat(runtime: Runtime) -> None:
    def says_how(reply: Activity) -> None:
        assert reply.type == ActivityTypes.message and "使い方" in _text(reply)

    _run(runtime, _adapter(), lambda flow: flow.send("help").assert_reply(says_how).assert_no_more_replies())
    assert runtime.triage.queries.list(None) == []


def test_chatter_in_a_personal_chat_is_told_it_is_not_a_report(runtime: Runtime) -> None:
    def not_a_report(reply: Activity) -> None:
        assert "インシデントとして報告しますか" in _text(reply)

    _run(runtime, _adapter(), lambda flow: flow.send("おはようございます").assert_reply(not_a_report)
         .assert_no_more_replies())
    assert runtime.triage.queries.list(None) == []


def test_a_group_chat_message_without_a_mention_is_left_alone(runtime: Runtime) -> None:
    _run(runtime, _adapter(group=True),
         lambda flow: flow.send("市の公式Xの投稿が炎上しています https://x.com/a/status/1").assert_no_more_replies())
    assert runtime.triage.queries.list(None) == []


def test_a_submit_of_an_unknown_card_is_ignored(runtime: Runtime) -> None:
    stray = Activity(type=ActivityTypes.message, value={"verb": "something_else", "x": 1},
                     from_property=ChannelAccount(id="29:staff-0001", name="山田 花子"))
    _run(runtime, _adapter(), lambda flow: flow.send(stray).assert_no_more_replies())
