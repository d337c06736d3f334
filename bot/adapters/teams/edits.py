"""A Teams message edited (messageUpdate, editMessage) or deleted (messageDelete, softDeleteMessage): a reported one
recorded on its incident's timeline (bot/delivery/edits.py), an edited post that reported nothing read as a post."""

from __future__ import annotations

import logging

from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.connector import split_conversation
from bot.adapters.teams.payloads import channel_data
from bot.adapters.teams.port import PLATFORM
from bot.adapters.teams.replies import off_loop
from bot.adapters.teams.reports import Reports
from bot.delivery.content import Place
from bot.delivery.earlier_replies import advise_noted_repliers
from bot.delivery.edits import (
    Edited,
    advises_earlier_repliers,
    edit_key,
    record_deletion,
    record_edit,
    reported_incident,
    restricted_edit_plan,
)

log = logging.getLogger("incident_bot.teams")
EDITED, DELETED = "editMessage", "softDeleteMessage"


def change_of(context: TurnContext) -> str | None:
    """EDITED or DELETED for a person's edit or deletion of a message; None for anything else."""
    activity = context.activity
    sender = activity.from_property if activity is not None else None
    if activity is None or sender is None or not sender.id or sender.role == "bot" or not activity.id:
        return None
    change = channel_data(activity, "eventType")
    wanted = {ActivityTypes.message_update: EDITED, ActivityTypes.message_delete: DELETED}.get(activity.type)
    return change if change is not None and change == wanted else None


def _where(activity: Activity) -> tuple[str, str]:
    """(conversation, message id) as a report from that message stored its conversation."""
    return split_conversation(activity.conversation.id)[0], str(activity.id)


async def on_change(reports: Reports, context: TurnContext) -> None:
    """An edit is noted on the incident its message reported (its author told privately, once per edit), or read as
    a post under a key of its own; a deletion is noted without its text."""
    activity, change = context.activity, change_of(context)
    if change is None or activity.conversation is None:
        return
    conversation, message = _where(activity)
    try:
        actor, triage = reports.people.who(activity.from_property)
        if change == DELETED:
            await off_loop(lambda: record_deletion(triage, PLATFORM, conversation, message, actor, reports.replies.t))
            return
        edited_at = activity.timestamp.isoformat() if activity.timestamp else str(activity.local_timestamp or "")
        key = edit_key(PLATFORM, conversation, message, edited_at)
        if await off_loop(reported_incident, triage.queries, PLATFORM, conversation, message) is None:
            await reports.on_message(context, key=key)  # 「見てください」 edited into a report is one now
            return
        edited = await off_loop(lambda: record_edit(triage, PLATFORM, conversation, message, actor,
                                                    reports.text(activity), edited_at=edited_at, t=reports.replies.t))
        if edited is not None and edited.told is not None:
            await off_loop(reports.replies.tell, actor.user_id, edited.told)
        if edited is not None:
            await _restricted(reports, edited, Place(conversation, message), actor.user_id)
    except Exception as exc:  # noqa: BLE001 - the edit is the person's own; the log says why it was not noted
        log.error("teams.edit_failed change=%s error=%s", change, getattr(exc, "code", type(exc).__name__))



async def _restricted(reports: Reports, edited: Edited, place: Place, user: str) -> None:
    """An edit that restricted its incident: its plan delivered, then the earlier repliers advised."""
    h = reports.replies
    steps = await off_loop(restricted_edit_plan, edited, place, user, h.runner, reports.people.name_of)
    if steps is None:
        return
    await h.deliver(steps, user, "report_edited")
    if advises_earlier_repliers(steps, edited):
        await off_loop(advise_noted_repliers, h.runner, PLATFORM, steps.incident_id, h.t)


__all__ = ["DELETED", "EDITED", "change_of", "on_change"]
