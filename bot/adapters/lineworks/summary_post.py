"""The scheduler's channel posts rendered for LINE WORKS (bot/delivery/publishing.py decides what and where): the
weekly summary as text, then the chart as an image; the daily audit as text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.adapters.lineworks.client import UploadError
from bot.adapters.lineworks.target import Target
from bot.delivery import publishing
from bot.delivery.content import DeliveryError
from bot.triage.audit import AuditResult
from bot.triage.summary import render_summary_sections
from bot.triage.summary_model import WeeklySummary

if TYPE_CHECKING:
    from bot.adapters.lineworks.app import LineWorksAdapter

CHART_FILENAME = "incident-summary-{week}.png"


def post_weekly_summary(adapter: LineWorksAdapter, channel: str, summary: WeeklySummary, png: bytes | None) -> None:
    """The summary as text (split at 2,000 characters), then the chart uploaded and sent as an image.
    Raises DeliveryError, so the summary job keeps the week unposted and tries again."""
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
    """The publish_summary callable: the summary to lineworks.summary_channel."""
    return publishing.summary_publisher(("lineworks.summary_channel", adapter.settings.summary_channel),
                                        lambda channel, summary, png: post_weekly_summary(adapter, channel, summary,
                                                                                          png))


def audit_publisher(adapter: LineWorksAdapter) -> Callable[[AuditResult], None]:
    """The post_audit callable: the attestation to the restricted room, else the summary room."""
    settings = adapter.settings

    def post(channel: str, lines: list[str]) -> None:
        adapter.port.send(Target.channel(channel).encode(), adapter.render.messages(["\n".join(lines)]))

    return publishing.audit_publisher([("lineworks.restricted_channel", settings.restricted_channel),
                                       ("lineworks.summary_channel", settings.summary_channel)],
                                      adapter.render.catalog, post)


__all__ = ["summary_publisher", "audit_publisher", "post_weekly_summary"]
