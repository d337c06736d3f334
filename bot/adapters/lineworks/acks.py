"""The typed acknowledgement 「確認 INC-0001」「ack INC-1」「INC-0001 確認しました」, for PR members only: LINE WORKS
shows at most 13 quick replies, so a room with more unacknowledged notices (or a restarted bot, which carries no
earlier buttons) leaves some without their 「確認しました」. The core decides and records as for the button."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.adapters.lineworks import postback as pb
from bot.delivery import controls
from bot.triage.short_input import fold, incident_number

if TYPE_CHECKING:
    from bot.adapters.lineworks.handlers import Handlers

_REF = r"(?P<ref>inc\s*[-_ー]?\s*0*\d{1,9}|[#＃]\s*\d{1,9})"
_ACK = r"(?:確認|ack|acknowledge)(?:しました|します|済み?|です)?"
_END = r"[\s。．.!！]*"
_TYPED = (re.compile(rf"/?{_ACK}[\s:：]*{_REF}{_END}", re.IGNORECASE),
          re.compile(rf"{_REF}\s*(?:を|の)?\s*{_ACK}{_END}", re.IGNORECASE))


def typed_ack(text: str) -> int | None:
    """The incident a typed acknowledgement names; None for anything else (「確認お願いします」 is none)."""
    folded = fold(text).strip()
    for pattern in _TYPED:
        if (found := pattern.fullmatch(folded)) is not None:
            number = incident_number(found["ref"].replace(" ", ""))
            return number if number else None
    return None


def acknowledge_typed(handlers: Handlers, user: str, text: str, *, private: bool) -> bool:
    """Acknowledge as the room's button does when a PR member typed it; False (the text goes on as ever) when it is
    no acknowledgement or the sender is not PR (for others 「確認 INC-0001」 is a colleague's words). `private`:
    typed in the 1:1 talk, where the member is told what was done (the room is told by the plan)."""
    incident_id = typed_ack(text)
    actor = handlers.adapter.actor(user)
    if incident_id is None or not handlers.triage.deps.access.holds(actor.user_id, "pr"):
        return False
    after = controls.acknowledge(handlers.triage, incident_id, actor, handlers.adapter.when)
    if after.duplicate or private:
        handlers.adapter.tell(user, handlers.render.messages(after.outcome.messages))
    if after.plan is not None:
        handlers.adapter.port.drop_everywhere(incident_id, pb.ACK)
        handlers.adapter.deliver(after.plan, actor.user_id)
    return True


__all__ = ["acknowledge_typed", "typed_ack"]
