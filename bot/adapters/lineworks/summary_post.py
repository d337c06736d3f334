"""Posting the weekly summary (text, then the chart as an image) and the daily audit to LINE WORKS."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.adapters.lineworks.client import UploadError
from bot.adapters.lineworks.target import Target
from bot.delivery.content import DeliveryError
from bot.triage.audit import AuditResult, audit_lines
from bot.triage.summary import render_summary_sections
from bot.triage.summary_model import WeeklySummary

if TYPE_CHECKING:
    from bot.adapters.lineworks.app import LineWorksAdapter

log = logging.getLogger("incident_bot.lineworks")
CHART_FILENAME = "incident-summary-{week}.png"


def post_weekly_summary(adapter: LineWorksAdapter, summary: WeeklySummary, png: bytes | None) -> None:
    """The summary as text (split at 2,000 characters), then the chart uploaded and sent as an image.
    Raises DeliveryError, so the summary job keeps the week unposted and tries again."""
    channel = adapter.settings.summary_channel
    assert channel is not None
    place = Target.channel(channel).encode()
    # Plain text: LINE WORKS shows no markup, and incident references stay as INC-0012.
    chunks = render_summary_sections(summary, adapter.render.catalog)
    adapter.port.send(place, adapter.render.messages(["\n\n".join(chunks)]))
    if png:
        try:
            file_id = adapter.client.upload(CHART_FILENAME.format(week=summary.week), png)
        except UploadError as exc:
            raise DeliveryError(exc.code, retry_after=exc.retry_after) from None
        adapter.port.send(place, [{"type": "image", "fileId": file_id}])


def summary_publisher(adapter: LineWorksAdapter) -> Callable[[WeeklySummary, bytes | None], None]:
    """The publish_summary callable bot.scheduler.build_scheduler expects."""

    def publish(summary: WeeklySummary, png: bytes | None) -> None:
        if not adapter.settings.summary_channel:
            # Not an error to retry every tick: this deployment simply has no summary room.
            log.warning("weekly summary %s not posted: lineworks.summary_channel is not set", summary.week)
            return
        post_weekly_summary(adapter, summary, png)

    return publish


def audit_publisher(adapter: LineWorksAdapter) -> Callable[[AuditResult], None]:
    """The post_audit callable: the attestation to the restricted room (else the summary room); without
    either it is only logged. A failure propagates, so the job releases its claim and posts later."""

    def publish(result: AuditResult) -> None:
        channel = adapter.settings.restricted_channel or adapter.settings.summary_channel
        att = result.attestation
        if not channel:
            log.warning("timeline attestation seq %d head %s not posted: no lineworks room is set", att.seq,
                        att.hash)
            return
        lines = audit_lines(result, adapter.render.catalog)
        adapter.port.send(Target.channel(channel).encode(), adapter.render.messages(["\n".join(lines)]))

    return publish


__all__ = ["summary_publisher", "audit_publisher", "post_weekly_summary"]
