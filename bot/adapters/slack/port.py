"""The Slack side of the delivery layer: neutral contents as Block Kit through the Web API; it decides nothing."""

# A user id as channel posts into the bot's DM with that user (Slack answers with the DM's channel id, which the
# ledger records). Posts carry metadata naming the incident and purpose, so a takeover finds a crashed holder's post.

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse

from bot.adapters.slack.keepalive import KeepAliveClient
from bot.adapters.slack.render import Rendered, Renderer
from bot.adapters.slack.text import MESSAGE_BLOCK_LIMIT, escape, link, slack_id, user_mention
from bot.delivery import content as c
from bot.delivery.content import DeliveryError, Marker, Place, Posted
from bot.presenting import plain_words, reopened_words

log = logging.getLogger("incident_bot.slack")
PLATFORM = "slack"
DEFAULT_API_URL = "https://slack.com/api/"
METADATA_TYPE = "incident_bot_post"
PERMALINK_CACHE = 4096
LOOKUP_PAGES = 5  # conversations.history/replies pages (200 messages each) searched for an abandoned post


def build_client(token: str | None, api_url: str | None) -> WebClient:
    """The Web API client: bot token, SLACK_API_URL (tests) or Slack's, connection retries, kept alive."""
    url = (api_url or DEFAULT_API_URL).strip()
    return KeepAliveClient(token=token, base_url=url if url.endswith("/") else url + "/", timeout=15,
                           retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2),
                                           RateLimitErrorRetryHandler(max_retry_count=3)])


def error_code(exc: SlackApiError) -> str:
    """The Web API error code of a failed call (e.g. not_in_channel, ratelimited)."""
    try:
        return str(exc.response.get("error") or exc.response.status_code)
    except Exception:  # a response without the usual shape
        return "unknown"


def delivery_error(exc: SlackApiError) -> DeliveryError:
    """A Web API failure as the delivery layer's error; 429 carries its Retry-After (waited out, never given up)."""
    code = error_code(exc)
    retry_after: float | None = None
    try:
        if exc.response.status_code == 429 or code == "ratelimited":
            retry_after = float((exc.response.headers or {}).get("Retry-After", 1) or 1)
    except (TypeError, ValueError, AttributeError):
        retry_after = 1.0
    return DeliveryError(code, retry_after=retry_after)


def post_metadata(marker: Marker) -> dict[str, Any]:
    """Slack message metadata marking a post as this incident's `purpose` (no personal data: ids only)."""
    return {"event_type": METADATA_TYPE, "event_payload": {"incident_id": marker.incident_id,
                                                           "purpose": marker.purpose}}


def is_dm(channel: str) -> bool:
    """Whether a conversation id is a DM with the bot (Slack's im ids start with D)."""
    return channel.startswith("D")

