"""The scheduler's channel posts for every platform: the weekly summary and the daily timeline audit.

What is posted, in what parts and where is decided here once; the adapter only renders and sends (`post`).
No channel configured is not an error to retry every tick: it is logged and nothing is posted. A failure of
`post` propagates, so the job keeps the week (or the audit's claim) open and a later tick tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.i18n import Catalog
from bot.triage.audit import AuditResult, audit_lines
from bot.triage.summary import render_summary_sections
from bot.triage.summary_model import AttentionItem, WeeklySummary

log = logging.getLogger("incident_bot.delivery")
T = TypeVar("T")
Setting = tuple[str, "str | None"]  # (the setting's name in app.yaml, its value)
CHART_FILENAME = "incident-summary-{week}.png"  # the chart's file where a platform uploads it as a file


def chart_filename(summary: WeeklySummary) -> str:
    """The name of the week's chart file."""
    return CHART_FILENAME.format(week=summary.week)


def summary_parts(summary: WeeklySummary, catalog: Catalog, *, escape: Callable[[str], str] | None = None,
                  link: Callable[[AttentionItem], str] | None = None) -> tuple[str, list[str]]:
    """The summary's title line and its sections (the first without the title), escaped and linked."""
    chunks = render_summary_sections(summary, catalog, escape=escape or (lambda text: text), link=link)
    title, _, first = chunks[0].partition("\n")
    return title.strip(), ([first] if first.strip() else []) + chunks[1:]


def conversation_here(item: AttentionItem, platform: str) -> tuple[str, str | None] | None:
    """(channel, thread) of an incident's conversation when it lives on `platform`, which the summary may link to;
    None: its reference stays plain (reported elsewhere, or nowhere)."""
    if item.conversation_platform != platform or not item.conversation_channel:
        return None
    return item.conversation_channel, item.conversation_thread or None


def first_set(settings: Sequence[Setting]) -> str | None:
    """The first configured channel of the candidates, in order."""
    return next((value for _, value in settings if value), None)


def summary_publisher(channel: Setting, post: Callable[[str, WeeklySummary, bytes | None], object]
                      ) -> Callable[[WeeklySummary, bytes | None], None]:
    """The publish_summary callable bot.scheduler.build_scheduler expects: `post(channel, summary, png)`."""

    def publish(summary: WeeklySummary, png: bytes | None) -> None:
        if not channel[1]:
            log.warning("weekly summary %s not posted: %s is not set", summary.week, channel[0])
            return
        post(channel[1], summary, png)

    return publish


def audit_publisher(channels: Sequence[Setting], catalog: Catalog, post: Callable[[str, list[str]], object]
                    ) -> Callable[[AuditResult], None]:
    """The post_audit callable: the audit's lines (references, counts, hashes only) to the first configured of
    `channels`; without any the head is only logged (the daily job still verifies and erases)."""

    def publish(result: AuditResult) -> None:
        channel, att = first_set(channels), result.attestation
        if not channel:
            log.warning("timeline attestation seq %d head %s not posted: %s is not set", att.seq, att.hash,
                        channels[0][0])
            return
        post(channel, audit_lines(result, catalog))

    return publish


def pack(items: Sequence[T], fits: Callable[[list[T]], bool], head: Sequence[T] = ()) -> list[list[T]]:
    """Items in order, grouped so each group fits one message (`head` starts the first group; an item that does
    not fit even alone gets a group of its own)."""
    groups: list[list[T]] = []
    current: list[T] = list(head)
    for item in items:
        if current and not fits(current + [item]):
            groups.append(current)
            current = []
        current.append(item)
    groups.append(current)
    return groups


__all__ = ["CHART_FILENAME", "audit_publisher", "chart_filename", "conversation_here", "first_set", "pack",
           "summary_parts", "summary_publisher"]
