"""Who is behind a Teams activity: the core's Actor, the core with this user's standing, and what the port learns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from microsoft_agents.activity import Activity, ChannelAccount
from microsoft_agents.hosting.core import TurnContext

from bot import identity
from bot.adapters.teams.connector import split_conversation
from bot.adapters.teams.payloads import channel_data
from bot.adapters.teams.port import PLATFORM, TeamsPort
from bot.adapters.teams.roster import Roster
from bot.ports import Actor
from bot.standings import Standing
from bot.triage.core import InvalidRequest
from bot.triage.platform_access import PlatformCore
from bot.triage.sanitize import storable
from bot.triage.service import Triage

# What a typed Teams user can be: a namespaced id (as co-report notices show it), a Teams user id or an Entra
# object id. A display name (「佐藤」) is none of these: granting to it would give the role to nobody.
_TYPED_ID = re.compile(r"teams:\S+|(?:29|8):\S+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                       re.IGNORECASE)


def is_typed_id(typed: str) -> bool:
    """Whether a typed user (a command's argument, no @mention picked) names a Teams user rather than a name."""
    return bool(_TYPED_ID.fullmatch(typed.strip().lstrip("@＠")))


def user_id(account: ChannelAccount) -> str:
    """A Teams user as the core knows them: namespaced, by AAD object id when Teams gives one."""
    return identity.qualify(PLATFORM, storable(account.aad_object_id or account.id))


def actor(account: ChannelAccount) -> Actor:
    """A Teams user as the core's Actor (display name cut to what the core stores)."""
    qualified = user_id(account)
    return Actor(user_id=qualified, display_name=storable(account.name)[:200] or qualified, platform=PLATFORM)


@dataclass(frozen=True)
class People:
    """The core with the Teams PR members and the outsiders the roster found, and the names seen ."""

    core: PlatformCore
    roster: Roster
    port: TeamsPort
    names: dict[str, str] = field(default_factory=dict)  # user id -> display name seen last

    def triage(self, account: ChannelAccount | None = None) -> Triage:
        """The core for this account: either of its ids (AAD object id, Teams user id) makes it a configured member."""
        outsiders, unverified = self.roster.snapshot()
        if account is None:
            return self.core.get(outsiders=outsiders, unverified=unverified)
        return self.core.get(user=user_id(account), aliases=[i for i in (account.id, account.aad_object_id) if i],
                             outsiders=outsiders, unverified=unverified)

    def who(self, account: ChannelAccount | None) -> tuple[Actor, Triage]:
        if account is None or not account.id:
            raise InvalidRequest(self.core.base.catalog.t("teams.error.no_user"))
        return actor(account), self.triage(account)

    def name_of(self, user: str) -> str:
        """A user's display name as last seen in an activity (their id when none was seen since start-up)."""
        return self.names.get(user) or identity.raw(PLATFORM, user) or user

    def learn(self, activity: Activity) -> None:
        """What an activity tells the port (its service URL, the sender's Teams id and chat) and the sender's name."""
        conversation, sender = activity.conversation, activity.from_property
        if conversation is None or not conversation.id:
            return
        base, _ = split_conversation(conversation.id)
        tenant = conversation.tenant_id or channel_data(activity, "tenant", "id")
        user = user_id(sender) if sender is not None and sender.id and sender.role != "bot" else None
        personal = (conversation.conversation_type or ("groupChat" if conversation.is_group else "personal")
                    ) == "personal"
        self.port.learn(base, activity.service_url, tenant, user=user, teams_id=sender.id if sender else None,
                        personal=personal)
        if user and sender is not None and sender.name:
            self.names[user] = sender.name[:200]

    async def observe(self, context: TurnContext) -> Standing | None:
        """The standing of the user behind this turn, looked up once an hour (None for turns without a user)."""
        sender = context.activity.from_property if context.activity else None
        if sender is None or not sender.id or sender.role == "bot":
            return None
        return await self.roster.observe(user_id(sender), context)
