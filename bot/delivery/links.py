"""Links to an incident's conversation: none to someone's private chat with the bot, which only they could open."""

from __future__ import annotations

from collections.abc import Callable

from bot.delivery.content import ChatPort, Posted
from bot.delivery.ledger import Ledger


def home_link(port: ChatPort, ledger: Ledger, incident_id: int | None) -> tuple[str | None, bool]:
    """A link to the incident's conversation, and whether that conversation is a private chat with the bot (then
    no link: the section and other reporters could not open it, and the words say where it is instead)."""
    home = ledger.home(incident_id) if incident_id is not None else None
    if home is None or not home.thread:
        return None, False
    is_private = getattr(port, "is_private", None)  # a port written before it knows no private chats
    if is_private is not None and is_private(home.channel):
        return None, True
    return port.permalink(Posted(home.channel, home.thread)), False


def home_is_private(ledger: Ledger, incident_id: int, is_private: Callable[[str], bool]) -> bool:
    """Whether the incident's conversation lives in a private chat with the bot (as the platform tells it)."""
    home = ledger.home(incident_id)
    return home is not None and is_private(home.channel)


__all__ = ["home_is_private", "home_link"]
