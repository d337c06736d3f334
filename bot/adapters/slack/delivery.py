"""Posting to Slack: report threads, step messages, the PR message and escalations, each exactly once.

Every post that must happen once is claimed first through the core's platform refs
(`queries.claim_ref(incident, "slack", purpose, channel)`), then posted with message metadata naming the
incident and purpose, then the ts recorded: a retried delivery, a double click or a second instance finds the
claim and posts nothing. A claim whose holder died (SIGKILL, power cut) between claiming and recording the ts is
taken over once it is older than CLAIM_LEASE (escalations: at once, their database lease already makes one
worker the sender); the new holder first looks for the message by its metadata (conversations.history /
replies) and records it if the dead holder had posted it, so a crash at any point leads to exactly one post.
Callers that remove a control (a step's buttons, the acknowledge button) do so only once what replaces it is
posted: a crash never leaves the user without something to click again (handlers.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.render import Rendered, Renderer
from bot.clock import format_jst
from bot.config import SlackSettings
from bot.ports import IncidentView, Notification, StepView
from bot.triage.queries import IncidentQueries

PLATFORM = "slack"
THREAD = "thread"
INTRO = "intro"
PR_MESSAGE = "pr_message"
FINISHED = "finished"
MAX_GENERATIONS = 20  # how often a playbook can be re-entered by kind corrections (A -> B -> A …)
ACK_TOLD = "ack_told"
# Not a message: marks that a report's posts (thread, intro, step 1, PR message) were all made, so resume.py
# leaves it alone. Claimed (ts empty) while they are being made, "done" after.
REPORT_DELIVERY = "report_delivery"
# A claim without a ts older than this is presumed abandoned by a crashed holder (a post takes seconds, even
# with Slack's 429 retries); the next delivery of the same thing takes it over.
CLAIM_LEASE = timedelta(minutes=2)
METADATA_TYPE = "incident_bot_post"
LOOKUP_PAGES = 5  # conversations.history/replies pages (200 messages each) searched for an abandoned post


def post_metadata(incident_id: int, purpose: str) -> dict[str, Any]:
    """Slack message metadata marking a post as this incident's `purpose` (no personal data: ids only)."""
    return {"event_type": METADATA_TYPE, "event_payload": {"incident_id": incident_id, "purpose": purpose}}


def merged_purpose(channel: str, ts: str) -> str:
    """The ref purpose of the "merged into INC-…" reply under a duplicate report message."""
    return f"merged:{channel}:{ts}"[:120]


def step_purpose(kind: str, step_id: str, generation: int = 1) -> str:
    """The ref purpose of a step message; later generations exist when a kind is corrected back."""
    base = f"step:{kind}:{step_id}"
    return base if generation == 1 else f"{base}#{generation}"


def escalation_purpose(level: int) -> str:
    """The ref purpose of an escalation message of a chain level."""
    return f"escalation:{level}"


