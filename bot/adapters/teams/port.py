"""The Teams side of the delivery layer: a ChatPort that renders neutral contents as Adaptive Cards."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Coroutine, Sequence
from types import MappingProxyType
from typing import Any

from microsoft_agents.activity import Activity

from bot import identity
from bot.adapters.teams import files as consent
from bot.adapters.teams.cards import CardRenderer
from bot.adapters.teams.connector import Connector, Target, card_activity, deep_link, is_channel, is_personal
from bot.adapters.teams.render_content import rendered
from bot.adapters.teams.settings import TeamsSettings
from bot.delivery import content as c
from bot.delivery.content import Marker, Place, Posted
from bot.delivery.ledger import Ledger
from bot.delivery.links import home_link

log = logging.getLogger("incident_bot.teams")
PLATFORM = "teams"
Run = Callable[[Coroutine[Any, Any, Any]], Any]
MEMORY_LIMIT = 10_000  # learned chats and service URLs kept (bounded; the configured defaults cover the rest)


class TeamsPort:
    """ChatPort on the Bot Connector; a user id as channel means the bot's personal chat with that user."""

    platform = PLATFORM
    finds_posted = False  # the Bot Connector cannot list a conversation's messages (find_posted)
    # The connector's status codes (connector.delivery_error): the bot removed from the team, the conversation gone.
    unreached = MappingProxyType({"403": "not_member", "404": "not_found"})

    def __init__(self, connector: Connector, render: CardRenderer, settings: TeamsSettings, run: Run,
                 ledger: Ledger, tenant: str | None = None) -> None:
        self.connector = connector
        self.render = render
        self.settings = settings
        self.run = run
        self.ledger = ledger
        self.tenant = tenant
        self._services: dict[str, str] = {}
        self._chats: dict[str, str] = {}  # qualified user id -> their personal chat with the bot
        self._ids: dict[str, str] = {}  # qualified user id -> Teams user id (29:…), for creating a chat
        self._lock = threading.Lock()

    # -- learned from activities --------------------------------------------------------------------------------
    def learn(self, conversation: str, service_url: str | None, tenant: str | None, user: str | None = None,
              teams_id: str | None = None, personal: bool = False) -> None:
        """Remember where a conversation's Bot Connector is, and a user's personal chat and Teams id."""
        with self._lock:
            if len(self._services) > MEMORY_LIMIT:
                self._services.clear()
                self._chats.clear()
                self._ids.clear()
            if service_url:
                self._services[conversation] = service_url
            if tenant and not self.tenant:
                self.tenant = tenant
            if user and teams_id:
                self._ids[user] = teams_id
            if user and personal:
                self._chats[user] = conversation

    def target(self, conversation: str, root: str | None = None) -> Target:
        """A conversation (with the thread root in a channel; chats have no threads) as a connector target."""
        return Target(conversation, root if is_channel(conversation) else None,
                      self._services.get(conversation) or self.settings.service_url)

    def chat_of(self, user: str) -> str:
        """The personal chat with a user (qualified id), created through the Bot Connector when not known."""
        with self._lock:
            known = self._chats.get(user)
            teams_id = self._ids.get(user)
        if known is not None:
            return known
        raw = identity.raw(PLATFORM, user) or user
        conversation = self.run(self.connector.personal_chat(self.settings.service_url, self.tenant,
                                                             teams_id or raw))
        self.learn(conversation, None, None, user=user, personal=True)
        return str(conversation)

    # -- the port ------------------------------------------------------------------------------------------------
    def post(self, place: Place, content: c.Content, marker: Marker | None = None) -> Posted:
        conversation = self.chat_of(place.channel) if identity.split(place.channel)[0] == PLATFORM else place.channel
        card, summary = rendered(self.render, self.settings, content)
        activity_id = self.run(self.connector.send(self.target(conversation, place.thread),
                                                   card_activity(card, summary)))
        return Posted(conversation, str(activity_id))

    def upload(self, place: Place, files: Sequence[c.Attachment], comment: str) -> Posted:
        """Files to a user: FileConsentCards in their personal chat (the bytes go once they accept, files.py).
        A bot cannot put files in a channel: there the comment is posted, saying where the files are offered."""
        if identity.split(place.channel)[0] != PLATFORM:
            note = self.render.t("records.teams.channel")
            return self.post(place, c.Texts((comment, note) if comment else (note,)))
        conversation = self.chat_of(place.channel)
        activity = Activity.model_validate(consent.consent_cards(files, comment))
        activity_id = self.run(self.connector.send(self.target(conversation), activity))
        return Posted(conversation, str(activity_id))

    def update(self, posted: Posted, content: c.Content) -> None:
        link = None
        if c.changes_notice(content):
            link, _ = home_link(self, self.ledger, content.view.id)  # never to a personal chat
        card, summary = rendered(self.render, self.settings, content, link)
        self.run(self.connector.update(self.target(posted.channel), posted.id, card_activity(card, summary)))

    def post_ephemeral(self, place: Place, user: str, content: c.Content) -> None:
        """Teams has no ephemeral messages: the user's personal chat with the bot."""
        self.post(Place(user), content)

    def find_posted(self, place: Place, marker: Marker) -> Posted | None:
        """The Bot Connector cannot list a conversation's messages: a post whose holder died between sending and
        recording is sent again (that one crash window may repeat a message)."""
        return None

    def is_private(self, channel: str) -> bool:
        """The bot's personal chat with a user (conversationType "personal"; a user id stands for it): only that
        user can open it, so the section and co-reporters get no link to it (bot/delivery/links.py)."""
        return is_personal(channel)

    def permalink(self, posted: Posted) -> str | None:
        """A channel thread's deep link (posted.id is its root); chats have none that works for everyone."""
        return deep_link(posted.channel, posted.id, self.tenant)
