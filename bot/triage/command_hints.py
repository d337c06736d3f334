"""How to do what a message asks for on the reader's platform (its chat command), from the catalogue."""

from __future__ import annotations

from bot import identity
from bot.i18n import Catalog
from bot.triage.core import incident_ref


def how(catalog: Catalog, task: str, platform: str | None, **params: object) -> str:
    """`commands.how_<task>.<platform>` filled in, after a space; empty when the platform has no such words."""
    key = f"commands.how_{task}.{platform or 'console'}"
    return " " + catalog.t(key, **params) if key in catalog.keys() else ""


def needs_reason(catalog: Catalog, incident_id: int, platform: str | None) -> str:
    """A decline typed without its reason: what is missing and how to type it on the sender's platform."""
    ref = incident_ref(incident_id)
    return catalog.t("status_change.reason_needed", ref=ref) + how(catalog, "decline", platform, ref=ref,
                                                                   id=incident_id)


def platform_of(user_id: str) -> str | None:
    """The platform a namespaced user id belongs to (None: the console's or a bare id)."""
    return identity.split(user_id)[0]
