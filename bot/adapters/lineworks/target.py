"""Where a message goes: a talk room (channel) or one user's 1:1 chat with the bot.

LINE WORKS sends no channel id for 1:1 rooms, so a 1:1 conversation is addressed by the user id; the
encoded form ("channel:<id>" / "user:<id>") is what the core stores in ConversationRef.channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from bot import identity
from bot.ports import ConversationRef

PLATFORM = "lineworks"


@dataclass(frozen=True)
class Target:
    """A talk room or a user's 1:1 chat."""

    kind: Literal["channel", "user"]
    id: str

    @classmethod
    def channel(cls, channel_id: str) -> Target:
        return cls("channel", channel_id)

    @classmethod
    def user(cls, user_id: str) -> Target:
        return cls("user", user_id)

    @property
    def path(self) -> str:
        """The Bot API path below /bots/{botId}/ that sends to this target."""
        collection = "channels" if self.kind == "channel" else "users"
        return f"{collection}/{quote(self.id, safe='')}/messages"

    def encode(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def decode(cls, value: str) -> Target:
        """Parse an encoded target; ValueError when it is not one."""
        kind, sep, ident = str(value).partition(":")
        if not sep or not ident or kind not in ("channel", "user"):
            raise ValueError(f"not a LINE WORKS target: {value!r}")
        return cls("channel" if kind == "channel" else "user", ident)

    def conversation(self) -> ConversationRef:
        """The neutral reference the core stores for this place."""
        return ConversationRef(platform=PLATFORM, channel=self.encode())


__all__ = ["PLATFORM", "Target"]


def member_id(user: str) -> str:
    """A LINE WORKS user id as the API wants it, from the core's "lineworks:…" id or an already raw one."""
    return identity.raw(PLATFORM, user) or user