class SlackPort:
    """ChatPort on the Web API (see the module docstring)."""

    platform = PLATFORM
    finds_posted = True  # by message metadata (find_posted)
    unreached = MappingProxyType({"not_in_channel": "not_member", "channel_not_found": "not_found",
                                  "is_archived": "archived", "restricted_action": "not_member"})

    def __init__(self, client: WebClient, render: Renderer) -> None:
        self.client = client  # lookups (permalink, find_posted, fetch_message): slack_sdk waits a 429 out
        # Posts run in the pacer, which waits a 429 out itself (bot/delivery/pacing.py): one rule, not two.
        self.paced = type(client)(token=client.token, base_url=client.base_url, timeout=client.timeout, ssl=client.ssl,
                                  proxy=client.proxy, headers=client.headers, logger=client.logger,
                                  retry_handlers=[h for h in client.retry_handlers
                                                  if not isinstance(h, RateLimitErrorRetryHandler)])
        self.render = render
        self._links: dict[Posted, str] = {}  # permalinks never change: asked once per message (bounded)

    # -- rendering -----------------------------------------------------------------------------------------
    def rendered(self, content: c.Content) -> Rendered:
        """Block Kit for a neutral content."""
        r, t = self.render, self.render.t
        if isinstance(content, c.Texts):
            prefix = " ".join(user_mention(user) for user in content.mention)
            return r.messages(content.texts, prefix=prefix)
        words = plain_words(content, r.catalog)
        if words is not None:
            return r.messages(words)
        if isinstance(content, c.Anchor):
            return r.anchor(content.view.ref, content.view.kind_label, content.reporter_name)
        if isinstance(content, c.Intro):
            return r.intro(content.texts, content.view.id, content.view.kind)
        if isinstance(content, c.Step):
            return r.step(content.step, content.view.kind)
        if isinstance(content, c.StepClosed):
            return r.step_closed(content.step, content.by, content.when)
        if isinstance(content, c.StepSuperseded):
            return r.step_superseded(content.step)
        if isinstance(content, c.SectionNotice):
            return r.notification(content.note, content.link, private=content.private,
                                  reopen=content.view.id if content.reopen else None)
        if isinstance(content, c.Linked):
            where = link(content.url, t("slack.thread_link")) if content.url else escape(t("slack.thread_link"))
            if content.private:  # the reporter's DM with the bot: said in words, no link others could not open
                if isinstance(content.content, c.Anchored):
                    return r.markup(escape(t("slack.anchored_dm", ref=content.content.view.ref)))
                return r.markup("\n".join([escape(self.rendered(content.content).text), escape(t("slack.merged_dm"))]))
            if isinstance(content.content, c.Anchored):
                return r.markup(t("slack.anchored", ref=content.content.view.ref, link=where))
            inner = self.rendered(content.content)
            return r.markup("\n".join([escape(inner.text), t("slack.merged_link", link=where)]))
        if isinstance(content, c.Anchored):
            return r.markup(t("slack.anchored", ref=content.view.ref, link=escape(t("slack.thread_link"))))
        if isinstance(content, c.ReviewInvite):
            return r.review_invite(content.view)
        raise TypeError(f"no Slack rendering for {type(content).__name__}")

    def _changed(self, posted: Posted, content: c.Content) -> tuple[str, list[dict[str, Any]]] | None:
        """A posted notification's current blocks changed in place (redacted, acknowledged, reopened); None if
        gone."""
        message = self.fetch_message(posted.channel, posted.id)
        if message is None:
            log.warning("slack.notification_missing channel=%s", posted.channel)
            return None
        blocks = list(message.get("blocks") or [])
        if isinstance(content, c.NoticeAcknowledged):
            return escape(content.text), self.render.acknowledged(blocks, content.by, content.when, note=content.note,
                                                                  end=content.view.id if content.end else None)
        if isinstance(content, c.NoticeEnded):  # every control goes; the end is said below what it showed
            kept = [b for b in blocks if b.get("type") != "actions" and b.get("block_id") not in ("end-note", "ended")]
            said = {"type": "context", "block_id": "ended",
                    "elements": [{"type": "mrkdwn", "text": escape(content.text)}]}
            return str(message.get("text") or content.view.ref), kept[:MESSAGE_BLOCK_LIMIT - 1] + [said]
        if isinstance(content, c.ReopenWithdrawn):  # the button goes; who reopened it is said in its place
            kept = [b for b in blocks if b.get("block_id") not in ("reopen", "reopened")]
            said = {"type": "context", "block_id": "reopened",
                    "elements": [{"type": "mrkdwn", "text": escape(reopened_words(content))}]}
            return str(message.get("text") or content.view.ref), kept + [said]
        assert isinstance(content, c.NoticeRedacted)
        view = content.view
        words = self.render.catalog
        body = self.render.t("notify.body_restricted", reporter=content.reporter_name,
                             place=words.platform_word("place.report", PLATFORM),
                             private=words.platform_word("place.reporter_chat", PLATFORM))
        title = content.title or self.render.t("notify.title", ref=view.ref, kind=view.kind_label,
                                               severity=view.severity_label)
        return escape(view.ref), self.render.redacted(blocks, body, title)

    # -- the port ----------------------------------------------------------------------------------------------
    def _paced(self, method: str, **args: Any) -> SlackResponse:
        """A paced chat.* call as slack_sdk's method sends it (JSON, None left out), past the method's conversion
        of model objects: the rendered blocks are dicts already."""
        return self.paced.api_call(method, json={key: value for key, value in args.items() if value is not None})

    def post(self, place: Place, content: c.Content, marker: Marker | None = None) -> Posted:
        message = self.rendered(content)
        extra: dict[str, Any] = {"metadata": post_metadata(marker)} if marker else {}
        try:
            response = self._paced("chat.postMessage", channel=slack_id(place.channel), thread_ts=place.thread,
                                   unfurl_links=False, unfurl_media=False, **extra, **message.payload())
        except SlackApiError as exc:
            raise delivery_error(exc) from None
        return Posted(str(response["channel"]), str(response["ts"]))

    def update(self, posted: Posted, content: c.Content) -> None:
        try:
            if c.changes_notice(content):
                changed = self._changed(posted, content)
                if changed is not None:
                    self._paced("chat.update", channel=posted.channel, ts=posted.id, text=changed[0],
                                blocks=changed[1])
                return
            self._paced("chat.update", channel=posted.channel, ts=posted.id, **self.rendered(content).payload())
        except SlackApiError as exc:
            raise delivery_error(exc) from None

    def post_ephemeral(self, place: Place, user: str, content: c.Content) -> None:
        try:
            self._paced("chat.postEphemeral", channel=slack_id(place.channel), user=slack_id(user),
                        thread_ts=place.thread, **self.rendered(content).payload())
        except SlackApiError as exc:
            raise delivery_error(exc) from None

    def upload(self, place: Place, files: Sequence[c.Attachment], comment: str) -> Posted:
        """Files with one comment (files_upload_v2); to a user id, the comment opens their DM (no im:write)."""
        channel = slack_id(place.channel)
        text: str | None = escape(comment) if comment else None
        try:
            if channel.startswith(("U", "W")):
                opened = self.paced.chat_postMessage(channel=channel, text=text or "", unfurl_links=False)
                channel, text = str(opened["channel"]), None
            response = self.paced.files_upload_v2(
                file_uploads=[{"file": f.data, "filename": f.filename, "title": f.title} for f in files],
                channel=channel, thread_ts=place.thread, initial_comment=text, request_file_info=False)
        except SlackApiError as exc:
            raise delivery_error(exc) from None
        uploaded = response.get("files") or [response.get("file") or {}]
        if not uploaded or not uploaded[0].get("id"):
            raise DeliveryError("upload_incomplete")
        return Posted(channel, str(uploaded[0]["id"]))

    def is_private(self, channel: str) -> bool:
        """A DM: its permalink opens only for the member, so the section and co-reporters get none."""
        return is_dm(channel)

    def permalink(self, posted: Posted) -> str | None:
        known = self._links.get(posted)
        if known is not None:
            return known
        try:
            link = str(self.client.chat_getPermalink(channel=posted.channel, message_ts=posted.id)["permalink"])
        except SlackApiError as exc:
            log.warning("slack.permalink_failed channel=%s error=%s", posted.channel, error_code(exc))
            return None
        if len(self._links) >= PERMALINK_CACHE:
            self._links.clear()
        self._links[posted] = link
        return link

    def find_posted(self, place: Place, marker: Marker) -> Posted | None:
        """Found by its metadata; not in a DM (no im:write to look it up: in that crash window a DM may repeat)."""
        if slack_id(place.channel).startswith(("U", "W")) or ":" in place.channel:
            return None
        cursor: str | None = None
        try:
            for _ in range(LOOKUP_PAGES):
                if place.thread:
                    page = self.client.conversations_replies(channel=place.channel, ts=place.thread, limit=200,
                                                             include_all_metadata=True, cursor=cursor)
                else:
                    page = self.client.conversations_history(channel=place.channel, include_all_metadata=True,
                                                             limit=200, cursor=cursor)
                for message in page.get("messages") or []:
                    meta = message.get("metadata") or {}
                    payload = meta.get("event_payload") or {}
                    if (meta.get("event_type") == METADATA_TYPE
                            and str(payload.get("incident_id")) == str(marker.incident_id)
                            and payload.get("purpose") == marker.purpose):
                        return Posted(place.channel, str(message["ts"]))
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    return None
        except SlackApiError as exc:
            raise delivery_error(exc) from None
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
