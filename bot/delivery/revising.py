"""Section notices drawn again after a step changed what they say (plan.ReviseNotices): in place, or posted anew
where the platform cannot change a posted message; flare-up notices without their reopen control once reopened
(plan.WithdrawReopen)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace

from bot.delivery import content as c
from bot.delivery.content import ChatPort, Place, Posted
from bot.delivery.ledger import PR_MESSAGE, REOPEN_OFFER, Ledger, escalation_purpose
from bot.delivery.links import home_link
from bot.delivery.plan import ReviseNotices, WithdrawReopen
from bot.triage.core import notice_title
from bot.triage.url_correction import REVISED


def revise(port: ChatPort, led: Ledger, op: ReviseNotices, post: Callable[[Place, c.Content, str], Posted | None],
           edits: bool) -> bool:
    """Each level's posted notice redrawn in place, then who acknowledged it shown again; without `edits`, the
    first posted notice posted anew (`post`: paced, once per purpose, so a replay does not repeat it), its
    acknowledge control left on the one already posted."""
    url, private = home_link(port, led, op.incident_id)
    view = op.view
    for note in op.notes:
        ref = led.get(op.incident_id, PR_MESSAGE if note.level == 1 else escalation_purpose(note.level))
        if ref is None or ref[1] is None:
            continue  # never posted, or being posted now: that post reads the incident as it is now
        posted = Posted(ref[0], ref[1])
        if not edits and op.in_place:
            return True
        if not edits:
            # Once per wording: the same correction replayed posts nothing more (A→B, back to A, then B again
            # would also be skipped: its words are on the posted notice already).
            digest = hashlib.sha256(note.body.encode("utf-8")).hexdigest()[:16]
            post(Place(posted.channel), c.SectionNotice(replace(note, acknowledgeable=False), view, url, private),
                 f"{REVISED}:{digest}")
            return True
        port.update(posted, c.SectionNotice(note, view, url, private))
        if op.acked is not None:
            port.update(posted, c.NoticeAcknowledged(view, view.acknowledged_by or "", op.acked, view.ref))
    return True


def offered(led: Ledger, incident_id: int, shown: c.Content, posted: Posted) -> None:
    """Record a posted flare-up notice that carries the reopen control, so a reopen can withdraw it."""
    if isinstance(shown, c.SectionNotice) and shown.reopen:
        led.put(incident_id, f"{REOPEN_OFFER}:{posted.id}"[:120], posted.channel, posted.id)


def withdraw(port: ChatPort, led: Ledger, op: WithdrawReopen) -> bool:
    """Every recorded flare-up notice drawn without its reopen control (the platform's port decides how)."""
    for purpose, channel, ident in led.refs(op.incident_id):
        if purpose.startswith(f"{REOPEN_OFFER}:") and ident:
            port.update(Posted(channel, ident), op.content)
    return True



def titled(ledger: Ledger, purpose: str, content: c.Content) -> c.Content:
    """A notice drawn again with its own title: a re-notice's (escalation:N) says so as the core words it."""
    level = purpose.partition(":")[2]
    if not (purpose.startswith("escalation:") and level.isdigit()
            and isinstance(content, (c.NoticeAcknowledged, c.NoticeRedacted, c.NoticeEnded))):
        return content
    view = content.view
    return replace(content, title=notice_title(ledger.queries.deps, int(level), view.ref, view.kind_label,
                                               view.severity_label))


__all__ = ["offered", "revise", "titled", "withdraw"]
