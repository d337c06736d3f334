"""Posting to Teams through the Bot Connector: the incident's conversation, step cards, PR cards, escalations.

Every post that must happen once is claimed first through the core's platform refs with the delivery ledger's
lease (`queries.claim_ref`), then sent, then its activity id recorded; a retried activity, a double click or a
second instance finds the claim and sends nothing; a claim its holder died with is taken over after the lease.
Escalations are posted first and recorded after: the core's escalation lease already makes one worker
the sender, and a failed delivery must stay retryable.

Where things are, as refs of the incident (platform "teams"):
  thread            conversation key, thread root activity id (channel) or "chat:<report activity id>"
  conversation:N    the full conversation id in 120-character pieces when it is longer than its key
  service           the Bot Connector service URL the incident's activities came from, tenant id
  intro / step:… / pr_message / escalation:N / finished    conversation key, activity id
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from bot.adapters.teams.cards import CardRenderer
from bot.adapters.teams.mentions import section_mentions  # parity: several mentions per section
from bot.adapters.teams.outbox import (
    KEY_PREFIX,
    REF_LIMIT,
    Outbox,
    Place,
    TeamsApiError,
    api_error,
    card_activity,
    conversation_key,
    split_conversation,
)
from bot.adapters.teams.settings import TeamsSettings
from bot.delivery.lease import POST_LEASE
from bot.delivery.ledger import DONE, REPORT_DELIVERY
from bot.ports import IncidentView, Notification, StepView
from bot.presenting import (
    FINISHED,
    INTRO,
    PR_MESSAGE,
    THREAD,
    escalation_purpose,
    next_step_purpose,
    notification_channel,
    notification_purposes,
    step_refs,
)
from bot.triage.queries import IncidentQueries

__all__ = ["KEY_PREFIX", "PLATFORM", "Outbox", "Place", "TeamsApiError", "TeamsDelivery", "api_error",
           "card_activity", "conversation_key", "split_conversation"]

log = logging.getLogger("incident_bot.teams")
PLATFORM = "teams"
SERVICE = "service"
CONVERSATION = "conversation"
CHAT_MARK = "chat:"
T = TypeVar("T")


class TeamsDelivery:
    """Where an incident's messages live in Teams, and posting/updating them exactly once."""

    def __init__(self, outbox: Outbox, queries: Callable[[], IncidentQueries], render: CardRenderer,
                 settings: TeamsSettings, chain_length: int) -> None:
        self.outbox = outbox
        self._queries = queries
        self.render = render
        self.settings = settings
        self.chain_length = chain_length

    @property
    def queries(self) -> IncidentQueries:
        return self._queries()

    @staticmethod
    async def db(fn: Callable[..., T], *args: Any) -> T:
        """A core/database call off the event loop."""
        return await asyncio.to_thread(fn, *args)

    # -- the incident's conversation ---------------------------------------------------------------------
    async def adopt_home(self, incident_id: int, place: Place, report_activity_id: str) -> None:
        """Remember where the incident's playbook runs: the report's thread (channel) or chat."""
        q = self.queries
        thread = place.root if place.root else CHAT_MARK + report_activity_id[: REF_LIMIT - len(CHAT_MARK)]
        if place.key != place.conversation:
            full = place.conversation
            pieces = [full[i:i + REF_LIMIT] for i in range(0, len(full), REF_LIMIT)]
            for n in range(0, len(pieces), 2):
                await self.db(q.put_ref, incident_id, PLATFORM, f"{CONVERSATION}:{n // 2 + 1}", pieces[n],
                              pieces[n + 1] if n + 1 < len(pieces) else "")
        if len(place.service_url) <= REF_LIMIT:
            await self.db(q.put_ref, incident_id, PLATFORM, SERVICE, place.service_url, place.tenant or "")
        await self.db(q.put_ref, incident_id, PLATFORM, THREAD, place.key, thread)

    async def home(self, incident_id: int) -> Place | None:
        """The incident's conversation, or None when it has none (never reported through Teams)."""
        q = self.queries
        ref = await self.db(q.get_ref, incident_id, PLATFORM, THREAD)
        if ref is None or ref[1] is None:
            return None
        key, thread = ref
        conversation = key
        if key.startswith(KEY_PREFIX):
            parts: list[str] = []
            for n in range(1, 5):
                piece = await self.db(q.get_ref, incident_id, PLATFORM, f"{CONVERSATION}:{n}")
                if piece is None:
                    break
                parts += [piece[0], piece[1] or ""]
            conversation = "".join(parts)
            if conversation_key(conversation) != key:
                log.error("teams.conversation_unreadable incident_id=%s", incident_id)
                return None
        service_url, tenant = await self.service(incident_id)
        root = None if thread.startswith(CHAT_MARK) else thread
        return Place(conversation, root, service_url, tenant)

    async def begin_report(self, incident_id: int, place: Place) -> bool:
        """Claim a report's posts (REPORT_DELIVERY): False when they were made, or are being made elsewhere."""
        claim = await self.db(lambda: self.queries.claim_ref(incident_id, PLATFORM, REPORT_DELIVERY, place.key,
                                                             stale_after=POST_LEASE.duration))
        return claim.state in ("new", "taken_over")

    async def end_report(self, incident_id: int, place: Place) -> None:
        """Mark a report's posts made: resume leaves it alone."""
        await self.db(self.queries.put_ref, incident_id, PLATFORM, REPORT_DELIVERY, place.key, DONE)

    async def service(self, incident_id: int | None) -> tuple[str, str | None]:
        """The service URL (and tenant) for posts about an incident, else the configured one."""
        if incident_id is not None:
            ref = await self.db(self.queries.get_ref, incident_id, PLATFORM, SERVICE)
            if ref is not None:
                return ref[0], ref[1] or None
        return self.settings.service_url, None

    async def channel_place(self, channel: str, incident_id: int | None) -> Place:
        """A configured channel (PR, restricted, summary) as a place for new posts."""
        service_url, tenant = await self.service(incident_id)
        return Place(channel, None, service_url, tenant)

    # -- once-only posts -------------------------------------------------------------------------------------
    async def claimed_post(self, incident_id: int, purpose: str, place: Place, content: dict[str, Any],
                           summary: str) -> str | None:
        """Post once per (incident, purpose): None when another delivery holds a fresh claim on it. A claim whose
        holder died (no activity id after the ledger's lease) is taken over and posted again: the Bot Connector
        has no message metadata to find a crashed holder's post by, so that one crash window may repeat it."""
        q = self.queries
        claim = await self.db(lambda: q.claim_ref(incident_id, PLATFORM, purpose, place.key,
                                                  stale_after=POST_LEASE.duration))
        if claim.state == "posted":
            log.info("teams.post_skipped incident_id=%s purpose=%s", incident_id, purpose)
            return claim.ts
        if claim.state == "busy":
            log.info("teams.post_in_flight incident_id=%s purpose=%s", incident_id, purpose)
            return None
        if claim.state == "taken_over":
            log.warning("teams.claim_taken_over incident_id=%s purpose=%s", incident_id, purpose)
        try:
            activity_id = await self.outbox.send(place, card_activity(content, summary))
        except BaseException:
            # Give the claim back so a later delivery (a retry, the scheduler) can post it.
            await self.db(q.drop_ref, incident_id, PLATFORM, purpose)
            raise
        await self.db(q.put_ref, incident_id, PLATFORM, purpose, place.key, activity_id)
        return activity_id

    async def post_home(self, incident_id: int, content: dict[str, Any], summary: str,
                        purpose: str | None = None) -> None:
        """A message in the incident's thread or chat (once per purpose when one is given)."""
        place = await self.home(incident_id)
        if place is None:
            log.error("teams.no_home incident_id=%s", incident_id)
            return
        if purpose:
            await self.claimed_post(incident_id, purpose, place, content, summary)
        else:
            await self.outbox.send(place, card_activity(content, summary))

    async def post_intro(self, incident_id: int, texts: tuple[str, ...], kind: str) -> None:
        await self.post_home(incident_id, self.render.intro(texts, incident_id, kind), " ".join(texts), INTRO)

    async def post_messages(self, incident_id: int, texts: tuple[str, ...],
                            purpose: str | None = None) -> None:
        await self.post_home(incident_id, self.render.messages(texts), " ".join(texts), purpose)

    async def post_finished(self, incident_id: int, texts: tuple[str, ...]) -> None:
        await self.post_messages(incident_id, texts, FINISHED)

    # -- steps -----------------------------------------------------------------------------------------------
    async def post_step(self, incident_id: int, kind: str, step: StepView, *, fresh: bool = False) -> None:
        """One card per step in the incident's conversation; `fresh` re-shows a step after a correction."""
        place = await self.home(incident_id)
        if place is None:
            log.error("teams.no_home incident_id=%s", incident_id)
            return
        get_ref = self.queries.get_ref
        purpose = await self.db(lambda: next_step_purpose(get_ref, incident_id, PLATFORM, kind, step.step_id,
                                                          fresh=fresh))
        heading = self.render.t("step.heading", index=step.index, total=step.total, title=step.title)
        await self.claimed_post(incident_id, purpose, place, self.render.step(step, kind), heading)

    async def update_step(self, incident_id: int, kind: str, step_id: str, content: dict[str, Any],
                          summary: str, clicked: str | None = None) -> bool:
        """Update a step's card in place: the latest one posted, and the one clicked if that is another."""
        refs = await self.db(step_refs, self.queries.get_ref, incident_id, PLATFORM, kind, step_id)
        place = await self.home(incident_id)
        if place is None:
            return False
        targets = [ts for _, ts in refs[-1:] if ts]
        if clicked and clicked not in targets:
            targets.append(clicked)
        for activity_id in targets:
            await self.outbox.update(place, activity_id, card_activity(content, summary))
        if not targets:
            log.warning("teams.step_card_missing incident_id=%s step=%s", incident_id, step_id)
        return bool(targets)

    # -- notifications ---------------------------------------------------------------------------------------
    def section_channel(self, restricted: bool) -> str | None:
        return notification_channel(restricted, self.settings.pr_channel, self.settings.restricted_channel)

    async def thread_link(self, incident_id: int) -> str | None:
        place = await self.home(incident_id)
        return place.deep_link() if place else None

    async def post_notification(self, note: Notification, view: IncidentView) -> None:
        """The first PR card (level 1), once per incident."""
        channel = self.section_channel(view.restricted)
        if not channel:
            log.error("teams.no_pr_channel incident_id=%s", note.incident_id)
            return
        content = self.render.notification(note, await self.thread_link(note.incident_id),
                                           section_mentions(self.settings, note.audience))  # parity: lists
        place = await self.channel_place(channel, note.incident_id)
        await self.claimed_post(note.incident_id, PR_MESSAGE, place, content, note.title)

    async def deliver_notification(self, note: Notification) -> None:
        """An escalation level re-sent with its mention; raises on failure so the scheduler retries it."""
        purpose = PR_MESSAGE if note.level == 1 else escalation_purpose(note.level)
        existing = await self.db(self.queries.get_ref, note.incident_id, PLATFORM, purpose)
        if existing is not None and existing[1] is not None:
            log.info("teams.escalation_already_posted incident_id=%s level=%s", note.incident_id, note.level)
            return
        view = await self.db(self.queries.view, note.incident_id, None)
        channel = self.section_channel(view.restricted)
        if not channel:
            raise RuntimeError("teams.pr_channel is not configured")
        content = self.render.notification(note, await self.thread_link(note.incident_id),
                                           section_mentions(self.settings, note.audience))  # parity: lists
        place = await self.channel_place(channel, note.incident_id)
        activity_id = await self.outbox.send(place, card_activity(content, note.title))
        await self.db(self.queries.put_ref, note.incident_id, PLATFORM, purpose, place.key, activity_id)
        log.info("teams.escalation_posted incident_id=%s level=%s", note.incident_id, note.level)

    async def notification_refs(self, incident_id: int) -> list[tuple[int, str, str]]:
        """(level, channel, activity id) of every acknowledgeable card posted for the incident."""
        found = []
        for level, purpose in enumerate(notification_purposes(self.chain_length), start=1):
            ref = await self.db(self.queries.get_ref, incident_id, PLATFORM, purpose)
            if ref is not None and ref[1]:
                found.append((level, ref[0], ref[1]))
        return found

    async def rewrite_notifications(self, incident_id: int, draw: Callable[[int], dict[str, Any]],
                                    summary: str) -> int:
        """Replace every notification card of the incident with `draw(level)`; returns how many."""
        refs = await self.notification_refs(incident_id)
        for level, channel, activity_id in refs:
            place = await self.channel_place(channel, incident_id)
            await self.outbox.update(place, activity_id, card_activity(draw(level), summary))
        return len(refs)


__all__ = ["PLATFORM", "Place", "Outbox", "TeamsDelivery", "TeamsApiError", "conversation_key",
           "split_conversation", "card_activity"]
