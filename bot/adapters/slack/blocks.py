"""Block Kit blocks built by slack_sdk's models once per distinct content and kept as their validated dicts."""

# slack_sdk validates a model object on every to_dict() (each validator of each nested object, found by scanning
# the object's attributes): a step's sections, the kind menu and the buttons are the same for every incident of a
# kind, so each distinct block is built and validated once; what differs per incident (a block id, a button's
# value) is put into a copy of the built dict, with the same length limits checked.

from __future__ import annotations

from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

CACHED_BLOCKS = 2048  # distinct texts kept (report texts differ every time; step texts repeat)


class Built(Block):
    """A block slack_sdk built and validated, kept as its dict; to_dict() hands out a copy."""

    def __init__(self, built: dict[str, Any]) -> None:
        super().__init__(type=built["type"], block_id=built.get("block_id"))
        self.built = built

    def to_dict(self) -> dict[str, Any]:  # type: ignore[override]
        return _copied(self.built)


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


@lru_cache(maxsize=CACHED_BLOCKS)
def _section_dict(text: str, block_id: str | None) -> dict[str, Any]:
    return SectionBlock(text=MarkdownTextObject(text=text), block_id=block_id).to_dict()


@lru_cache(maxsize=CACHED_BLOCKS)
def _context_dict(text: str, block_id: str | None) -> dict[str, Any]:
    return ContextBlock(elements=[MarkdownTextObject(text=text)], block_id=block_id).to_dict()


def section(text: str, block_id: str | None = None) -> Block:
    """A section of mrkdwn text."""
    return Built(_section_dict(text, block_id))


def context(text: str, block_id: str | None = None) -> Block:
    """A context line of mrkdwn text."""
    return Built(_context_dict(text, block_id))


def with_values(template: Built, block_id: str | None, values: list[str] | None = None) -> Built:
    """A copy of a built actions block with its own block id and element values (Slack's limits checked)."""
    built = _copied(template.built)
    if block_id is None:
        built.pop("block_id", None)
    else:
        if len(block_id) > Block.block_id_max_length:
            raise ValueError(f"block_id cannot exceed {Block.block_id_max_length} characters")
        built["block_id"] = block_id
    for element, value in zip(built["elements"], values or [], strict=False):
        if len(value) > ButtonElement.value_max_length:
            raise ValueError(f"value attribute cannot exceed {ButtonElement.value_max_length} characters")
        element["value"] = value
    return Built(built)
