"""Callback bodies parsed into typed, platform-neutral inputs, or rejected with a clear reason.

Event types (Bot API 2.0 callbacks): `message` (content.type text, and others we only acknowledge),
`postback` (quick reply, carousel, rich menu), `join` / `leave` (the bot entered or left a room) and
`joined` / `left` (members did). Other types are returned as `Ignored`, since LINE WORKS adds new ones.
A text message's `content.postback` (message actions, the "start" button) that carries our own data is
treated as the button press it is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.target import Target
from bot.triage.incidents import MAX_TEXT

# What the core keeps of a report. A longer text (a paste from the PC client or another client) is read but marked
# `too_long`: the member is told to split it rather than have it clipped silently or refused without a word.
TEXT_LIMIT = MAX_TEXT
RAW_LIMIT = 1024 * 1024  # characters of a text read at all (the body's own bound, server.MAX_BODY_BYTES)
_ID_LIMIT = 200


class CallbackError(ValueError):
    """A malformed callback body; `reason` says what is wrong, in English for the log and the 400 body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Source:
    """Who sent the event and from where (channel_id is None in a 1:1 chat)."""

    user_id: str | None
    channel_id: str | None
    domain_id: int | None

    @property
    def direct(self) -> bool:
        return self.channel_id is None

    @property
    def reply_to(self) -> Target:
        """Where an answer goes: the room, or the user's 1:1 chat."""
        if self.channel_id is not None:
            return Target.channel(self.channel_id)
        assert self.user_id is not None
        return Target.user(self.user_id)


@dataclass(frozen=True)
class TextMessage:
    """A member wrote text to the bot (a 1:1 chat) or in a room the bot is in."""

    key: str  # unique per delivery: LINE WORKS sends no event id, so the raw body's hash stands in
    source: Source
    issued_at: datetime
    text: str
    postback: str | None = None  # a message action's postback that is not ours
    attachments: int = 0  # an image or file sent as its own message (LINE WORKS sends no text with it)
    too_long: int = 0  # the length of a text over TEXT_LIMIT (then `text` is empty): told, never reported


@dataclass(frozen=True)
class PostbackPress:
    """A member pressed one of our buttons."""

    key: str
    source: Source
    issued_at: datetime
    data: pb.Postback


@dataclass(frozen=True)
class Membership:
    """The bot (join/leave) or members (joined/left) entered or left a room."""

    key: str
    type: str
    channel_id: str
    issued_at: datetime
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unreadable:
    """A message the bot cannot read (a sticker, a location, audio, video): answered in a 1:1 chat only."""

    key: str
    source: Source
    content_type: str


@dataclass(frozen=True)
class Ignored:
    """A well-formed event we do not act on (stickers, images, other bots' postbacks, new types)."""

    key: str
    type: str
    reason: str


CallbackEvent = TextMessage | PostbackPress | Membership | Unreadable | Ignored


def parse(body: bytes) -> CallbackEvent:
    """Parse a verified callback body; CallbackError names the first problem found."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CallbackError("body is not UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise CallbackError("body is not a JSON object")
    key = "lw:" + hashlib.sha256(body).hexdigest()[:40]
    kind = data.get("type")
    if not isinstance(kind, str) or not kind:
        raise CallbackError("type is missing")
    if kind == "message":
        return _message(key, data)
    if kind == "postback":
        source = _source(data, need_user=True)
        data_value = _string(data, "data", limit=pb.DATA_LIMIT)
        return _press(key, source, _issued(data), data_value, kind)
    if kind in ("join", "leave", "joined", "left"):
        return _membership(key, kind, data)
    return Ignored(key, kind, "unsupported event type")


def _message(key: str, data: dict[str, Any]) -> CallbackEvent:
    source = _source(data, need_user=True)
    issued = _issued(data)
    content = data.get("content")
    if not isinstance(content, dict):
        raise CallbackError("content is missing")
    ctype = content.get("type")
    if not isinstance(ctype, str) or not ctype:
        raise CallbackError("content.type is missing")
    if ctype in ("image", "file"):  # a screenshot sent to the bot: asked about, never silently dropped
        return TextMessage(key, source, issued, "", attachments=1)
    if ctype != "text":
        return Unreadable(key, source, ctype)
    text = _string(content, "text", limit=RAW_LIMIT, where="content.text", empty=True)
    if len(text) > TEXT_LIMIT:
        return TextMessage(key, source, issued, "", too_long=len(text))
    extra = content.get("postback")
    if extra is not None and not isinstance(extra, str):
        raise CallbackError("content.postback is not a string")
    if extra and pb.is_ours(extra):
        return _press(key, source, issued, extra, "message")
    return TextMessage(key, source, issued, text, extra or None)


def _press(key: str, source: Source, issued: datetime, value: str, kind: str) -> CallbackEvent:
    if not pb.is_ours(value):
        return Ignored(key, kind, "postback data of another bot or menu")
    try:
        return PostbackPress(key, source, issued, pb.decode(value))
    except pb.PostbackError as exc:
        raise CallbackError(f"postback data is malformed ({exc.reason})") from None


def _membership(key: str, kind: str, data: dict[str, Any]) -> Membership:
    source = data.get("source")
    if not isinstance(source, dict):
        raise CallbackError("source is missing")
    channel = _string(source, "channelId", limit=_ID_LIMIT, where="source.channelId")
    members: tuple[str, ...] = ()
    if kind in ("joined", "left"):
        raw = data.get("members")
        if not isinstance(raw, list) or not all(isinstance(m, str) and m for m in raw):
            raise CallbackError("members is not a list of user ids")
        members = tuple(raw)
    return Membership(key, kind, channel, _issued(data), members)


def _source(data: dict[str, Any], *, need_user: bool) -> Source:
    source = data.get("source")
    if not isinstance(source, dict):
        raise CallbackError("source is missing")
    user = _string(source, "userId", limit=_ID_LIMIT, where="source.userId") if need_user else None
    channel = source.get("channelId")
    if channel is not None and (not isinstance(channel, str) or not channel or len(channel) > _ID_LIMIT):
        raise CallbackError("source.channelId is not an id")
    domain = source.get("domainId")
    if domain is not None and (isinstance(domain, bool) or not isinstance(domain, int)):
        raise CallbackError("source.domainId is not a number")
    return Source(user, channel, domain)


def _string(data: dict[str, Any], name: str, *, limit: int, where: str | None = None,
            empty: bool = False) -> str:
    value = data.get(name)
    where = where or name
    if not isinstance(value, str) or (not value and not empty):
        raise CallbackError(f"{where} is missing")
    if len(value) > limit:
        raise CallbackError(f"{where} is longer than {limit} characters")
    return value


def _issued(data: dict[str, Any]) -> datetime:
    value = data.get("issuedTime")
    if not isinstance(value, str):
        raise CallbackError("issuedTime is missing")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CallbackError(f"issuedTime is not a date-time ({value[:40]!r})") from None
    if moment.tzinfo is None:
        raise CallbackError("issuedTime has no time zone")
    return moment


__all__ = ["CallbackError", "Source", "TextMessage", "PostbackPress", "Membership", "Unreadable", "Ignored",
           "CallbackEvent", "parse", "TEXT_LIMIT"]
