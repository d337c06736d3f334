"""Teams `<at>` mentions of configured people and tags: the `teams.mentions` setting checked, and rendered."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.identity import raw, split

if TYPE_CHECKING:
    from bot.adapters.teams.settings import TeamsMention, TeamsSettings

_NAME_FORBIDDEN = re.compile(r"[<>]")
_MAX_PER_SECTION = 20  # Teams renders at most a handful; more is a configuration mistake


class MentionConfigError(ValueError):
    """A `teams.mentions` entry that cannot work; the message (ja + en) names the section and the field."""


def _entry_error(section: str, index: int | None, field: str, why_ja: str, why_en: str) -> MentionConfigError:
    where = f"mentions.{section}" + (f"[{index}]" if index is not None else "") + f".{field}"
    return MentionConfigError(f"{where}: {why_ja} / {why_en}")


def _check_entry(section: str, index: int | None, entry: object) -> object:
    if hasattr(entry, "model_dump"):  # already a TeamsMention
        return entry
    if not isinstance(entry, Mapping):
        raise _entry_error(section, index, "id", "id と name を持つ項目を書いてください",
                           "an entry with id and name was expected")
    for field in ("id", "name"):
        value = entry.get(field)
        if not isinstance(value, str) or not value.strip():
            raise _entry_error(section, index, field, f"{field} が空です", f"{field} is empty")
    if _NAME_FORBIDDEN.search(str(entry["name"])):
        raise _entry_error(section, index, "name", "name に < や > は使えません",
                           "name may not contain < or >")
    platform, _ = split(str(entry["id"]))
    if platform is not None and platform != "teams":
        raise _entry_error(section, index, "id", f"{platform} の利用者 ID は Teams では使えません",
                           f"a {platform} user id cannot be mentioned in Teams")
    kind = entry.get("type", "person")
    if kind not in ("person", "tag"):
        raise _entry_error(section, index, "type", "type は person か tag です", "type is person or tag")
    return entry


def check_mentions_field(value: object) -> object:
    """`teams.mentions` before validation: each section one entry or a list, normalised to a list."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MentionConfigError("mentions: 段階（section）ごとの対応表を書いてください / a mapping by section "
                                 "was expected")
    result: dict[str, list[object]] = {}
    for section, entries in value.items():
        if isinstance(entries, Sequence) and not isinstance(entries, str | bytes):
            if not entries:
                raise _entry_error(str(section), None, "id", "メンションする相手を一つ以上書いてください",
                                   "at least one entry is needed (or leave the section out)")
            if len(entries) > _MAX_PER_SECTION:
                raise _entry_error(str(section), None, "id", f"一つの段階で {_MAX_PER_SECTION} 件までです",
                                   f"at most {_MAX_PER_SECTION} per section")
            result[str(section)] = [_check_entry(str(section), i, e) for i, e in enumerate(entries)]
        else:
            result[str(section)] = [_check_entry(str(section), None, entries)]
    return result


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


def section_mentions(settings: TeamsSettings, audience: str | None) -> list[TeamsMention]:
    """Who a notification for this chain section (e.g. pr_section) mentions, each once (by id)."""
    listed = settings.mentions.get(audience or "", [])
    return [m for i, m in enumerate(listed) if m.id not in {earlier.id for earlier in listed[:i]}]


def mention_line(mentions: Iterable[TeamsMention]) -> str:
    """The text line that carries the `<at>` tags (empty when there is nobody to mention)."""
    return " ".join(mention_text(m) for m in mentions)


__all__ = ["MentionConfigError", "check_mentions_field", "section_mentions", "mention_entity", "mention_text",
           "mention_line", "teams_id"]
