"""「インシデントとして報告」: the Teams message action (a message extension action command), like Slack's shortcut."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.cards import CARD_CONTENT_TYPE, CardRenderer, card, text_block
from bot.adapters.teams.connector import conversation_key, is_personal, message_place
from bot.adapters.teams.manifest import COMMAND_ID
from bot.adapters.teams.payloads import fields_of
from bot.adapters.teams.people import People, user_id
from bot.adapters.teams.port import PLATFORM
from bot.adapters.teams.replies import off_loop
from bot.adapters.teams.reports import Origin, Reports
from bot.adapters.teams.text import md_escape, message_text
from bot.delivery import form_report
from bot.delivery.content import Place
from bot.ports import ConversationRef, ReportInput
from bot.triage.sanitize import storable

log = logging.getLogger("incident_bot.teams")
FETCH_TASK = "composeExtension/fetchTask"
SUBMIT_ACTION = "composeExtension/submitAction"
TEXT_INPUT = "report_text"
KIND_INPUT = "report_kind"
SOURCE_KEY = "source"
TEXT_LIMIT = 10_000  # what the dialog pre-fills; the core keeps up to 40,000 characters
_PARAGRAPH_END = re.compile(r"</(p|div|li)>", re.IGNORECASE)


@dataclass(frozen=True)
class SourceMessage:
    """The message the action was used on, as plain data."""

    id: str
    text: str
    link: str | None
    created: datetime | None
    place: Place  # its conversation (channel or chat); in a channel, the thread root (itself when it starts one)
    author: str | None = None  # the AAD object id of who wrote it, when Teams says
    by_app: bool = False  # written by an app (this bot's cards, another bot's): no one's report to make


def _datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None  # Python 3.11 reads "…Z" too
    except ValueError:
        return None


def source_message(activity: Activity) -> SourceMessage | None:
    """The message of a message action (its messagePayload), or None when the invoke carries none."""
    value = fields_of(activity.value)
    payload = value.get("messagePayload")
    if not isinstance(payload, dict) or not payload.get("id"):
        return None
    body = payload.get("body") if isinstance(payload.get("body"), dict) else {}
    content = _PARAGRAPH_END.sub("\n", str(body.get("content") or ""))
    message_id = str(payload["id"])
    place, link = message_place(activity, message_id, str(payload.get("replyToId") or "") or None)
    given = payload.get("linkToMessage")
    sender = payload.get("from") if isinstance(payload.get("from"), dict) else {}
    author = (sender.get("user") if isinstance(sender.get("user"), dict) else {}).get("id")
    return SourceMessage(message_id, message_text(content)[:TEXT_LIMIT],
                         given if isinstance(given, str) and given.startswith("https://") else link,
                         _datetime(payload.get("createdDateTime")), place, str(author) if author else None,
                         by_app=not author and isinstance(sender.get("application"), dict))


def dialog_card(render: CardRenderer, source: SourceMessage, *, text: str | None = None,
                error: str | None = None) -> dict[str, Any]:
    """The confirm dialog: the text (editable), the kind (optional), the link to the message, submit."""
    t = render.t
    body: list[dict[str, Any]] = [text_block(md_escape(t("teams.action.title")), weight="Bolder", size="Medium")]
    body.append({"type": "Input.Text", "id": TEXT_INPUT, "label": t("teams.action.text"), "isMultiline": True,
                 "isRequired": True, "errorMessage": t("teams.action.empty"), "maxLength": TEXT_LIMIT,
                 "placeholder": t("teams.action.text_hint"), "value": source.text if text is None else text})
    if error:
        body.append(text_block(md_escape(error), color="Attention"))
    body.append(render.kind_choice(KIND_INPUT, t("teams.action.kind")))
    link = t("teams.action.source", link=source.link) if source.link else t("teams.action.source_none")
    body.append(text_block(md_escape(link), isSubtle=True, size="Small"))
    submit = {"type": "Action.Submit", "title": t("teams.action.submit"), "data": {SOURCE_KEY: COMMAND_ID}}
    return card(body, [submit])


def task_continue(title: str, content: dict[str, Any]) -> dict[str, Any]:
    """A dialog showing this card (the answer to fetchTask, or to a submit that must be corrected)."""
    return {"task": {"type": "continue", "value": {"title": title, "width": "large", "height": "large",
                                                   "card": {"contentType": CARD_CONTENT_TYPE, "content": content}}}}


def task_message(text: str) -> dict[str, Any]:
    """A short message in the dialog, which then closes."""
    return {"task": {"type": "message", "value": text}}


def submitted(activity: Activity) -> tuple[SourceMessage | None, str, str | None]:
    """(the source message, the confirmed text, the chosen kind) of a submitAction."""
    value = fields_of(activity.value)
    data = value.get("data") if isinstance(value.get("data"), dict) else {}
    text = storable(str(data.get(TEXT_INPUT) or "")).strip()
    kind = storable(str(data.get(KIND_INPUT) or "")).strip() or None
    # The message comes from the signed invoke (messagePayload), never from the card's data: a crafted submit
    # cannot point the report at another conversation.
    return source_message(activity), text, kind


async def _respond(context: TurnContext, body: dict[str, Any]) -> None:
    await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200,
                                                                                                   body=body)))


async def on_fetch_task(people: People, render: CardRenderer, context: TurnContext) -> None:
    """fetchTask: the dialog pre-filled with the message (or a message when there is no message to report)."""
    source = source_message(context.activity)
    t = render.t
    if source is None or source.by_app:
        await _respond(context, task_message(t("teams.action.app_message" if source else "teams.error.bad_action")))
        return
    sender = context.activity.from_property
    reason = people.roster.refusal_key(user_id(sender)) if sender and sender.id else None
    if reason and reason != "teams.outsider.unverified":  # guests and other tenants: told why, no dialog
        await _respond(context, task_message(t(reason)))
        return
    await _respond(context, task_continue(t("teams.action.title"), dialog_card(render, source)))


async def on_submit_action(reports: Reports, context: TurnContext) -> None:
    """submitAction: the Slack shortcut's intake (explicit report, source noted once), then the playbook."""
    activity, people, replies = context.activity, reports.people, reports.replies
    catalog, t = replies.render.catalog, replies.t

    def dialog(text: str, error: str) -> dict[str, Any]:
        assert source is not None
        return task_continue(t("teams.action.title"), dialog_card(replies.render, source, text=text, error=error))
    source, text, kind = submitted(activity)
    if source is None or source.by_app:
        await _respond(context, task_message(t("teams.action.app_message" if source else "teams.error.bad_action")))
        return
    if not text:
        await _respond(context, dialog("", t("teams.action.empty")))
        return
    people.learn(activity)
    # The same intake as a message that is a report (reports.py): an explicit report from the message's place;
    # the bot's own personal chat stays private. A thread holds one incident (its replies are its conversation):
    # a message in another incident's thread is reported from the sender's personal chat instead.
    sender, place = activity.from_property, source.place
    try:
        taken = place.thread not in (None, source.id) and await off_loop(  # a reply, not the thread's first post
            people.core.base.queries.by_conversation, PLATFORM, place.channel, place.thread) is not None
        if taken:
            place = Place(await off_loop(replies.port.chat_of, user_id(sender)))
    except Exception as exc:  # told inside the dialog, which stays open with the text
        await _respond(context, dialog(text, replies.failure(exc, "report", None)))
        return
    origin = Origin("personal" if is_personal(place.channel) else "mention", place.channel, place.thread, source.id,
                    True, user_id(sender), own=source.author is not None and source.author in (sender.aad_object_id,
                                                                                                sender.id))
    try:
        actor, triage = people.who(activity.from_property)
        report = ReportInput(text=text, reporter=actor, kind_hint=kind, idempotency_key=f"teams-action:{activity.id}",
                             conversation=ConversationRef(PLATFORM, origin.conversation, origin.thread))
        noted = form_report.Source(f"teams-action-src:{conversation_key(source.place.channel)}:{source.id}",
                                   source.created, source.link)  # the original message on the timeline, once
        outcome = await off_loop(form_report.report, triage, report, t("teams.action.source_note"), noted)
        view = outcome.incident
    except Exception as exc:  # told inside the dialog, which stays open with the text
        await _respond(context, dialog(text, replies.failure(exc, "report", None)))
        return
    if view is None:  # not enough to go on: asked in the dialog, which stays open with the text (as in Slack)
        await _respond(context, dialog(text, " ".join(outcome.messages)))
        return
    private = "teams.action.accepted_private" if source.place.thread else "teams.action.accepted_private_chat"
    accepted = (private if view.restricted else  # a leak lives in the personal chat (a chat has no thread)
                "teams.action.accepted_taken" if taken else
                "teams.action.accepted" if source.place.thread else "teams.action.accepted_chat")
    said = t(accepted, ref=view.ref, kind=catalog.label("kind", view.kind))
    try:
        await reports.show(outcome, origin, actor, text)
    except Exception as exc:  # the report is stored (resume finishes its posts); the dialog says what failed
        said += "\n" + replies.failure(exc, "report", view.id)
    await _respond(context, task_message(said))


__all__ = ["COMMAND_ID", "FETCH_TASK", "SUBMIT_ACTION", "SourceMessage", "source_message", "dialog_card",
           "submitted", "on_fetch_task", "on_submit_action", "task_continue", "task_message"]
