"""A section notice the platform refused outright (the bot was removed from the channel, the channel is gone or
archived): the scheduler retrying cannot help, so the incident's reporters are told in their conversation (and the
PR channel, when the refused one is another: a leak's restricted channel), once per incident and reason, and the
operator's log names the app.yaml setting that points there. Ports only say which of their error codes mean which
reason (`unreached`: code -> reason); the rule is the same on every platform."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from bot.delivery import content as c
from bot.delivery import plan as p
from bot.delivery.content import DeliveryError, Place, Posted
from bot.delivery.runner import Runner
from bot.i18n import Catalog
from bot.ports import Notification

log = logging.getLogger("incident_bot.delivery")
REASONS = ("not_member", "not_found", "archived")
TOLD = "unreached_told"  # ledger purposes "unreached_told:<reason>" (the conversation), "unreached_pr:<reason>"
PR_TOLD = "unreached_pr"


def reason_of(port: object, code: str) -> str | None:
    """The reason a port's error code names (None: not a refusal, or one a retry may get past)."""
    reasons: Mapping[str, str] = getattr(port, "unreached", None) or {}
    return reasons.get(code)


def setting_of(runner: Runner, platform: str, restricted: bool) -> str:
    """The app.yaml key of the channel this incident's section notices go to."""
    own = restricted and runner.section_channel(True) != runner.section_channel(False)
    return f"{platform}.{'restricted_channel' if own else 'pr_channel'}"


def tell_unreached(runner: Runner, catalog: Catalog, note: Notification, code: str) -> bool:
    """Log the refusal with its setting and tell who can act (once per incident and reason); False when the code
    is not a refusal of the channel (a retry may get through)."""
    reason = reason_of(runner.port, code)
    if reason is None:
        return False
    view = runner.ledger.queries.view(note.incident_id, None)
    platform = runner.port.platform
    log.error("delivery.section_unreached incident_id=%s level=%s error=%s reason=%s setting=%s", note.incident_id,
              note.level, code, reason, setting_of(runner, platform, view.restricted))
    words = {"ref": view.ref, "level": note.level, "section": note.section_name,
             "reason": catalog.t(f"unreached.reason.{reason}")}
    told = c.Texts((catalog.t("unreached.told", **words),), mention=view.reporters)
    ops: list[p.Op] = [p.Post(view.id, f"{TOLD}:{reason}", p.HOME, told)]
    pr, refused = runner.section_channel(False), runner.section_channel(view.restricted)
    if pr and pr != refused:  # a leak's restricted channel: PR's is another (its ref only, no detail)
        ops.append(p.Post(view.id, f"{PR_TOLD}:{reason}", Place(pr), c.Texts((catalog.t("unreached.pr", **words),))))
    result = runner.run(p.Plan(view.id, tuple(ops), view.severity, ""))
    if result.failures:
        log.error("delivery.unreached_not_told incident_id=%s errors=%s", note.incident_id, ",".join(result.failures))
    return True


def told_unreached(runner: Runner, catalog: Catalog, note: Notification, code: str) -> None:
    """`tell_unreached` for a notice a plan posted (the first notice at report time): never raises, so the plan's
    own failures are still told to whoever acted."""
    try:
        tell_unreached(runner, catalog, note, code)
    except Exception:  # noqa: BLE001 - telling must not hide the refusal itself
        log.exception("delivery.unreached_tell_failed incident_id=%s", note.incident_id)


def notify(runner: Runner, catalog: Catalog, note: Notification,
           when: Callable[[datetime], str]) -> Posted | None:
    """`Runner.notify`; a refusal of the channel is told as above, then raised (the scheduler records it and
    retries: the bot may be invited back)."""
    try:
        return runner.notify(note, when)
    except DeliveryError as exc:
        try:
            tell_unreached(runner, catalog, note, exc.code)
        except Exception:  # noqa: BLE001 - telling must not hide the refusal itself from the scheduler
            log.exception("delivery.unreached_tell_failed incident_id=%s", note.incident_id)
        raise


__all__ = ["REASONS", "notify", "reason_of", "setting_of", "tell_unreached", "told_unreached"]
