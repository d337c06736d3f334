"""Records on Slack at an incident's end: files handed over (external upload flow), and the closing review modal.

The plan (bot/delivery/closing.py) decides who gets what; this module renders the invitation and the modal, turns
the submitted modal into RecordsDesk.record_review, and uploads through files.getUploadURLExternal +
files.completeUploadExternal (WebClient.files_upload_v2).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import identity
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.render import MODAL_TITLE_LIMIT, Rendered, Renderer, decode_metadata, encode_metadata
from bot.adapters.slack.text import escape, truncate
from bot.delivery import closing
from bot.delivery.content import Attachment, DeliveryError, Place, Posted
from bot.records.service import MAX_REVIEW, RecordsDesk
from bot.triage.core import InvalidRequest

if TYPE_CHECKING:
    from bot.adapters.slack.handlers import Handlers, Submission

PLATFORM = "slack"
REVIEW_OPEN = "records_review"
REVIEW_SUBMIT = "records_review_submit"
CAUSE, PREVENTION = "cause", "prevention"


def review_invite(render: Renderer, ref: str, incident_id: int) -> Rendered:
    """The invitation posted in the incident's conversation when it ends, with the button opening the modal."""
    t = render.t
    text = escape(t("records.review.invite", ref=ref))
    button = ButtonElement(text=truncate(t("records.review.button"), 75), action_id=REVIEW_OPEN,
                           value=str(incident_id))
    return Rendered(text, [SectionBlock(text=MarkdownTextObject(text=text)), ActionsBlock(elements=[button])])


def review_modal(render: Renderer, ref: str, metadata: dict[str, Any]) -> View:
    """Two optional fields: 原因 and 再発防止策."""
    t = render.t

    def field(block_id: str, label: str) -> InputBlock:
        return InputBlock(block_id=block_id, label=t(label), optional=True,
                          element=PlainTextInputElement(action_id="value", multiline=True, max_length=MAX_REVIEW))

    hint = MarkdownTextObject(text=escape(f"{ref}　{t('records.review.modal_hint')}"))
    return View(type="modal", callback_id=REVIEW_SUBMIT,
                title=truncate(t("records.review.modal_title"), MODAL_TITLE_LIMIT),
                submit=truncate(t("records.review.submit"), MODAL_TITLE_LIMIT),
                close=truncate(t("slack.modal.cancel"), MODAL_TITLE_LIMIT),
                private_metadata=encode_metadata(metadata),
                blocks=[ContextBlock(elements=[hint]),
                        field(CAUSE, "records.review.cause_label"),
                        field(PREVENTION, "records.review.prevention_label")])


def upload(client: WebClient, place: Place, files: Sequence[Attachment], comment: str) -> Posted:
    """Upload files with one comment; a user id as channel means their DM, opened by the comment itself (a post to
    a user id needs no im:write, and answers with the DM's channel id the upload needs)."""
    channel = identity.raw(PLATFORM, place.channel) or place.channel
    text: str | None = escape(comment) if comment else None
    try:
        if channel.startswith(("U", "W")):
            opened = client.chat_postMessage(channel=channel, text=text or "", unfurl_links=False)
            channel, text = str(opened["channel"]), None
        response = client.files_upload_v2(
            file_uploads=[{"file": f.data, "filename": f.filename, "title": f.title} for f in files],
            channel=channel, thread_ts=place.thread, initial_comment=text, request_file_info=False)
    except SlackApiError as exc:
        from bot.adapters.slack.port import delivery_error

        raise delivery_error(exc) from None
    uploaded = response.get("files") or [response.get("file") or {}]
    first = uploaded[0] if uploaded else {}
    if not first.get("id"):
        raise DeliveryError("upload_incomplete")
    return Posted(channel, str(first["id"]))


class SlackRecords:
    """The review button, the modal and what follows it."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers
        self.adapter = handlers.adapter

    def open_review(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The button: the modal, for whoever may end the incident (the core refuses anyone else on submit)."""
        user, channel, thread, reply = self.handlers._action_context(body)
        incident_id = int(str(action.get("value") or "0"))
        with self.adapter.replies.guard(reply, "records_review", incident_id):
            view = self.handlers.triage.queries.view(incident_id, user)
            metadata = {"i": incident_id, "c": channel, "t": thread}
            self.adapter.client.views_open(trigger_id=body["trigger_id"],
                                           view=review_modal(self.adapter.render, view.ref, metadata))

    def submit_review(self, body: dict[str, Any]) -> Submission:
        """Record the review (both blank: nothing to record, the modal just closes); then the updated report."""
        from bot.adapters.slack.handlers import Submission

        view, user = body["view"], body["user"]["id"]
        meta = decode_metadata(view.get("private_metadata"))
        incident_id = int(meta.get("i") or 0)
        values = (view.get("state") or {}).get("values") or {}
        cause, prevention = (str(((values.get(key) or {}).get("value") or {}).get("value") or "").strip()
                             for key in (CAUSE, PREVENTION))
        if not cause and not prevention:
            return Submission({})
        reply = self.adapter.replies.ephemeral(meta.get("c") or user, user, meta.get("t"))
        desk = RecordsDesk(self.handlers.triage.deps)
        try:
            actor = self.adapter.actor(user, body["user"].get("name", ""))
            message = desk.record_review(incident_id, actor, cause=cause, prevention=prevention)
        except InvalidRequest as exc:
            return Submission({"response_action": "errors", "errors": {CAUSE: str(exc)}})
        except Exception as exc:  # told inside the modal, which stays open with the text
            return Submission({"response_action": "errors",
                               "errors": {CAUSE: self.adapter.replies.refusal(exc, incident_id)}})
        log_event(logging.INFO, "slack.review_recorded", incident_id=incident_id)

        def then() -> None:
            self.adapter.replies.say(reply, self.adapter.replies.plain(message), incident_id)
            self.handlers.deliver(reply, "records", closing.after_review(desk, incident_id, PLATFORM, user))

        return Submission({}, then)
