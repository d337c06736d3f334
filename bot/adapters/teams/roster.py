"""Who is an outsider in Teams: a guest account, or a user of another tenant (federated chat, shared channel)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from bot.adapters.teams.connector import Connector, Target, split_conversation
from bot.adapters.teams.payloads import fields_of
from bot.standings import FAILED_TTL_SECONDS, TTL_SECONDS, Standing, Standings
from bot.triage.access import PermissionDenied

if TYPE_CHECKING:
    from microsoft_agents.hosting.core import TurnContext

log = logging.getLogger("incident_bot.teams")
REASON_KEYS = {"guest": "teams.outsider.guest", "external": "teams.outsider.external",
               "unknown": "teams.outsider.unverified"}


def classify(member: Mapping[str, Any] | None, *, conversation_tenant: str | None,
             home_tenant: str | None) -> Standing:
    """The standing of a user from the member lookup (None when it failed) and the conversation's tenant."""
    if home_tenant and conversation_tenant and conversation_tenant != home_tenant:
        return "external"  # a federated chat or another organisation's shared channel
    if member is None:
        return "unknown"
    role = str(member.get("userRole") or member.get("user_role") or "").lower()
    if role in ("guest", "anonymous"):
        return "guest"
    tenant = member.get("tenantId") or member.get("tenant_id")
    if home_tenant and tenant and tenant != home_tenant:
        return "external"  # a member of a shared channel from another tenant
    return "member"


class Roster(Standings):
    """The standings of Teams users (bot/standings.py keeps them), looked up through the Bot Connector."""

    def __init__(self, home_tenant: str | None, monotonic: Callable[[], float] = time.monotonic,
                 ttl: float = TTL_SECONDS, failed_ttl: float = FAILED_TTL_SECONDS,
                 connector: Connector | None = None, service_url: str = "") -> None:
        super().__init__(monotonic, ttl, failed_ttl)
        self.home_tenant = home_tenant
        self._connector = connector  # None: nobody is looked up (every user unverified)
        self._service_url = service_url

    def refusal_key(self, user_id: str) -> str | None:
        """The locale key telling a refused user why (None when the refusal has nothing to do with who they are)."""
        standing = self.standing(user_id)
        return REASON_KEYS.get(standing) if standing else None

    def refusal(self, exc: BaseException, t: Callable[..., str]) -> str | None:
        """Why the core refused an outsider or an unverified user, in their words (None for other failures)."""
        if not isinstance(exc, PermissionDenied):
            return None
        key = self.refusal_key(exc.user_id)
        return t(key) if key else None

    async def observe(self, user_id: str, context: TurnContext) -> Standing:
        """Look the sender of this turn up (once an hour) and remember what they are."""
        known = self.standing(user_id)
        if known is not None:
            return known
        activity = context.activity
        conversation = activity.conversation
        conversation_tenant = getattr(conversation, "tenant_id", None) if conversation else None
        # A failed lookup makes the user unverified: restricted incidents are closed to them (fail closed).
        member = await self._lookup(context)
        standing = classify(member, conversation_tenant=conversation_tenant, home_tenant=self.home_tenant)
        self.remember(user_id, standing)
        if standing != "member":
            log.info("teams.outsider user=%s standing=%s", user_id, standing)
        return standing

    async def _lookup(self, context: TurnContext) -> Mapping[str, Any] | None:
        """GET the member through the Bot Connector; None when it cannot be asked or fails."""
        activity = context.activity
        sender = activity.from_property
        if self._connector is None or sender is None or not sender.id or activity.conversation is None:
            return None
        base, _ = split_conversation(activity.conversation.id)
        # The full conversation id (connector.py): the SDK's client cuts personal-chat ids at 150 characters.
        target = Target(base, None, activity.service_url or self._service_url, activity.conversation.tenant_id)
        try:
            member = await self._connector.member(target, sender.id)
        except Exception as exc:  # noqa: BLE001 - an outage or a refusal: unverified, retried after FAILED_TTL
            log.warning("teams.member_lookup_failed error=%s", getattr(exc, "code", type(exc).__name__))
            return None
        return fields_of(member)


__all__ = ["Roster", "Standing", "classify"]
