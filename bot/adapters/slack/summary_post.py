"""Posting the weekly summary to Slack: text as section blocks, then the chart through files_upload_v2."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import HeaderBlock, MarkdownTextObject, SectionBlock

from bot.adapters.slack import port
from bot.adapters.slack.text import escape
from bot.triage.summary import Raw, WeeklySummary, render_summary_sections
from bot.triage.summary_model import AttentionItem
from bot.wiring import Runtime

log = logging.getLogger(__name__)
MAX_BLOCKS = 50
SECTION_LIMIT = 3000
FALLBACK_LIMIT = 300
CHART_FILENAME = "incident-summary-{week}.png"


# What a failed post raises (Slack said no, or could not be reached); the CLI reports these.
POST_ERRORS: tuple[type[Exception], ...] = (SlackApiError, SlackClientError, OSError)


class SummaryPostError(Exception):
    """The summary cannot be posted (no channel or token configured)."""


def slack_linker(client: WebClient) -> Callable[[AttentionItem], str]:
    """Incident references linked to their Slack thread (chat.getPermalink), else the plain reference."""
    cache: dict[tuple[str, str], str | None] = {}

    def link(item: AttentionItem) -> str:
        channel, ts = item.conversation_channel, item.conversation_thread
        if item.conversation_platform != "slack" or not channel:
            return item.ref
        if ts:
            if (channel, ts) not in cache:
                try:
                    answer = client.chat_getPermalink(channel=channel, message_ts=ts)
                    cache[(channel, ts)] = str(answer["permalink"])
                except (SlackApiError, SlackClientError, KeyError, OSError):
                    log.warning("no permalink for %s", item.ref)
                    cache[(channel, ts)] = None
            url = cache[(channel, ts)]
            if url:
                return Raw(f"<{escape(url)}|{item.ref}>")
        return Raw(f"{item.ref} (<#{channel}>)")

    return link


def build_client(runtime: Runtime) -> WebClient:
    """The adapter's Web API client (port.build_client) from the environment's bot token and optional API URL."""
    secrets = runtime.settings.secrets
    if secrets.slack_bot_token is None:
        raise SummaryPostError("SLACK_BOT_TOKEN is not set")
    return port.build_client(secrets.slack_bot_token.get_secret_value(), secrets.slack_api_url)


def post_summary(client: WebClient, channel: str, summary_text_chunks: Sequence[str], png: bytes | None, *,
                 title: str = "", filename: str = "incident-summary.png") -> dict[str, Any]:
    """chat.postMessage with one section per chunk (≤ 3000 chars, ≤ 50 blocks a message), then the PNG."""
    blocks: list[Any] = []
    if title:
        blocks.append(HeaderBlock(text=title[:150]))
    blocks.extend(SectionBlock(text=MarkdownTextObject(text=chunk[:SECTION_LIMIT]))
                  for chunk in summary_text_chunks if chunk.strip())
    fallback = (title or (summary_text_chunks[0] if summary_text_chunks else ""))[:FALLBACK_LIMIT]
    timestamps: list[str] = []
    for start in range(0, len(blocks), MAX_BLOCKS):
        part = blocks[start:start + MAX_BLOCKS]
        response = client.chat_postMessage(channel=channel, text=fallback, blocks=[b.to_dict() for b in part],
                                           unfurl_links=False, unfurl_media=False)
        timestamps.append(str(response.get("ts", "")))
    file_id = None
    if png:
        upload = client.files_upload_v2(channel=channel, file=png, filename=filename, title=title or filename,
                                        alt_txt=title or None)
        file_id = (upload.get("file") or {}).get("id")
    return {"channel": channel, "ts": timestamps, "file_id": file_id}


def post_weekly_summary(runtime: Runtime, summary: WeeklySummary, png: bytes | None,
                        client: WebClient | None = None) -> dict[str, Any]:
    """Render the summary for Slack (escaped, incidents linked to their threads) and post it."""
    channel = runtime.settings.file.slack.summary_channel
    if not channel:
        raise SummaryPostError("slack.summary_channel is not set in app.yaml")
    client = client or build_client(runtime)
    chunks = render_summary_sections(summary, runtime.triage.catalog, escape=escape,
                                     link=slack_linker(client))
    title, _, first = chunks[0].partition("\n")
    chunks = ([first] if first.strip() else []) + chunks[1:]
    return post_summary(client, channel, chunks, png, title=title.strip(),
                        filename=CHART_FILENAME.format(week=summary.week))


def summary_publisher(runtime: Runtime, client: WebClient | None = None
                      ) -> Callable[[WeeklySummary, bytes | None], None]:
    """The publish_summary callable bot.scheduler.build_scheduler expects, posting through this adapter."""

    def publish(summary: WeeklySummary, png: bytes | None) -> None:
        if not runtime.settings.file.slack.summary_channel:
            # Not an error to retry every tick: this deployment simply has no summary channel.
            log.warning("weekly summary %s not posted: slack.summary_channel is not set", summary.week)
            return
        post_weekly_summary(runtime, summary, png, client)

    return publish
