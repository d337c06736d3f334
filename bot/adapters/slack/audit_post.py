"""Posting the daily timeline attestation (chain head, problems, retention) to slack.restricted_channel."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient

from bot.adapters.slack.summary_post import build_client, post_sections
from bot.adapters.slack.text import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT, escape
from bot.delivery import publishing
from bot.triage.audit import AuditResult
from bot.wiring import Runtime


def audit_publisher(runtime: Runtime, client: WebClient | None = None) -> Callable[[AuditResult], None]:
    """The post_audit callable: one message, the head line as its text, the lines (escaped) packed in sections."""

    def post(channel: str, lines: list[str]) -> None:
        escaped = [escape(line) for line in lines]
        chunks = ["\n".join(group) for group in publishing.pack(escaped, lambda g: len("\n".join(g)) <= SECTION_LIMIT)]
        post_sections(client or build_client(runtime), channel, chunks[:MESSAGE_BLOCK_LIMIT], escaped[0])

    # Without a restricted channel the head is only logged; a Slack error propagates (a later check posts again).
    return publishing.audit_publisher([("slack.restricted_channel", runtime.settings.file.slack.restricted_channel)],
                                      runtime.triage.catalog, post)
