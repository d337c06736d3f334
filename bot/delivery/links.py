"""Links to an incident's conversation: none to someone's private chat with the bot, which only they could open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.delivery import content as c
from bot.delivery.content import ChatPort, Place, Posted
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


def pointed(port: ChatPort, ledger: Ledger, incident_id: int, shown: c.Content, place: Place) -> c.Content:
    """A note told at `place` with the way to the incident's conversation; none when that is the private chat it
    is told in (its owner would read that the first reporter's chat is one they cannot open)."""
    url, private = home_link(port, ledger, incident_id)
    home = ledger.home(incident_id)
    return shown if private and home is not None and home.channel == place.channel else c.Linked(shown, url, private)


def linked(port: ChatPort, ledger: Ledger, incident_id: int, shown: c.Content) -> c.Content:
    """A section notice or a linked note (a grantee's) given its link to the conversation when it has none yet."""
    if isinstance(shown, c.SectionNotice) and shown.link is None:
        url, private = home_link(port, ledger, incident_id)
        return replace(shown, link=url, private=private)
    if isinstance(shown, c.Linked) and shown.url is None and not shown.private:
        url, private = home_link(port, ledger, incident_id)
        return replace(shown, url=url, private=private)
    return shown


def home_is_private(ledger: Ledger, incident_id: int, is_private: Callable[[str], bool]) -> bool:
    """Whether the incident's conversation lives in a private chat with the bot (as the platform tells it)."""
    home = ledger.home(incident_id)
    return home is not None and is_private(home.channel)


__all__ = ["home_is_private", "home_link", "linked", "pointed"]
