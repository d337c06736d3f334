"""The scheduler's channel posts rendered for Slack (bot/delivery/publishing.py decides what and where): the weekly
summary as section blocks, then the chart through files_upload_v2; the daily audit as one message."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.adapters.slack import port
from bot.adapters.slack.text import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT, escape
from bot.delivery import publishing
from bot.triage.audit import AuditResult
from bot.triage.summary import Raw, WeeklySummary
from bot.triage.summary_model import AttentionItem
from bot.wiring import Runtime

log = logging.getLogger(__name__)
FALLBACK_LIMIT = 300
# What a failed post raises (Slack said no, or could not be reached); the CLI reports these.
POST_ERRORS: tuple[type[Exception], ...] = (SlackApiError, SlackClientError, OSError)


class SummaryPostError(Exception):
    """The summary cannot be posted (no channel or token configured)."""


def slack_linker(client: WebClient) -> Callable[[AttentionItem], str]:
    """Incident references linked to their Slack thread (chat.getPermalink), else the plain reference."""
    cache: dict[tuple[str, str], str | None] = {}

    def link(item: AttentionItem) -> str:
        here = publishing.conversation_here(item, port.PLATFORM)
        if here is None:
            return item.ref
        channel, ts = here
        if ts:
            if (channel, ts) not in cache:
                try:
                    cache[(channel, ts)] = str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
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


def post_sections(client: WebClient, channel: str, chunks: Sequence[str], fallback: str,
                  head: Sequence[Block] = ()) -> list[str]:
    """chat.postMessage with one section per chunk (≤ 3000 chars, ≤ 50 blocks a message); the messages' ts."""
    blocks = [*head, *(SectionBlock(text=MarkdownTextObject(text=chunk[:SECTION_LIMIT]))
                       for chunk in chunks if chunk.strip())]
    return [str(client.chat_postMessage(channel=channel, text=fallback[:FALLBACK_LIMIT], unfurl_links=False,
                                        unfurl_media=False, blocks=[b.to_dict() for b in part]).get("ts", ""))
            for part in (blocks[i:i + MESSAGE_BLOCK_LIMIT] for i in range(0, len(blocks), MESSAGE_BLOCK_LIMIT))]


def post_summary(client: WebClient, channel: str, summary_text_chunks: Sequence[str], png: bytes | None, *,
                 title: str = "", filename: str = "incident-summary.png") -> dict[str, Any]:
    """The summary's sections under its title, then the PNG."""
    timestamps = post_sections(client, channel, summary_text_chunks,
                               title or (summary_text_chunks[0] if summary_text_chunks else ""),
                               [HeaderBlock(text=title[:150])] if title else [])
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
    title, chunks = publishing.summary_parts(summary, runtime.triage.catalog, escape=escape, link=slack_linker(client))
    return post_summary(client, channel, chunks, png, title=title, filename=publishing.chart_filename(summary))


def summary_publisher(runtime: Runtime, client: WebClient | None = None
                      ) -> Callable[[WeeklySummary, bytes | None], None]:
    """The publish_summary callable bot.scheduler.build_scheduler expects, posting through this adapter."""
    return publishing.summary_publisher(
        ("slack.summary_channel", runtime.settings.file.slack.summary_channel),
        lambda channel, summary, png: post_weekly_summary(runtime, summary, png, client))


def audit_publisher(runtime: Runtime, client: WebClient | None = None) -> Callable[[AuditResult], None]:
    """The post_audit callable: one message to slack.restricted_channel, the head line as its text, the lines
    (escaped) packed in sections."""

    def post(channel: str, lines: list[str]) -> None:
        escaped = [escape(line) for line in lines]
        chunks = ["\n".join(group) for group in publishing.pack(escaped, lambda g: len("\n".join(g)) <= SECTION_LIMIT)]
        post_sections(client or build_client(runtime), channel, chunks[:MESSAGE_BLOCK_LIMIT], escaped[0])

    # Without a restricted channel the head is only logged; a Slack error propagates (a later check posts again).
    return publishing.audit_publisher([("slack.restricted_channel", runtime.settings.file.slack.restricted_channel)],
                                      runtime.triage.catalog, post)
