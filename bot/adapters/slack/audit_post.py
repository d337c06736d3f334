"""Posting the daily timeline attestation (chain head, problems, retention) to slack.restricted_channel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.adapters.slack.summary_post import SECTION_LIMIT, build_client
from bot.adapters.slack.text import escape
from bot.triage.audit import AuditResult, audit_lines
from bot.wiring import Runtime

log = logging.getLogger(__name__)


def post_audit(client: WebClient, channel: str, lines: list[str]) -> dict[str, Any]:
    """One chat.postMessage: the head line as the notification text, every line (escaped) as a section."""
    escaped = [escape(line) for line in lines]
    chunks: list[str] = []
    for line in escaped:
        if chunks and len(chunks[-1]) + 1 + len(line) <= SECTION_LIMIT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:SECTION_LIMIT])
    blocks = [SectionBlock(text=MarkdownTextObject(text=chunk)).to_dict() for chunk in chunks[:50]]
    response = client.chat_postMessage(channel=channel, text=escaped[0][:300], blocks=blocks,
                                       unfurl_links=False, unfurl_media=False)
    return {"channel": channel, "ts": str(response.get("ts", ""))}


def audit_publisher(runtime: Runtime, client: WebClient | None = None) -> Callable[[AuditResult], None]:
    """The post_audit callable bot.scheduler.build_scheduler takes, posting to slack.restricted_channel.

    Without a restricted channel the head is only logged (a warning): the daily job still verifies and erases.
    A Slack error propagates, so the job releases its claim and a later check posts again.
    """

    def publish(result: AuditResult) -> None:
        channel = runtime.settings.file.slack.restricted_channel
        att = result.attestation
        if not channel:
            log.warning("timeline attestation seq %d head %s not posted: slack.restricted_channel is not set",
                        att.seq, att.hash)
            return
        post_audit(client or build_client(runtime), channel, audit_lines(result, runtime.triage.catalog))

    return publish
