"""Posting to Slack: report threads, step messages, the PR message and escalations, each exactly once.

Every post that must happen once is claimed first through the core's platform refs
(`queries.put_ref(incident, "slack", purpose, channel, None)`), then posted, then the ts recorded: a
retried delivery, a double click or a second instance finds the claim and posts nothing. Escalations are
the exception: the core's escalation lease already makes one worker the sender, so they are posted first
and recorded after (a delivery that failed is retried by the scheduler, never lost to a stale claim).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import SlackSettings
from bot.ports import IncidentView, Notification, StepView
from bot.triage.queries import IncidentQueries
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.render import Rendered, Renderer

PLATFORM = "slack"
THREAD = "thread"
INTRO = "intro"
PR_MESSAGE = "pr_message"
FINISHED = "finished"
MAX_GENERATIONS = 20  # how often a playbook can be re-entered by kind corrections (A -> B -> A …)


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
    def post(self, channel: str, message: Rendered, thread_ts: str | None = None) -> tuple[str, str]:
        """chat.postMessage; returns (channel, ts) as Slack reports them (a user id becomes the DM channel)."""
        response = self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False,
                                                unfurl_media=False, **message.payload())
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
                     thread_ts: str | None = None) -> str | None:
        """Post once per (incident, purpose): None when another delivery already claimed it."""
        if not self.queries.put_ref(incident_id, PLATFORM, purpose, channel, None):
            log_event(logging.INFO, "slack.post_skipped", incident_id=incident_id, purpose=purpose)
            return None
        try:
            posted_channel, ts = self.post(channel, message, thread_ts)
        except SlackApiError:
            # Give the claim back so a later delivery (retry, scheduler) can post it; the caller reports the error.
            self.queries.drop_ref(incident_id, PLATFORM, purpose)
            raise
        self.queries.put_ref(incident_id, PLATFORM, purpose, posted_channel, ts)
        return ts

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

    def open_thread(self, incident_id: int, channel: str, message: Rendered) -> None:
        """Post a parent message for the thread (reports by slash command or shortcut)."""
        self.claimed_post(incident_id, THREAD, channel, message)

    def thread_link(self, incident_id: int) -> str | None:
        thread = self.thread(incident_id)
        return self.permalink(*thread) if thread else None

    def post_in_thread(self, incident_id: int, message: Rendered, purpose: str | None = None) -> None:
        """A reply in the report thread (once per purpose when one is given)."""
        thread = self.thread(incident_id)
        if thread is None:
            log_event(logging.ERROR, "slack.no_thread", incident_id=incident_id)
            return
        if purpose:
            self.claimed_post(incident_id, purpose, thread[0], message, thread_ts=thread[1])
        else:
            self.post(thread[0], message, thread_ts=thread[1])

    # -- steps ---------------------------------------------------------------------------------------------------
    def post_step(self, incident_id: int, kind: str, step: StepView, *, fresh: bool = False) -> None:
        """One message per step in the thread; `fresh` re-shows a step after a kind correction."""
        thread = self.thread(incident_id)
        if thread is None:
            log_event(logging.ERROR, "slack.no_thread", incident_id=incident_id)
            return
        generation = 1
        if fresh:
            while generation < MAX_GENERATIONS and self.queries.get_ref(
                    incident_id, PLATFORM, step_purpose(kind, step.step_id, generation)) is not None:
                generation += 1
        self.claimed_post(incident_id, step_purpose(kind, step.step_id, generation), thread[0],
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

    def post_notification(self, note: Notification, view: IncidentView) -> None:
        """The first PR message (level 1), once per incident."""
        channel = self.section_channel(view.restricted)
        if not channel:
            log_event(logging.ERROR, "slack.no_pr_channel", incident_id=note.incident_id)
            return
        message = self.render.notification(note, self.thread_link(note.incident_id))
        self.claimed_post(note.incident_id, PR_MESSAGE, channel, message)

    def deliver_notification(self, note: Notification) -> None:
        """An escalation level re-sent with its mention; raises on failure so the scheduler retries it."""
        view = self.queries.view(note.incident_id, None)
        purpose = PR_MESSAGE if note.level == 1 else escalation_purpose(note.level)
        existing = self.queries.get_ref(note.incident_id, PLATFORM, purpose)
        if existing is not None and existing[1] is not None:
            log_event(logging.INFO, "slack.escalation_already_posted", incident_id=note.incident_id,
                      level=note.level)
            return
        channel = self.section_channel(view.restricted)
        if not channel:
            raise RuntimeError("slack.pr_channel is not configured")
        message = self.render.notification(note, self.thread_link(note.incident_id))
        posted_channel, ts = self.post(channel, message)
        self.queries.put_ref(note.incident_id, PLATFORM, purpose, posted_channel, ts)
        log_event(logging.INFO, "slack.escalation_posted", incident_id=note.incident_id, level=note.level)

    def notification_refs(self, incident_id: int) -> list[tuple[str, str]]:
        """Every acknowledgeable message posted for the incident: the PR message and escalations."""
        refs = [self.queries.get_ref(incident_id, PLATFORM, PR_MESSAGE)]
        refs += [self.queries.get_ref(incident_id, PLATFORM, escalation_purpose(level))
                 for level in range(2, self.chain_length + 1)]
        return [(ref[0], ref[1]) for ref in refs if ref is not None and ref[1] is not None]

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
