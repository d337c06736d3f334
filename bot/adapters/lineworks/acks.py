"""The typed acknowledgement 「確認 INC-0001」「ack INC-1」「INC-0001 確認しました」, for PR members only: LINE WORKS
shows at most 13 quick replies, so a room with more unacknowledged notices (or a restarted bot, which carries no
earlier buttons) leaves some without their 「確認しました」. The core decides and records as for the button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.lineworks import postback as pb
from bot.delivery import controls, typed_ack

if TYPE_CHECKING:
    from bot.adapters.lineworks.handlers import Handlers


def acknowledge_typed(handlers: Handlers, user: str, text: str, *, private: bool) -> bool:
    """Acknowledge as the room's button does when a PR member typed it; False (the text goes on as ever) when it is
    no acknowledgement or the sender is not PR (for others 「確認 INC-0001」 is a colleague's words). `private`:
    typed in the 1:1 talk, where the member is told what was done (the room is told by the plan)."""
    incident_id = typed_ack.number(text)  # read as on every platform (bot/delivery/typed_ack.py)
    if incident_id is None:
        return False
    actor = handlers.adapter.actor(user)
    if not typed_ack.may_acknowledge(handlers.triage, actor):
        return False
    after = controls.acknowledge(handlers.triage, incident_id, actor, handlers.adapter.when)
    if after.duplicate or private:
        handlers.adapter.tell(user, handlers.render.messages(after.outcome.messages))
    if after.plan is not None:
        handlers.adapter.port.drop_everywhere(incident_id, pb.ACK)
        handlers.adapter.deliver(after.plan, actor.user_id)
    return True


__all__ = ["acknowledge_typed"]
