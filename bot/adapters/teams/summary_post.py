"""The scheduler's channel posts rendered for Teams (bot/delivery/publishing.py decides what and where): the weekly
summary as Adaptive Card(s), then the chart as an inline image; the daily audit as cards."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.adapters.teams.cards import CARD_BYTES_LIMIT, card, card_size, text_block
from bot.adapters.teams.connector import card_activity, deep_link
from bot.adapters.teams.port import PLATFORM
from bot.adapters.teams.text import md_escape
from bot.delivery import publishing
from bot.triage.audit import AuditResult
from bot.triage.summary import Raw, WeeklySummary, summary_period
from bot.triage.summary_model import AttentionItem

if TYPE_CHECKING:
    from bot.adapters.teams.app import TeamsBot

log = logging.getLogger("incident_bot.teams")
IMAGE_BYTES_LIMIT = 20_000  # the base64 image inside one message
MAX_LINES = 60  # the daily audit lists at most a few dozen problems; more goes to the log and the CLI


def _fits(blocks: list[list[dict[str, Any]]]) -> bool:
    return card_size(card([block for group in blocks for block in group])) <= CARD_BYTES_LIMIT


def teams_link(item: AttentionItem) -> str:
    """An incident reference linked to its Teams channel thread when it has one, else the plain reference."""
    here = publishing.conversation_here(item, PLATFORM)
    url = deep_link(*here) if here is not None else None
    if not url:
        return item.ref
    return Raw(f"[{md_escape(item.ref)}]({url.replace(')', '%29')})")


def chart_data_uri(png: bytes | None, limit: int = IMAGE_BYTES_LIMIT) -> str | None:
    """The chart as a data: URI small enough for one Teams message, or None."""
    if not png:
        return None
    candidates = [png]
    try:
        from PIL import Image  # Pillow comes with matplotlib

        with Image.open(io.BytesIO(png)) as image:
            for width, colours in ((image.width, 64), (720, 32), (560, 16)):
                scaled = image.convert("RGB")
                if scaled.width > width:
                    scaled = scaled.resize((width, round(image.height * width / image.width)))
                buffer = io.BytesIO()
                scaled.quantize(colors=colours).save(buffer, format="PNG", optimize=True)
                candidates.append(buffer.getvalue())
    except Exception:  # no Pillow, or an image it cannot read: only the original is tried
        log.info("teams.chart_not_shrunk")
    for data in candidates:
        encoded = base64.b64encode(data).decode("ascii")
        if len(encoded) <= limit:
            return "data:image/png;base64," + encoded
    return None


def summary_cards(bot: TeamsBot, summary: WeeklySummary, png: bytes | None) -> list[dict]:
    """The cards to post: the text packed so each card fits a message, then the chart (when it fits)."""
    title, chunks = publishing.summary_parts(summary, bot.catalog, escape=md_escape, link=teams_link)
    groups = [[text_block(line, spacing="Medium" if i == 0 else "None")
               for i, line in enumerate(line for line in chunk.split("\n") if line.strip())] for chunk in chunks]
    groups = [[text_block(title, weight="Bolder", size="Large"), *(groups[0] if groups else [])], *groups[1:]]
    cards = [[block for group in packed for block in group] for packed in publishing.pack(groups, _fits)]
    image = chart_data_uri(png)
    if png and image is None:
        cards[-1].append(text_block(md_escape(bot.render.t("teams.summary.chart_omitted")), isSubtle=True))
    if image:
        alt = bot.render.t("teams.summary.chart_alt", week=summary_period(summary, bot.catalog.locale))
        cards.append([{"type": "Image", "url": image, "altText": alt, "size": "Stretch"}])
    return [card(body) for body in cards]


def audit_cards(lines: list[str], title: str) -> list[dict[str, Any]]:
    """The audit lines as cards (the head line first, in bold), each small enough for one Teams message."""
    blocks = [[text_block(md_escape(line), weight="Bolder" if i == 0 else "Default", spacing="Small")]
              for i, line in enumerate(lines[:MAX_LINES])]
    head = [[text_block(md_escape(title), weight="Bolder", size="Medium")]]
    return [card([block for group in packed for block in group]) for packed in publishing.pack(blocks, _fits, head)]


def _send(bot: TeamsBot, channel: str, cards: list[dict[str, Any]], fallback: str) -> list[str]:
    """Post cards to a channel in order from a scheduler thread (on the app's event loop); the activity ids."""
    target = bot.port.target(channel)

    async def send() -> list[str]:
        return [await bot.port.connector.send(target, card_activity(content, fallback)) for content in cards]

    return bot.port.run(send())


def summary_publisher(bot: TeamsBot) -> Callable[[WeeklySummary, bytes | None], None]:
    """The publish_summary callable: the summary to teams.summary_channel."""

    def post(channel: str, summary: WeeklySummary, png: bytes | None) -> None:
        posted = _send(bot, channel, summary_cards(bot, summary, png),
                       bot.render.t("teams.summary.title", week=summary_period(summary, bot.catalog.locale)))
        log.info("teams.summary_posted week=%s messages=%s", summary.week, len(posted))

    return publishing.summary_publisher(("teams.summary_channel", bot.settings.summary_channel), post)


def audit_publisher(bot: TeamsBot) -> Callable[[AuditResult], None]:
    """The post_audit callable: the daily audit to teams.audit_channel, else teams.restricted_channel."""

    def post(channel: str, lines: list[str]) -> None:
        posted = _send(bot, channel, audit_cards(lines, bot.catalog.t("teams.audit.title")), lines[0][:300])
        log.info("teams.audit_posted messages=%s", len(posted))

    settings = bot.settings
    return publishing.audit_publisher([("teams.audit_channel", settings.audit_channel),
                                       ("teams.restricted_channel", settings.restricted_channel)], bot.catalog, post)


__all__ = ["summary_cards", "audit_cards", "summary_publisher", "audit_publisher", "chart_data_uri", "teams_link"]
