"""A plan delivered after a core call, its failures told to the user who acted: the same on every platform."""

from __future__ import annotations

from collections.abc import Callable

from bot.delivery.content import Content
from bot.delivery.ledger import Prepared
from bot.delivery.pacing import Pacer
from bot.delivery.plan import Plan
from bot.delivery.refusals import Refusals
from bot.delivery.runner import Runner
from bot.delivery.shared import submit_plan


def deliver_telling(pacer: Pacer, runner: Runner, refusals: Refusals, steps: Plan, action: str,
                    say: Callable[..., None], *, reply: Callable[[Content], None] | None = None,
                    prepared: Prepared | None = None) -> bool:
    """Run a plan after the core call, paced (shared.submit_plan). Its platform failures (on the timeline already)
    are said to the user who acted, each once; an exception from the run is said as refusals.told says once the
    core has committed (a storage outage only logged: "try again" would report twice). `say(*texts)` tells them.
    False: the queue had no room, the plan is left to resume (the adapter logs it)."""

    def refused(exc: BaseException) -> None:
        said = refusals.told(exc, action, steps.incident_id, stored=True)
        if said is not None:
            say(said)

    return submit_plan(pacer, runner, steps, lambda codes: say(*refusals.codes_text(codes)), refused, reply=reply,
                       prepared=prepared)


__all__ = ["deliver_telling"]
