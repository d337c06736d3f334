"""Activities of the Teams parity features, as Teams sends them: message action invokes and reactions."""

from __future__ import annotations

import itertools
from typing import Any

from tests.teams.teams_driver import TEAM, TENANT, Response, TeamsDriver, User

_ids = itertools.count(1)


def channel_of(channel: str, root: str | None = None) -> dict[str, Any]:
    conversation_id = f"{channel};messageid={root}" if root else channel
    return {"id": conversation_id, "conversationType": "channel", "isGroup": True}


def message_payload(message_id: str, html: str, *, author: User, reply_to: str | None = None,
                    link: str | None = None) -> dict[str, Any]:
    """The messagePayload Teams puts in a message action's invokes."""
    payload: dict[str, Any] = {
        "id": message_id, "replyToId": reply_to, "messageType": "message", "createdDateTime": "2026-11-18T00:30:00Z",
        "importance": "normal", "locale": "ja-jp", "body": {"contentType": "html", "content": html},
        "from": {"user": {"id": author.aad, "displayName": author.name, "userIdentityType": "aadUser"}},
        "attachments": [], "mentions": [], "reactions": [],
    }
    if link:
        payload["linkToMessage"] = link
    return payload


def action_invoke(driver: TeamsDriver, user: User, name: str, conversation: dict[str, Any],
                  payload: dict[str, Any], data: dict[str, Any] | None = None,
                  activity_id: str | None = None) -> Response:
    """composeExtension/fetchTask or /submitAction for the 「インシデントとして報告」 command."""
    value: dict[str, Any] = {"commandId": "reportIncident", "commandContext": "message",
                             "context": {"theme": "default"}, "messagePayload": payload}
    if data is not None:
        value["data"] = data
    activity = driver._base(user, conversation, type="invoke", name=name, value=value,
                            id=activity_id or f"f:action-{next(_ids)}")
    if conversation.get("conversationType") == "channel":
        activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM},
                                   "channel": {"id": conversation["id"].split(";")[0]}}
    return driver.post(activity)


def reaction(driver: TeamsDriver, user: User, conversation: dict[str, Any], message_id: str, kind: str,
             activity_id: str | None = None, *, removed: bool = False) -> Response:
    """A messageReaction activity: `kind` added to (or removed from) message `message_id`."""
    field = "reactionsRemoved" if removed else "reactionsAdded"
    activity = driver._base(user, conversation, type="messageReaction", id=activity_id or f"r:{next(_ids)}",
                            replyToId=message_id, **{field: [{"type": kind}]})
    return driver.post(activity)
