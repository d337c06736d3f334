"""Posting the weekly summary to Slack: text as section blocks, then the chart through files_upload_v2."""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.models.blocks import HeaderBlock, MarkdownTextObject, SectionBlock

from bot.triage.summary import Raw, WeeklySummary, render_summary_sections
from bot.triage.summary_model import AttentionItem
from bot.wiring import Runtime

log = logging.getLogger(__name__)
MAX_BLOCKS = 50
SECTION_LIMIT = 3000
FALLBACK_LIMIT = 300
CHART_FILENAME = "incident-summary-{week}.png"


class SummaryPostError(Exception):
    """The summary cannot be posted (no channel or token configured)."""


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def incident_link(item: AttentionItem) -> str:
    """A Slack link to the incident's thread when it lives in Slack, else its plain reference."""
    if item.conversation_platform == "slack" and item.conversation_channel:
        anchor = item.conversation_thread
        if anchor and anchor.replace(".", "").isdigit():
            return Raw(f"<https://slack.com/archives/{item.conversation_channel}/p{anchor.replace('.', '')}"
                       f"|{item.ref}>")
        return Raw(f"{item.ref} (<#{item.conversation_channel}>)")
    return item.ref


def build_client(runtime: Runtime) -> WebClient:
    """A WebClient from the environment's bot token and optional API base URL."""
    secrets = runtime.settings.secrets
    if secrets.slack_bot_token is None:
        raise SummaryPostError("SLACK_BOT_TOKEN is not set")
    base_url = secrets.slack_api_url or WebClient.BASE_URL
    return WebClient(token=secrets.slack_bot_token.get_secret_value(),
                     base_url=base_url if base_url.endswith("/") else base_url + "/")


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
                        client: WebClient | None = None,
                        link: Callable[[AttentionItem], str] = incident_link) -> dict[str, Any]:
    """Render the summary for Slack (escaped, incidents linked) and post it to slack.summary_channel."""
    channel = runtime.settings.file.slack.summary_channel
    if not channel:
        raise SummaryPostError("slack.summary_channel is not set in app.yaml")
    catalog = runtime.triage.catalog
    chunks = render_summary_sections(summary, catalog, escape=escape_mrkdwn, link=link)
    title, _, first = chunks[0].partition("\n")
    chunks = ([first] if first.strip() else []) + chunks[1:]
    return post_summary(client or build_client(runtime), channel, chunks, png, title=title.strip(),
                        filename=CHART_FILENAME.format(week=summary.week))


def summary_publisher(runtime: Runtime, client: WebClient | None = None
                      ) -> Callable[[WeeklySummary, bytes | None], None]:
    """The publish_summary callable bot.scheduler.build_scheduler expects, posting through this adapter."""

    def publish(summary: WeeklySummary, png: bytes | None) -> None:
        post_weekly_summary(runtime, summary, png, client)

    return publish
