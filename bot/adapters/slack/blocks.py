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
    """A block slack_sdk built and validated, kept as its dict; to_dict() hands out a copy unless it is `own`."""

    def __init__(self, built: dict[str, Any], *, own: bool = False) -> None:
        super().__init__(type=built["type"], block_id=built.get("block_id"))
        self.built = built
        self.own = own  # made for this block alone (filled in from a copy): nothing else holds it to spoil

    def to_dict(self) -> dict[str, Any]:  # type: ignore[override]
        # A shared dict (cached, or a renderer's template) is copied so no caller can change it for the next one.
        return self.built if self.own else _copied(self.built)


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


@lru_cache(maxsize=4)
def _shape(kind: str, with_id: bool) -> dict[str, Any]:
    """A section or context block of placeholder text, as the models build it: the keys and their order."""
    return (_section_dict if kind == "section" else _context_dict)("-", "-" if with_id else None)


def _plain(text: str, block_id: str | None, limit: int | None) -> bool:
    """Whether the models would keep the text and block id as given and find nothing wrong with them."""
    return (isinstance(text, str) and 0 < len(text) <= (limit or len(text))
            and (block_id is None or (isinstance(block_id, str) and 0 < len(block_id) <= Block.block_id_max_length)))


def _filled(shape: dict[str, Any], text: str, block_id: str | None) -> dict[str, Any]:
    built = _copied(shape)
    (built["text"] if "text" in built else built["elements"][0])["text"] = text
    if block_id is not None:
        built["block_id"] = block_id
    return built


def section(text: str, block_id: str | None = None) -> Block:
    """A section of mrkdwn text: its shape built by the models once, the text within their limit put in (a text
    they would refuse or drop goes through them, so it fails or is dropped as there)."""
    if _plain(text, block_id, SectionBlock.text_max_length):
        return Built(_filled(_shape("section", block_id is not None), text, block_id), own=True)
    return Built(_section_dict(text, block_id))


def context(text: str, block_id: str | None = None) -> Block:
    """A context line of mrkdwn text (built as `section` is)."""
    if _plain(text, block_id, None):
        return Built(_filled(_shape("context", block_id is not None), text, block_id), own=True)
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
    return Built(built, own=True)
