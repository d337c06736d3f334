"""Teams `<at>` mentions of configured people and tags (the `teams.mentions` setting, checked in settings.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.identity import raw

if TYPE_CHECKING:
    from bot.adapters.teams.settings import TeamsMention, TeamsSettings


def teams_id(mention_id: str) -> str:
    """The id Teams expects in the entity: a `teams:` prefix (bot/identity.py) removed."""
    return raw("teams", mention_id) or mention_id


def mention_text(mention: TeamsMention) -> str:
    """The `<at>` tag of a configured mention."""
    return f"<at>{mention.name}</at>"


def mention_entity(mention: TeamsMention) -> dict[str, Any]:
    """The entity that turns the `<at>` tag into a real mention (a notification for the person or tag)."""
    mentioned: dict[str, Any] = {"id": teams_id(mention.id), "name": mention.name}
    if mention.type == "tag":
        mentioned["type"] = "tag"
    return {"type": "mention", "text": mention_text(mention), "mentioned": mentioned}


def section_mentions(settings: TeamsSettings, audience: str | None,
                     audiences: Iterable[str] = ()) -> list[TeamsMention]:
    """Who a notification mentions, each once (by id): the people of every section it tells."""
    # A guideline may name several sections at once (浦臼町 5(3) 所属課局長及び総務課), not only `audience`.
    listed = [m for section in dict.fromkeys([*audiences, audience or ""]) for m in settings.mentions.get(section, [])]
    return [m for i, m in enumerate(listed) if m.id not in {earlier.id for earlier in listed[:i]}]


def mention_line(mentions: Iterable[TeamsMention]) -> str:
    """The text line that carries the `<at>` tags (empty when there is nobody to mention)."""
    return " ".join(mention_text(m) for m in mentions)


__all__ = ["section_mentions", "mention_entity", "mention_text", "mention_line", "teams_id"]
