"""What Teams activities carry, read defensively: card action data, channelData, and what an action answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity

from bot.adapters.teams.cards import INPUT_PREFIX
from bot.triage.sanitize import storable


@dataclass(frozen=True)
class ActionResult:
    """What a card action shows the person who clicked: the card's new state, or a short message."""

    card: dict[str, Any] | None = None
    text: str | None = None


def fields_of(value: Any) -> dict[str, Any]:
    """An SDK model (camelCase aliases, no Nones) or a dict as a plain dict; anything else as {}."""
    dump = getattr(value, "model_dump", None)
    value = dump(by_alias=True, exclude_none=True) if callable(dump) else value
    return value if isinstance(value, dict) else {}


def value_of(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


def submitted_answers(data: Any) -> dict[str, str]:
    """The step inputs a card action carried (Teams merges the card's inputs into the action data)."""
    if not isinstance(data, dict):
        return {}
    return {key[len(INPUT_PREFIX):]: storable(str(value)) for key, value in data.items()
            if isinstance(key, str) and key.startswith(INPUT_PREFIX) and value not in (None, "")}


def incident_of(data: Any) -> int | None:
    value = value_of(data, "incident")
    if value is None and isinstance(value_of(data, "ref"), str):
        value = str(value_of(data, "ref")).split("|", 1)[0]
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def channel_data(activity: Activity, *path: str) -> str | None:
    """A value from Teams' channelData (a dict or a model), e.g. ('channel', 'id')."""
    node: Any = activity.channel_data
    for key in path:
        if node is None:
            return None
        node = node.get(key) if isinstance(node, dict) else getattr(node, key, None)
    return str(node) if node else None
