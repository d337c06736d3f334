"""Records handed over on LINE WORKS at an incident's end: files uploaded, then sent as file messages.

The plan (bot/delivery/closing.py) decides who gets what; this module uploads each file through the Bot API's
attachments (as the summary chart is) and sends the comment as a text message followed by one file message per
file, to the member's 1:1 chat or the room.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.adapters.lineworks.client import UploadError
from bot.delivery.content import Attachment, DeliveryError, Place, Posted

if TYPE_CHECKING:
    from bot.adapters.lineworks.port import LineWorksPort


def upload(port: LineWorksPort, place: Place, files: Sequence[Attachment], comment: str) -> Posted:
    """Every file uploaded first, so a failed upload sends nothing and a retry repeats no message; then the
    comment and the file messages in one ordered send."""
    from bot.adapters.lineworks.port import target_of

    target = target_of(place.channel)
    file_ids = []
    for file in files:
        try:
            file_ids.append(port.client.upload(file.filename, file.data, file.media_type))
        except UploadError as exc:
            raise DeliveryError(exc.code, retry_after=exc.retry_after) from None
    messages = port.render.messages([comment]) if comment else []
    messages += [{"type": "file", "fileId": file_id} for file_id in file_ids]
    port.send_all(target, messages)
    return Posted(target.encode(), f"lw-{uuid.uuid4().hex[:16]}")


__all__ = ["upload"]
