"""Posting the daily timeline audit (chain head, problems, retention) to a Teams channel.

The channel is `teams.audit_channel`, else `teams.restricted_channel` (as Slack posts to its restricted
channel): the lines hold only references, counts, sequence numbers and hashes. They go out as Adaptive
Cards through the Bot Connector (connector.py), split so each message stays under Teams' size limit; a Teams
error (DeliveryError) propagates, so the scheduler's daily job releases its claim and a later check posts again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.adapters.teams.cards import CARD_BYTES_LIMIT, card, card_size, text_block
from bot.adapters.teams.connector import card_activity
from bot.adapters.teams.text import md_escape
from bot.triage.audit import AuditResult, audit_lines

if TYPE_CHECKING:
    from bot.adapters.teams.app import TeamsBot
    from bot.adapters.teams.settings import TeamsSettings

log = logging.getLogger("incident_bot.teams")
MAX_LINES = 60  # the daily audit lists at most a few dozen problems; more goes to the log and the CLI


def audit_channel(settings: TeamsSettings) -> str | None:
    """Where the daily audit goes: the audit channel, else the restricted channel."""
    return settings.audit_channel or settings.restricted_channel


def audit_cards(lines: list[str], title: str) -> list[dict[str, Any]]:
    """The audit lines as cards (the head line first, in bold), each small enough for one Teams message."""
    cards: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = [text_block(md_escape(title), weight="Bolder", size="Medium")]
    for index, line in enumerate(lines[:MAX_LINES]):
        block = text_block(md_escape(line), weight="Bolder" if index == 0 else "Default", spacing="Small")
        if card_size(card(current + [block])) > CARD_BYTES_LIMIT and current:
            cards.append(card(current))
            current = []
        current.append(block)
    cards.append(card(current))
    return cards


async def post_audit(bot: TeamsBot, result: AuditResult) -> list[str]:
    """Post one day's audit to the audit channel; returns the activity ids ([] when no channel is set)."""
    channel = audit_channel(bot.settings)
    att = result.attestation
    if not channel:
        log.warning("timeline attestation seq %d head %s not posted: teams.audit_channel is not set", att.seq,
                    att.hash)
        return []
    lines = audit_lines(result, bot.catalog)
    target = bot.port.target(channel)
    posted = [await bot.port.connector.send(target, card_activity(content, lines[0][:300]))
              for content in audit_cards(lines, bot.catalog.t("teams.audit.title"))]
    log.info("teams.audit_posted seq=%s messages=%s", att.seq, len(posted))
    return posted


def audit_publisher(bot: TeamsBot) -> Callable[[AuditResult], None]:
    """The post_audit callable bot.scheduler.build_scheduler takes (runs on the bot's event loop)."""

    def publish(result: AuditResult) -> None:
        bot.run(post_audit(bot, result))

    return publish


__all__ = ["audit_cards", "audit_channel", "audit_publisher", "post_audit"]
