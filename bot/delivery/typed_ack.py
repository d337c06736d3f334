"""The typed acknowledgement 「確認 INC-0001」「ack INC-1」「INC-0001 確認しました」, read the same on every platform:
from one who may acknowledge it is the notice's 「確認しました」 button; from anyone else it stays their words."""

from __future__ import annotations

import re

from bot.ports import Actor
from bot.triage.access import MATRIX
from bot.triage.service import Triage
from bot.triage.short_input import fold, incident_number

_REF = r"(?P<ref>inc\s*[-_ー]?\s*0*\d{1,9}|[#＃]\s*\d{1,9})"
_ACK = r"(?:確認|ack|acknowledge|acknowledged)(?:しました|します|済み?|です|いたしました|致しました)?"
_END = r"[\s。．.!！]*"
# 「確認お願いします INC-1」 asks someone else to look: no acknowledgement (the words must say it is done or doing).
_TYPED = (re.compile(rf"/?{_ACK}[\s:：]*{_REF}{_END}", re.IGNORECASE),
          re.compile(rf"{_REF}\s*(?:の件|を|の|は)?[、,\s]*{_ACK}{_END}", re.IGNORECASE))


def number(text: str) -> int | None:
    """The incident a typed acknowledgement names; None for anything else (「確認お願いします」 is none)."""
    folded = fold(text).strip()
    for pattern in _TYPED:
        if (found := pattern.fullmatch(folded)) is not None:
            return incident_number(found["ref"].replace(" ", "")) or None
    return None


def may_acknowledge(triage: Triage, actor: Actor) -> bool:
    """Whether the sender holds a role the access matrix lets acknowledge (PR): only then are the words a command."""
    roles = MATRIX["acknowledge"][0] | MATRIX["acknowledge"][1]
    return triage.deps.access.holds(actor.user_id, *roles)


__all__ = ["may_acknowledge", "number"]
