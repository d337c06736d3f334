"""Routes of the Teams parity features on the AgentApplication: the message action and reaction capture.

Kept apart from app.py so the routes can be registered on any dispatcher with one call; every handler is a
function of (bot, turn context) in its own module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.teams.extension import FETCH_TASK, SUBMIT_ACTION, on_fetch_task, on_submit_action
from bot.adapters.teams.reactions import on_reaction
from bot.adapters.teams.roster import observe_sender

if TYPE_CHECKING:
    from microsoft_agents.hosting.core import TurnContext, TurnState

    from bot.adapters.teams.app import TeamsBot


def register_parity(bot: TeamsBot) -> None:
    """composeExtension/fetchTask and submitAction (「インシデントとして報告」), messageReaction (capture)."""
    app = bot.app

    async def fetch_task(context: TurnContext, state: TurnState) -> None:
        await observe_sender(bot, context)
        await on_fetch_task(bot, context)

    async def submit_action(context: TurnContext, state: TurnState) -> None:
        await observe_sender(bot, context)  # outsiders are refused by the core, and told why
        await on_submit_action(bot, context)

    async def reaction(context: TurnContext, state: TurnState) -> None:
        await on_reaction(bot, context)

    app.invoke(FETCH_TASK)(fetch_task)
    app.invoke(SUBMIT_ACTION)(submit_action)
    app.message_reaction("reactionsAdded")(reaction)


__all__ = ["register_parity"]
