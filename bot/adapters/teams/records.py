"""Records on Teams at an incident's end: the closing review card, the files' consent, and what each answer does."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams import files
from bot.adapters.teams.payloads import ActionResult, incident_of, submitted_answers
from bot.adapters.teams.people import People
from bot.adapters.teams.port import PLATFORM
from bot.adapters.teams.render_content import CAUSE, PREVENTION, REVIEW_SUBMIT
from bot.adapters.teams.replies import Replies, off_loop
from bot.delivery import closing
from bot.records.service import RecordsDesk
from bot.triage.core import InvalidRequest

log = logging.getLogger("incident_bot.teams")


async def record_review(people: People, replies: Replies, activity: Activity, data: Any) -> ActionResult:
    """The invitation's button: the review recorded by whoever may end the incident, then the updated report."""
    incident_id = incident_of(data)
    if incident_id is None:
        return ActionResult(text=replies.t("teams.error.bad_action"))
    answers = submitted_answers(data)
    actor, triage = people.who(activity.from_property)
    try:
        message, after = await off_loop(lambda: closing.review(
            RecordsDesk(triage.deps), incident_id, actor, cause=answers.get(CAUSE, ""),
            prevention=answers.get(PREVENTION, ""), platform=PLATFORM))
    except InvalidRequest as exc:  # both blank: the card stays, with the reason
        return ActionResult(text=str(exc))
    log.info("teams.review_recorded incident_id=%s", incident_id)
    await replies.deliver(after, actor.user_id, REVIEW_SUBMIT)
    return ActionResult(card=replies.render.messages([message]), text=message)


async def on_file_consent(people: People, replies: Replies, context: TurnContext, *, loopback_ok: bool) -> None:
    """fileConsent/invoke: the accepted file made again for the user and PUT to Teams' upload URL (or the decline
    acknowledged); the outcome said in the chat, the invoke answered 200 whatever happened."""
    activity = context.activity
    reply: str | dict[str, Any]
    try:
        people.learn(activity)
        actor, triage = people.who(activity.from_property)
        # Local upload URLs only in anonymous mode, which itself accepts local requests only (request_checks.py).
        async with aiohttp.ClientSession() as session:
            reply = await files.answer_consent(RecordsDesk(triage.deps), actor.user_id, activity.value, session,
                                               loopback_ok=loopback_ok)
    except files.TeamsFileError as exc:
        log.error("teams.file_upload_failed error=%s", exc.code)
        reply = replies.t("records.teams.unknown") if exc.code == "unknown_file" else replies.t(
            "teams.error.api", error=exc.code)
    except Exception as exc:  # noqa: BLE001 - refusals (recorded by the core) and failures, told in words
        reply = replies.failure(exc, "records", None)
    if isinstance(reply, str):
        await replies.reply(context, reply)
    else:
        await replies.answer(context, Activity.model_validate(reply))
    await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                         value=InvokeResponse(status=files.INVOKE_OK["status"])))


__all__ = ["REVIEW_SUBMIT", "record_review", "on_file_consent"]
