"""Records on Slack at an incident's end: files handed over (external upload flow), and the closing review's
invitation and modal (submitted in review.py).

The plan (bot/delivery/closing.py) decides who gets what; this module renders, and uploads through
files.getUploadURLExternal + files.completeUploadExternal (WebClient.files_upload_v2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
from bot.adapters.slack.render import MODAL_TITLE_LIMIT, Rendered, Renderer, encode_metadata
from bot.adapters.slack.text import escape, truncate
from bot.delivery.content import Attachment, DeliveryError, Place, Posted
from bot.records.service import MAX_REVIEW

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
