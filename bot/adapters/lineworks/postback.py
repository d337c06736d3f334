"""Postback data: what a quick-reply button carries back, compact and at most 300 characters.

`ib1|<action>|<fields…>`: the prefix marks our own data (and its version), so a postback from another
bot menu or an old format is told apart from a tampered one. Playbook ids never contain `|`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.presenting import StepRef

PREFIX = "ib1"
DATA_LIMIT = 300  # postback action `data`, per the Action Objects reference

DONE, SKIP, INPUT, CHOICE, KIND, ACK, CANCEL, ASK = "d", "s", "i", "c", "k", "a", "x", "r"
END = "e"  # 対応完了にする: the steps are done, PR or security ends the incident (bot/delivery/controls.py end)
# The closing review (bot/adapters/lineworks/review.py): start it, leave the asked field blank, stop it.
REVIEW, REVIEW_BLANK, REVIEW_STOP = "v", "vb", "vx"
DECLINE = "none"  # the ASK answer 「報告ではない」 (no kind is called that)
FLAREUP = "f"  # a resolved incident's post reported again: reopen it or report a new one (bot/delivery/flareup.py)
NOTE = "n"  # 「報告しますか？」 answered 「INC-0001 の記録に残す」: the message goes on that incident's timeline
# A reporter's next 1:1 message: 続報 / 新しい報告 / どちらでもない (bot/delivery/followup_choice.py)
FOLLOWUP = "o"
# Action -> the fields after it.
SHAPES: dict[str, tuple[str, ...]] = {
    DONE: ("incident", "kind", "step"),
    SKIP: ("incident", "kind", "step"),
    INPUT: ("incident", "kind", "step", "field"),
    CHOICE: ("incident", "kind", "step", "field", "index"),
    KIND: ("incident", "kind"),
    ACK: ("incident", "level"),
    END: ("incident",),
    CANCEL: ("incident",),
    ASK: ("token", "kind"),  # the remembered question (bot/triage/memos.py) and the chosen kind
    FLAREUP: ("incident", "token", "kind"),  # the resolved incident, the remembered message, reopen or new
    NOTE: ("incident", "token"),  # the member's open incident and the remembered message
    FOLLOWUP: ("incident", "token", "kind"),  # her open incident, the remembered message, the choice
    REVIEW: ("incident",),
    REVIEW_BLANK: ("incident",),
    REVIEW_STOP: ("incident",),
}
_TOKEN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_NUMBER = re.compile(r"^[0-9]{1,12}$")
_NUMERIC = {"incident", "index", "level"}


class PostbackError(ValueError):
    """Postback data that is not ours or is malformed; `reason` is a short log code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Postback:
    """A decoded button press."""

    action: str
    incident_id: int
    kind: str = ""
    step_id: str = ""
    field: str = ""
    index: int = -1
    level: int = 0
    token: str = ""

    @property
    def step_ref(self) -> StepRef:
        """The step the button belonged to (only for step actions)."""
        return StepRef(self.incident_id, self.kind, self.step_id)


def encode(action: str, *values: object) -> str:
    """Postback data for an action; ValueError when a value could break the format or the limit."""
    shape = SHAPES.get(action)
    if shape is None or len(values) != len(shape):
        raise ValueError(f"postback {action!r} takes {shape}")
    parts = [PREFIX, action]
    for name, value in zip(shape, values, strict=True):
        text = str(value)
        pattern = _NUMBER if name in _NUMERIC else _TOKEN
        if not pattern.match(text):
            raise ValueError(f"postback field {name}={text!r} is not a plain id")
        parts.append(text)
    data = "|".join(parts)
    if len(data) > DATA_LIMIT:
        raise ValueError(f"postback data is {len(data)} characters (limit {DATA_LIMIT})")
    return data


def is_ours(data: str) -> bool:
    """Whether data carries our prefix (then decoding errors mean tampering or a bug)."""
    return data.startswith(PREFIX + "|")


def decode(data: str) -> Postback:
    """Parse postback data; PostbackError with a reason when it is not well-formed."""
    if not isinstance(data, str) or len(data) > DATA_LIMIT:
        raise PostbackError("too_long")
    if not is_ours(data):
        raise PostbackError("foreign")
    parts = data.split("|")
    action, values = parts[1], parts[2:]
    shape = SHAPES.get(action)
    if shape is None:
        raise PostbackError("unknown_action")
    if len(values) != len(shape):
        raise PostbackError("wrong_fields")
    raw: dict[str, str] = {}
    for name, value in zip(shape, values, strict=True):
        pattern = _NUMBER if name in _NUMERIC else _TOKEN
        if not pattern.match(value):
            raise PostbackError(f"bad_{name}")
        raw[name] = value
    return Postback(action=action, incident_id=int(raw.get("incident", "0")), token=raw.get("token", ""),
                    kind=raw.get("kind", ""), step_id=raw.get("step", ""), field=raw.get("field", ""),
                    index=int(raw.get("index", "-1")), level=int(raw.get("level", "0")))

__all__ = ["PREFIX", "DATA_LIMIT", "DONE", "SKIP", "INPUT", "CHOICE", "KIND", "ACK", "END", "CANCEL", "ASK", "DECLINE",
           "FLAREUP", "FOLLOWUP", "NOTE",
           "REVIEW", "REVIEW_BLANK", "REVIEW_STOP",
           "Postback", "PostbackError", "encode", "decode", "is_ours"]