class Delivery:
    """Posts and updates messages; raises SlackApiError (after the client's own 429/connection retries)."""

    def __init__(self, client: WebClient, queries: Callable[[], IncidentQueries], renderer: Renderer,
                 settings: SlackSettings, chain_length: int) -> None:
        self.client = client
        self._queries = queries
        self.render = renderer
        self.settings = settings
        self.chain_length = chain_length

    @property
    def queries(self) -> IncidentQueries:
        return self._queries()

    # -- primitives ------------------------------------------------------------------------------------------
    def post(self, channel: str, message: Rendered, thread_ts: str | None = None,
             metadata: dict[str, Any] | None = None) -> tuple[str, str]:
        """chat.postMessage; returns (channel, ts) as Slack reports them (a user id becomes the DM channel)."""
        extra: dict[str, Any] = {"metadata": metadata} if metadata else {}
        response = self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False,
                                                unfurl_media=False, **extra, **message.payload())
        return str(response["channel"]), str(response["ts"])

    def update(self, channel: str, ts: str, message: Rendered) -> None:
        """chat.update of a message the bot posted."""
        self.client.chat_update(channel=channel, ts=ts, **message.payload())

    def update_blocks(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """chat.update with ready block dicts (a posted message modified)."""
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    def ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        """A message only `user` sees (text is escaped by the renderer)."""
        message = self.render.messages([text])
        self.client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **message.payload())

    def permalink(self, channel: str, ts: str) -> str | None:
        """A message's permalink, or None (logged) when Slack cannot give one."""
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError as exc:
            log_event(logging.WARNING, "slack.permalink_failed", channel=channel, error=_code(exc))
            return None

    def fetch_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """One message by channel and ts, top-level (conversations.history) or in a thread (replies)."""
        history = self.client.conversations_history(channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1)
        for message in history.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
        replies = self.client.conversations_replies(channel=channel, ts=ts, latest=ts, oldest=ts, inclusive=True,
                                                    limit=2)
        for message in replies.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
        return None

    def claimed_post(self, incident_id: int, purpose: str, channel: str, message: Rendered,
                     thread_ts: str | None = None, *, stale_after: timedelta = CLAIM_LEASE) -> str | None:
        """Post once per (incident, purpose); returns its ts (posted now or earlier), or None while another
        delivery holds a fresh claim on it (it is being posted right now, or its holder died < CLAIM_LEASE ago)."""
        claim = self.queries.claim_ref(incident_id, PLATFORM, purpose, channel, stale_after=stale_after)
        if claim.state == "posted":
            log_event(logging.INFO, "slack.post_skipped", incident_id=incident_id, purpose=purpose)
            return claim.ts
        if claim.state == "busy":
            log_event(logging.INFO, "slack.post_in_flight", incident_id=incident_id, purpose=purpose)
            return None
        if claim.state == "taken_over":
            found = self.find_posted(claim.channel, incident_id, purpose, thread_ts)
            log_event(logging.WARNING, "slack.claim_taken_over", incident_id=incident_id, purpose=purpose,
                      found=found is not None)
            if found is not None:
                self.queries.put_ref(incident_id, PLATFORM, purpose, found[0], found[1])
                return found[1]
        try:
            posted_channel, ts = self.post(channel, message, thread_ts, metadata=post_metadata(incident_id, purpose))
        except SlackApiError:
            # Give the claim back so a later delivery (retry, scheduler) can post it; the caller reports the error.
            self.queries.drop_ref(incident_id, PLATFORM, purpose)
            raise
        self.queries.put_ref(incident_id, PLATFORM, purpose, posted_channel, ts)
        return ts

    def find_posted(self, channel: str, incident_id: int, purpose: str,
                    thread_ts: str | None) -> tuple[str, str] | None:
        """(channel, ts) of a message posted earlier for (incident, purpose), found by its metadata, or None.

        A claim made with a user id (a thread opened in the reporter's DM) cannot be looked up: the DM's channel
        id would take conversations.open (im:write, a scope the app does not ask for). It is posted again: in
        that one window (a crash between posting the DM thread's first message and recording it) the reporter
        may see that message twice.
        """
        if channel.startswith(("U", "W")):
            return None
        cursor: str | None = None
        for _ in range(LOOKUP_PAGES):
            if thread_ts:
                page = self.client.conversations_replies(channel=channel, ts=thread_ts, include_all_metadata=True,
                                                         limit=200, cursor=cursor)
            else:
                page = self.client.conversations_history(channel=channel, include_all_metadata=True, limit=200,
                                                         cursor=cursor)
            for message in page.get("messages") or []:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if (meta.get("event_type") == METADATA_TYPE and str(payload.get("incident_id")) == str(incident_id)
                        and payload.get("purpose") == purpose):
                    return channel, str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None
        return None

    # -- threads -----------------------------------------------------------------------------------------------
    def thread(self, incident_id: int) -> tuple[str, str] | None:
        """(channel, thread ts) of the incident's report thread."""
        ref = self.queries.get_ref(incident_id, PLATFORM, THREAD)
        if ref is None or ref[1] is None:
            return None
        return ref[0], ref[1]

    def adopt_thread(self, incident_id: int, channel: str, ts: str) -> None:
        """The report message itself is the thread parent (reports posted as messages)."""
        self.queries.put_ref(incident_id, PLATFORM, THREAD, channel, ts)

    def open_thread(self, incident_id: int, channel: str, message: Rendered) -> str | None:
        """Post a parent message for the thread (reports by slash command or shortcut)."""
        return self.claimed_post(incident_id, THREAD, channel, message)

    def thread_link(self, incident_id: int) -> str | None:
        thread = self.thread(incident_id)
        return self.permalink(*thread) if thread else None

    def post_in_thread(self, incident_id: int, message: Rendered, purpose: str | None = None) -> str | None:
        """A reply in the report thread (once per purpose when one is given); its ts, None if not (yet) posted."""
        thread = self.thread(incident_id)
        if thread is None:
            log_event(logging.ERROR, "slack.no_thread", incident_id=incident_id)
            return None
        if purpose:
            return self.claimed_post(incident_id, purpose, thread[0], message, thread_ts=thread[1])
        return self.post(thread[0], message, thread_ts=thread[1])[1]

    # -- steps ---------------------------------------------------------------------------------------------------
    def post_step(self, incident_id: int, kind: str, step: StepView, *, fresh: bool = False) -> str | None:
        """One message per step in the thread (its ts; None if not yet posted); `fresh` re-shows a step after a
        kind correction."""
        thread = self.thread(incident_id)
        if thread is None:
            log_event(logging.ERROR, "slack.no_thread", incident_id=incident_id)
            return None
        generation = 1
        if fresh:
            while generation < MAX_GENERATIONS and self.queries.get_ref(
                    incident_id, PLATFORM, step_purpose(kind, step.step_id, generation)) is not None:
                generation += 1
        return self.claimed_post(incident_id, step_purpose(kind, step.step_id, generation), thread[0],
                                 self.render.step(step, kind), thread_ts=thread[1])

    def update_step(self, incident_id: int, kind: str, step_id: str, message: Rendered,
                    at: tuple[str, str] | None = None) -> bool:
        """Update a step's message in place: the one clicked (`at`) and the latest posted; False when none.

        The clicked message is known even while its ref is still being recorded (a very quick click).
        """
        if at is not None:
            self.update(at[0], at[1], message)
        latest: tuple[str, str | None] | None = None
        for generation in range(1, MAX_GENERATIONS + 1):
            ref = self.queries.get_ref(incident_id, PLATFORM, step_purpose(kind, step_id, generation))
            if ref is None:
                break
            latest = ref
        if latest is not None and latest[1] is not None and (latest[0], latest[1]) != at:
            self.update(latest[0], latest[1], message)
            return True
        if at is None and (latest is None or latest[1] is None):
            log_event(logging.WARNING, "slack.step_message_missing", incident_id=incident_id, step=step_id)
            return False
        return True

    # -- notifications -----------------------------------------------------------------------------------------
    def section_channel(self, restricted: bool) -> str | None:
        """Where notifications go: the restricted channel for leaks when configured, else the PR channel."""
        if restricted and self.settings.restricted_channel:
            return self.settings.restricted_channel
        return self.settings.pr_channel

    def post_notification(self, note: Notification, view: IncidentView) -> str | None:
        """The first PR message (level 1), once per incident."""
        channel = self.section_channel(view.restricted)
        if not channel:
            log_event(logging.ERROR, "slack.no_pr_channel", incident_id=note.incident_id)
            return None
        message = self.render.notification(note, self.thread_link(note.incident_id))
        return self.claimed_post(note.incident_id, PR_MESSAGE, channel, message)

    def deliver_notification(self, note: Notification) -> None:
        """An escalation level re-sent with its mention; raises on failure so the scheduler retries it.

        The scheduler's escalation lease makes this worker the only sender, so a claim left without a ts (its
        holder crashed while posting) is taken over at once: found by its metadata and recorded, or posted.
        """
        view = self.queries.view(note.incident_id, None)
        purpose = PR_MESSAGE if note.level == 1 else escalation_purpose(note.level)
        channel = self.section_channel(view.restricted)
        if not channel:
            raise RuntimeError("slack.pr_channel is not configured")
        message = self.render.notification(note, self.thread_link(note.incident_id))
        ts = self.claimed_post(note.incident_id, purpose, channel, message, stale_after=timedelta(0))
        log_event(logging.INFO, "slack.escalation_posted", incident_id=note.incident_id, level=note.level)
        # Acknowledged while this was being posted (its ref was not recorded yet when the acknowledgement looked):
        # take the button off here. Either this re-read sees the acknowledgement or the acknowledgement sees the ref.
        after = self.queries.view(note.incident_id, None)
        if ts is not None and after.acknowledged_at is not None:
            who = after.acknowledged_by or ""
            when = format_jst(after.acknowledged_at, self.render.catalog.locale)
            blocks = [block.to_dict() for block in message.blocks]
            self.update_blocks(channel, ts, message.text, self.render.acknowledged(blocks, who, when))

    def notification_refs(self, incident_id: int) -> list[tuple[str, str]]:
        """Every acknowledgeable message posted for the incident: the PR message and escalations (including one
        a crashed process posted without recording it, once its claim is stale: found by its metadata)."""
        purposes = [PR_MESSAGE] + [escalation_purpose(level) for level in range(2, self.chain_length + 1)]
        found = []
        for purpose in purposes:
            ref = self.queries.get_ref(incident_id, PLATFORM, purpose)
            if ref is not None and ref[1] is None:
                ref = self.recover_ref(incident_id, purpose)
            if ref is not None and ref[1] is not None:
                found.append((ref[0], ref[1]))
        return found

    def recover_ref(self, incident_id: int, purpose: str,
                    thread_ts: str | None = None) -> tuple[str, str | None] | None:
        """A claim left without a ts: once stale, the message its holder may have posted is looked up and
        recorded; if there is none, the claim is dropped so a later delivery posts it. Fresh claims are left."""
        ref = self.queries.get_ref(incident_id, PLATFORM, purpose)
        if ref is None or ref[1] is not None:
            return ref
        claim = self.queries.claim_ref(incident_id, PLATFORM, purpose, ref[0], stale_after=CLAIM_LEASE)
        if claim.state != "taken_over":
            return (claim.channel, claim.ts)
        located = self.find_posted(claim.channel, incident_id, purpose, thread_ts)
        log_event(logging.WARNING, "slack.claim_recovered", incident_id=incident_id, purpose=purpose,
                  found=located is not None)
        if located is None:
            self.queries.drop_ref(incident_id, PLATFORM, purpose)
            return None
        self.queries.put_ref(incident_id, PLATFORM, purpose, located[0], located[1])
        return located

    def rewrite_notifications(self, incident_id: int, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
                              text: str, known: dict[tuple[str, str], list[dict[str, Any]]] | None = None) -> None:
        """Apply `change` to the blocks of every notification message of the incident (fetched unless known)."""
        known = known or {}
        for channel, ts in self.notification_refs(incident_id):
            blocks = known.get((channel, ts))
            if blocks is None:
                message = self.fetch_message(channel, ts)
                blocks = list(message.get("blocks") or []) if message else None
            if blocks is None:
                log_event(logging.WARNING, "slack.notification_missing", incident_id=incident_id)
                continue
            self.update_blocks(channel, ts, text, change(blocks))


def _code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or exc.response.status_code)
    except Exception:  # a response without the usual shape
        return "unknown"


def error_code(exc: SlackApiError) -> str:
    """The Web API error code of a failed call (e.g. not_in_channel, ratelimited)."""
    return _code(exc)
