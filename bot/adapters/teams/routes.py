"""The AgentApplication's routes: each translates one activity or invoke type for the part that handles it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse, ContentTypes
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.adapters.teams import files
from bot.adapters.teams.actions import Actions
from bot.adapters.teams.asking import ASK_REPORT, FLAREUP, FOLLOWUP_OR_NEW
from bot.adapters.teams.cards import ACKNOWLEDGE, KIND_SELECT, RESOLVE, STEP_DONE, STEP_SKIP
from bot.adapters.teams.edits import change_of, on_change
from bot.adapters.teams.extension import FETCH_TASK, SUBMIT_ACTION, on_fetch_task, on_submit_action
from bot.adapters.teams.payloads import ActionResult, incident_of
from bot.adapters.teams.people import user_id
from bot.adapters.teams.reactions import on_reaction
from bot.adapters.teams.records import REVIEW_SUBMIT, on_file_consent, record_review
from bot.adapters.teams.replies import off_loop
from bot.adapters.teams.reports import Reports

log = logging.getLogger("incident_bot.teams")
Verb = Callable[[Activity, Any], Awaitable[ActionResult]]


def _invoke_response(result: ActionResult) -> AdaptiveCardInvokeResponse:
    """The answer to an Action.Execute: the card's new state for the clicker, or a short message."""
    if result.card is not None:
        return AdaptiveCardInvokeResponse(status_code=200, type=ContentTypes.adaptive_card, value=result.card)
    return AdaptiveCardInvokeResponse(status_code=200, type=ContentTypes.message, value=result.text or " ")


def register(app: AgentApplication[TurnState], reports: Reports, actions: Actions, *, capture_reaction: str,
             loopback_uploads: bool) -> None:
    """Card verbs (Action.Execute and their Action.Submit fallbacks), messages, the message action, reactions and
    the files' consent; outsiders are looked up first (roster.py) so the core can refuse them."""
    people, replies = reports.people, reports.replies
    verbs: dict[str, Verb] = {
        STEP_DONE: lambda activity, data: actions.step(activity, data, skip=False),
        STEP_SKIP: lambda activity, data: actions.step(activity, data, skip=True),
        KIND_SELECT: actions.correct_kind, ACKNOWLEDGE: actions.acknowledge, RESOLVE: actions.end,
        ASK_REPORT: reports.answer, FLAREUP: reports.choose, FOLLOWUP_OR_NEW: reports.followup_or_new,
        REVIEW_SUBMIT: lambda activity, data: record_review(people, replies, activity, data)}

    async def act(verb: str, context: TurnContext, data: Any) -> ActionResult:
        await people.observe(context)
        try:
            people.learn(context.activity)
            return await verbs[verb](context.activity, data)
        except Exception as exc:
            return ActionResult(text=replies.failure(exc, verb, incident_of(data)))

    for verb in verbs:
        async def execute(context: TurnContext, state: TurnState, data: Any, verb: str = verb
                          ) -> AdaptiveCardInvokeResponse:
            return _invoke_response(await act(verb, context, data))

        async def submit(context: TurnContext, state: TurnState, data: Any, verb: str = verb) -> None:
            result = await act(verb, context, data)
            user = user_id(context.activity.from_property)
            if result.text and people.roster.standing(user) in ("guest", "external"):  # told where they clicked
                await replies.reply(context, result.text)  # (the bot may not reach their personal chat)
            elif result.text:  # Teams has no private reply: the clicker's personal chat
                await off_loop(replies.tell, user, result.text)

        app.adaptive_card.action_execute(verb)(execute)
        app.adaptive_card.action_submit(verb)(submit)

    async def message(context: TurnContext, state: TurnState) -> None:
        await reports.on_message(context)

    async def fetch_task(context: TurnContext, state: TurnState) -> None:
        await people.observe(context)
        await on_fetch_task(people, replies.render, context)

    async def submit_action(context: TurnContext, state: TurnState) -> None:
        await people.observe(context)  # outsiders are refused by the core, and told why
        await on_submit_action(reports, context)

    async def reaction(context: TurnContext, state: TurnState) -> None:
        await on_reaction(people, replies, capture_reaction, context)

    async def consent(context: TurnContext, state: TurnState) -> None:
        await on_file_consent(people, replies, context, loopback_ok=loopback_uploads)

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.error("teams.turn_failed type=%s", context.activity.type if context.activity else None, exc_info=error)

    async def change(context: TurnContext, state: TurnState) -> None:
        await on_change(reports, context)

    app.message()(message)
    app.add_route(lambda context: change_of(context) is not None, change)
    app.invoke(FETCH_TASK)(fetch_task)
    app.invoke(SUBMIT_ACTION)(submit_action)
    app.message_reaction("reactionsAdded")(reaction)
    app.invoke(files.CONSENT_INVOKE)(consent)
    app.error(on_error)
