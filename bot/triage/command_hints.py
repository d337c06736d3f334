"""How to do what a message asks for on the reader's platform (its chat command), from the catalogue."""

from __future__ import annotations

from bot import identity
from bot.i18n import Catalog
from bot.triage import lifecycle
from bot.triage.core import incident_ref


def how(catalog: Catalog, task: str, platform: str | None, **params: object) -> str:
    """`commands.how_<task>.<platform>` filled in, after a space; empty when the platform has no such words."""
    key = f"commands.how_{task}.{platform or 'console'}"
    return " " + catalog.t(key, **params) if key in catalog.keys() else ""


def instead(catalog: Catalog, incident_id: int, status: str, target: str, reason: str,
            platform: str | None) -> str | None:
    """Why a status change cannot be made as typed, and what to do instead; None when it may go ahead (the
    transition table still decides the rest)."""
    ref = incident_ref(incident_id)
    if target == lifecycle.RESPONDING and status == lifecycle.CLOSED:  # ended for good: a new incident instead
        return catalog.t("reopen.closed", ref=ref) + how(catalog, "new", platform)
    if target == lifecycle.DECLINED and not reason.strip():  # why a report was set aside stays on record
        lifecycle.check_transition(status, target)  # an illegal move says so first
        return catalog.t("status_change.reason_needed", ref=ref) + how(catalog, "decline", platform, ref=ref,
                                                                       id=incident_id)
    if target == lifecycle.RESPONDING and status in (lifecycle.REPORTED, lifecycle.ACKNOWLEDGED):
        # Nothing ended to reopen: the table's REPORTED → RESPONDING is the first step's, not a reopen's.
        return catalog.t("reopen.not_ended", ref=ref, status=catalog.label("status", status))
    return None


def platform_of(user_id: str) -> str | None:
    """The platform a namespaced user id belongs to (None: the console's or a bare id)."""
    return identity.split(user_id)[0]
