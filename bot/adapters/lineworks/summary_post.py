"""The scheduler's channel posts rendered for LINE WORKS (bot/delivery/publishing.py decides what and where): the
weekly summary as text, then the chart as an image; the daily audit as text."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot.adapters.lineworks.auth import TokenProvider
from bot.adapters.lineworks.client import LineWorksClient, UploadError
from bot.adapters.lineworks.port import LineWorksPort
from bot.adapters.lineworks.render import Renderer
from bot.adapters.lineworks.target import PLATFORM, Target
from bot.delivery import publishing
from bot.delivery.content import DeliveryError
from bot.triage.audit import AuditResult
from bot.triage.summary import render_summary_sections
from bot.triage.summary_model import WeeklySummary

if TYPE_CHECKING:
    from bot.adapters.lineworks.app import LineWorksAdapter
    from bot.wiring import Runtime

Publish = Callable[[WeeklySummary, bytes | None], None]


def post_weekly_summary(adapter: LineWorksAdapter, channel: str, summary: WeeklySummary, png: bytes | None) -> None:
    """The summary as text (split at 2,000 characters), then the chart uploaded and sent as an image.
    Raises DeliveryError, so the summary job keeps the week unposted and tries again."""
    post_summary(adapter.port, adapter.render, adapter.client, channel, summary, png)


def post_summary(port: LineWorksPort, render: Renderer, client: LineWorksClient, channel: str,
                 summary: WeeklySummary, png: bytes | None) -> None:
    """See post_weekly_summary: the same, from the parts (the CLI has no running adapter)."""
    place = Target.channel(channel).encode()
    # Plain text: LINE WORKS shows no markup, and incident references stay as INC-0012.
    chunks = render_summary_sections(summary, render.catalog)
    port.send(place, render.messages(["\n\n".join(chunks)]))
    if png:
        try:
            file_id = client.upload(publishing.chart_filename(summary), png)
        except UploadError as exc:
            raise DeliveryError(exc.code, retry_after=exc.retry_after) from None
        port.send(place, [{"type": "image", "fileId": file_id}])


def cli_publisher(runtime: Runtime, environ: Mapping[str, str]) -> tuple[str, Publish] | None:
    """For `incident-bot summary --post`: lineworks.summary_channel and a publisher from app.yaml and the LW_*
    variables, with no server and no workers; None when no LINE WORKS summary room is set. LineWorksConfigError
    names a wrong setting or variable."""
    from bot.adapters.lineworks.app import lineworks_credentials, lineworks_settings
    from bot.delivery.ledger import Ledger

    if not getattr(runtime.settings.file, "lineworks", None):
        return None
    settings = lineworks_settings(runtime)
    if not settings.summary_channel:
        return None
    credentials = lineworks_credentials(environ)
    assert credentials.bot_id is not None
    client = LineWorksClient(credentials.api_url, credentials.bot_id, TokenProvider(credentials))
    render = Renderer(runtime.triage.catalog, runtime.library.kinds())
    port = LineWorksPort(client, render, Ledger(lambda: runtime.triage.queries, PLATFORM))
    channel = settings.summary_channel
    return channel, lambda summary, png: post_summary(port, render, client, channel, summary, png)


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


__all__ = ["audit_publisher", "cli_publisher", "post_summary", "post_weekly_summary", "summary_publisher"]
