"""An ended incident's controls withdrawn (plan.WithdrawControls): the kind card and the pending steps' cards in
its conversation, and those steps' copies in people's private chats, drawn without their buttons and saying why.
Found through the ledger (the purposes they were posted under); done once per end, recorded as a mark, so a restart
or a redelivery redraws nothing."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery.content import ChatPort, Posted
from bot.delivery.ledger import COPY, DONE, INTRO, PRIVATE_HOME, PUBLIC_THREAD, Ledger, step_purpose
from bot.delivery.ops import RedrawKindCard, WithdrawControls

WITHDRAWN = "controls_withdrawn"  # controls_withdrawn:<status>: not a message, the end's controls were withdrawn


def _of_step(purpose: str, base: str) -> bool:
    """Whether a ref purpose is a card of the step `base` names: any generation, or a copy in someone's chat."""
    return purpose == base or purpose.startswith((f"{base}#", f"{base}{COPY}"))


def withdraw_controls(port: ChatPort, led: Ledger, op: WithdrawControls) -> bool:
    """Each open control's message redrawn (see the module docstring); a failure leaves the mark unset, so a later
    delivery of the end redraws them (the same drawing again, harmless)."""
    view, mark = op.view, f"{WITHDRAWN}:{op.view.status}"
    if (led.get(op.incident_id, mark) or ("", None))[1]:
        return True
    refs = _shown(led, op.incident_id)
    shown: list[tuple[Posted, c.Content]] = []
    if not view.restricted:  # a restricted incident's intro carries no kind control (plan.intro)
        shown += [(posted, c.ControlsWithdrawn(view)) for purpose, posted in refs if purpose == INTRO]
    for step in op.steps:
        base = step_purpose(view.kind, step.step_id)
        shown += [(posted, c.ControlsWithdrawn(view, step)) for purpose, posted in refs if _of_step(purpose, base)]
    for posted, content in shown:
        port.update(posted, content)
    led.put(op.incident_id, mark, "", DONE)
    return True


def redraw_kind_card(port: ChatPort, led: Ledger, op: RedrawKindCard) -> bool:
    """The kind card drawn as op.content (see RedrawKindCard); a reopen first forgets its end's mark, so the next
    end withdraws the controls again."""
    if op.reopened is not None:
        mark = f"{WITHDRAWN}:{op.reopened}"
        if not (led.get(op.incident_id, mark) or ("", None))[1]:
            return True  # that end withdrew nothing: the card kept its control
        led.forget(op.incident_id, mark)
    for purpose, posted in _shown(led, op.incident_id):
        if purpose == INTRO:
            port.update(posted, op.content)
    return True


def _shown(led: Ledger, incident_id: int) -> list[tuple[str, Posted]]:
    """The incident's posted messages (purpose, where) that still show what they showed."""
    # A conversation moved private left its public messages and the askers' copies as the neutral line: kept so.
    public = led.get(incident_id, PUBLIC_THREAD) if led.posted(incident_id, PRIVATE_HOME) else None
    return [(purpose, Posted(channel, ident)) for purpose, channel, ident in led.refs(incident_id)
            if ident and ident != DONE and not (public and (channel == public[0] or COPY in purpose))]


__all__ = ["WITHDRAWN", "redraw_kind_card", "withdraw_controls"]
