"""A step's cards redrawn once what follows is shown (plan.UpdateStep): the one clicked, the latest posted, the
copies in askers' private chats; never a card in the public thread a restricted incident's conversation left."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.delivery import ledger as lg
from bot.delivery import plan as p
from bot.delivery.content import ChatPort, Marker, Posted
from bot.delivery.ledger import Ledger

log = logging.getLogger("incident_bot.delivery")


def update_step(port: ChatPort, led: Ledger, op: p.UpdateStep) -> bool:
    """Redraw every card of the step (see the module docstring)."""
    shown = _where_shown(led, op)
    if op.at is not None and shown(op.at):
        port.update(op.at, op.content)
    latest = led.latest_step(op.incident_id, op.kind, op.step_id)
    if latest is None and op.at is None:  # posted by a delivery that died before recording it (resume)
        latest = _found_step(port, led, op)
    if latest is not None and latest != op.at and shown(latest):
        port.update(latest, op.content)
    if latest is None and op.at is None:
        log.warning("delivery.step_message_missing incident_id=%s step=%s", op.incident_id, op.step_id)
    for copy in led.step_copies(op.incident_id, op.kind, op.step_id):  # the cards in askers' private chats
        if copy not in (op.at, latest):
            port.update(copy, op.content)
    return True


def _where_shown(led: Ledger, op: p.UpdateStep) -> Callable[[Posted], bool]:
    """Which of the step's cards may show it: all of an ordinary incident's. Once a restricted incident's conversation
    moved private, its old public cards keep the neutral line the move drew, even when one is clicked late or a click
    the inbox runs again after the move names it (s22 scenarios: the answers and the post's URL were drawn there)."""
    moved = led.get(op.incident_id, lg.PUBLIC_THREAD)
    if moved is None:
        return lambda posted: True
    return lambda posted: posted.channel != moved[0]


def _found_step(port: ChatPort, led: Ledger, op: p.UpdateStep) -> Posted | None:
    """The step's first message, claimed and never recorded, looked for by its marker in the conversation."""
    purpose, home = lg.step_purpose(op.kind, op.step_id), led.home(op.incident_id)
    if home is None or not port.finds_posted or led.get(op.incident_id, purpose) is None:
        return None
    found = port.find_posted(home, Marker(op.incident_id, purpose))
    if found is not None:
        led.put(op.incident_id, purpose, found.channel, found.id)
    return found
