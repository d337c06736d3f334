"""A restricted incident's conversation moved private, and the privacy advice to whoever reported it in public."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.delivery import content as c
from bot.delivery import ledger as lg
from bot.delivery import plan as p
from bot.delivery.content import Place, Posted
from bot.delivery.ledger import DONE, PRIVATE_HOME, PRIVATE_LINE, PUBLIC_THREAD, Ledger, notification_purposes
from bot.ports import IncidentView

if TYPE_CHECKING:
    from bot.delivery.runner import Runner


def advise(runner: Runner, led: Ledger, view: IncidentView, home: Place, plan: p.Plan,
            unrecorded: Place | None = None) -> bool | None:
    """The privacy advice, once, in the private `home`, when the report was posted where others can read it
    (plan.REPORTED); `unrecorded`: the public thread of an incident reported before that was recorded.
    None when there is nothing to advise about."""
    # Someone else's first: a resumed report (which cannot tell whose message it was) records it as own too.
    own, ref = False, led.get(view.id, p.REPORTED_OTHERS)
    if ref is None:
        own, ref = True, led.get(view.id, p.REPORTED)
    if ref is None:
        shared = unrecorded
    else:  # DONE: the report was no message others can read
        shared = None if ref[1] == DONE else Place(ref[0], ref[1] or None)
    if shared is None or shared.channel == home.channel:  # a private report, or no private home to say it in
        return None
    posted = runner.post_once(view.id, lg.PRIVACY_ADVICE, home, c.PrivacyAdvice(view, shared, own=own), plan, led=led)
    return posted is not None

def move_private(runner: Runner, led: Ledger, op: p.MovePrivate, plan: p.Plan) -> bool:
    """See plan.MovePrivate: public messages neutralised first, then the private conversation opened."""
    if led.posted(op.incident_id, PRIVATE_HOME) is not None:
        return True
    public = led.home(op.incident_id)
    if public is not None:
        keep = {lg.THREAD, PRIVATE_LINE, PUBLIC_THREAD, p.REPORTED, p.REPORTED_OTHERS,
                *notification_purposes(runner.chain_length)}
        for purpose, channel, ident in led.refs(op.incident_id):
            # A step card copied to an asker's private chat too: they may no longer see what it says.
            if purpose not in keep and ident and ident != DONE and (channel == public.channel or lg.COPY in purpose):
                runner.port.update(Posted(channel, ident), c.PrivateLine(op.view))
                if lg.COPY in purpose:  # no longer theirs: never redrawn with the step (s22), asked again if allowed
                    led.forget(op.incident_id, purpose)
        led.put(op.incident_id, PUBLIC_THREAD, public.channel, public.thread or "")
        runner.post_once(op.incident_id, PRIVATE_LINE, public, c.PrivateLine(op.view), plan, led=led)
    elif (began := led.get(op.incident_id, PUBLIC_THREAD)) is not None:  # neutralised before: only the chat opens
        public = Place(began[0], began[1] or None)
    opened = runner.post_once(op.incident_id, PRIVATE_HOME, Place(op.private), c.Anchor(op.view, op.reporter_name),
                            plan, led=led)
    if opened is None:
        return False
    home = Place(opened.channel, opened.id)
    advise(runner, led, op.view, home, plan, public)
    # No kind control follows: the conversation moves private only for a restricted incident, whose kind is PR's
    # to correct (plan.intro), and the intro without it said only the incident's number (Slack walk s17 #6).
    return True
