"""Corpus rows as the core receives them: each row's platform markup cleaned by that adapter's own code.

A held-out row may name the platform its text came from ("platform": "slack" | "teams" | "lineworks"); its
"text" is then the raw message as the platform delivers it (Slack mrkdwn with <@U…> / <url|label> / :emoji:,
Teams HTML with <at>…</at>, LINE WORKS plain text). The bot is U07INCBOT1 on Slack and インシデント対応Bot on
Teams in those rows, so a mention of it is removed as the adapters remove it. Rows without a platform pass as
they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.adapters.slack.text import slack_to_plain, strip_mentions_of
from bot.adapters.teams.text import message_text, without_typed_name

SLACK_BOT_USER = "U07INCBOT1"
TEAMS_BOT_NAME = "インシデント対応Bot"


def slack(text: str) -> str:
    """A Slack message or app_mention as Reports.report_message hands it to the core."""
    return slack_to_plain(strip_mentions_of(text, SLACK_BOT_USER))


def teams(text: str) -> str:
    """A Teams message activity as the Teams Reports hand it to the core."""
    return without_typed_name(message_text(text, (TEAMS_BOT_NAME,)), TEAMS_BOT_NAME)


def lineworks(text: str) -> str:
    """A LINE WORKS text message: content.text reaches the core unchanged."""
    return text


CLEANERS: dict[str, Callable[[str], str]] = {"slack": slack, "teams": teams, "lineworks": lineworks}


def delivered(row: dict[str, Any]) -> str:
    """The text the core sees for a corpus row: cleaned by its platform's adapter, or as written."""
    platform = row.get("platform")
    if platform is None:
        return str(row["text"])
    return CLEANERS[platform](str(row["text"]))
