"""Posting the weekly summary to Teams: the text as Adaptive Card(s), then the chart as an inline image.

Teams refuses messages over about 28 KB, so the chart goes in its own message, shrunk (fewer colours,
smaller) when it does not fit; if it still does not, the text says so and the chart is left out.
"""

from __future__ import annotations

import base64
import io
import logging
from typing import TYPE_CHECKING

from bot.adapters.teams.cards import CARD_BYTES_LIMIT, card, card_size, text_block
from bot.adapters.teams.connector import card_activity, deep_link
from bot.adapters.teams.text import md_escape
from bot.triage.summary import Raw, WeeklySummary, render_summary_sections
from bot.triage.summary_model import AttentionItem

if TYPE_CHECKING:
    from bot.adapters.teams.app import TeamsBot

log = logging.getLogger("incident_bot.teams")
IMAGE_BYTES_LIMIT = 20_000  # the base64 image inside one message


def teams_link(item: AttentionItem) -> str:
    """An incident reference linked to its Teams channel thread when it has one, else the plain reference."""
    channel, root = item.conversation_channel, item.conversation_thread
    if item.conversation_platform != "teams" or not channel or not root:
        return item.ref
    url = deep_link(channel, root)
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
    """The cards to post: the text split so each card fits a message, then the chart (when it fits)."""
    chunks = render_summary_sections(summary, bot.catalog, escape=md_escape, link=teams_linker)
    title, _, first = chunks[0].partition("\n")
    chunks = ([first] if first.strip() else []) + chunks[1:]
    cards: list[dict] = []
    current: list[dict] = [text_block(title.strip(), weight="Bolder", size="Large")]
    for chunk in chunks:
        blocks = [text_block(line, spacing="Medium" if i == 0 else "None")
                  for i, line in enumerate(line for line in chunk.split("\n") if line.strip())]
        if card_size(card(current + blocks)) > CARD_BYTES_LIMIT and len(current) > 1:
            cards.append(card(current))
            current = []
        current += blocks
    image = chart_data_uri(png)
    if png and image is None:
        current.append(text_block(md_escape(bot.render.t("teams.summary.chart_omitted")), isSubtle=True))
    cards.append(card(current))
    if image:
        alt = bot.render.t("teams.summary.chart_alt", week=str(summary.week))
        cards.append(card([{"type": "Image", "url": image, "altText": alt, "size": "Stretch"}]))
    return cards


def teams_linker(item: AttentionItem) -> str:
    return teams_link(item)


async def post_weekly_summary(bot: TeamsBot, summary: WeeklySummary, png: bytes | None) -> list[str]:
    """Render the summary for Teams and post it to teams.summary_channel; returns the activity ids."""
    channel = bot.settings.summary_channel
    if not channel:
        raise RuntimeError("teams.summary_channel is not set in app.yaml")
    target = bot.port.target(channel)
    title = bot.render.t("teams.summary.title", week=str(summary.week))
    posted = []
    for content in summary_cards(bot, summary, png):
        posted.append(await bot.port.connector.send(target, card_activity(content, title)))
    log.info("teams.summary_posted week=%s messages=%s", summary.week, len(posted))
    return posted


__all__ = ["post_weekly_summary", "summary_cards", "chart_data_uri", "teams_link"]
