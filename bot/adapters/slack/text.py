"""Slack text helpers: escaping user text, splitting to Slack's limits, mention markup, timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot import identity
from bot.adapters.slack import emoji
from bot.presenting import shorten as truncate  # noqa: F401 - render.py's name for every platform's cut

SECTION_LIMIT = 3000  # characters in one section block's text
MESSAGE_BLOCK_LIMIT = 50
MODAL_BLOCK_LIMIT = 100
FALLBACK_TEXT_LIMIT = 3000  # the notification text beside the blocks (Slack truncates at 40k; keep it short)

_MENTION_OF = re.compile(r"<@([UW][A-Z0-9_]+)(\|[^>]*)?>")


def escape(text: str | None) -> str:
    """Escape &, < and > so user text can never form a mention, a link or a command in mrkdwn."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut_point(text: str, limit: int) -> int:
    """Where to cut already-escaped text at most `limit` long: a line break if any, never inside an entity."""
    window = text[:limit]
    newline = window.rfind("\n")
    if newline >= limit // 2:
        return newline + 1
    # Do not cut "&amp;" in half: step back before a partial entity at the end of the window.
    amp = window.rfind("&", max(0, limit - 5))
    if amp != -1 and ";" not in window[amp:]:
        return amp
    return limit


def split_text(escaped: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split escaped text into chunks of at most `limit` characters, preferring line breaks."""
    chunks: list[str] = []
    rest = escaped
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        chunks.append(rest[:cut])
        rest = rest[cut:]
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def mention(target: str | None) -> str:
    """Mention markup for configured ids (space-separated): user groups (S…), users (U…/W…); others escaped."""
    return " ".join(_one_mention(part) for part in (target or "").split())


def _one_mention(target: str) -> str:
    """Mention markup for one configured id."""
    target = slack_id(target)
    if re.fullmatch(r"S[A-Z0-9_]+", target):
        return f"<!subteam^{target}>"
    if re.fullmatch(r"[UW][A-Z0-9_]+", target):
        return f"<@{target}>"
    return escape(target)


def slack_id(value: str) -> str:
    """The id to hand the Web API: a namespaced Slack user id ("slack:U…") stripped, anything else unchanged."""
    own = identity.raw("slack", value or "")
    return value if own is None else own


def user_mention(user_id: str) -> str:
    """Mention a Slack user by id (ids come from Slack, never from user text); another platform's id is shown."""
    own = identity.raw("slack", user_id or "")
    if own is None and identity.split(user_id or "")[0] is not None:
        return escape(user_id)  # a Teams / LINE WORKS / console user: no Slack mention can reach them
    own = own or user_id
    return f"<@{own}>" if re.fullmatch(r"[UW][A-Z0-9_]+", own or "") else escape(own)


def strip_mentions_of(text: str, user_id: str | None) -> str:
    """Remove mentions of the bot itself from a message (an @mention report starts with one)."""
    if not user_id:
        return text
    return _MENTION_OF.sub(lambda m: "" if m.group(1) == user_id else m.group(0), text).strip()


def ts_to_datetime(ts: str) -> datetime:
    """A Slack message timestamp ("1763420000.000100") as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


def link(url: str, label: str) -> str:
    """A mrkdwn link; the label is escaped, the url must come from Slack (a permalink)."""
    return f"<{url}|{escape(label).replace('|', '¦')}>"


_SLACK_MARKUP = re.compile(r"<([^<>]*)>|" + emoji.CODE)


def _markup_to_plain(match: re.Match[str]) -> str:
    inner = match.group(1)
    if inner is None:  # an emoji code: the character the poster saw, a custom emoji as typed
        return emoji.character(match.group(2)) or match.group(0)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        if target.startswith("!subteam^"):
            return label or "@" + target[len("!subteam^"):]
        if target.startswith("!date^"):
            return label or ""
        return "@" + target[1:].split("^")[0]
    if target.startswith("mailto:"):
        return label or target[len("mailto:"):]
    return target  # a link: keep the URL itself so the core can find the post


def slack_to_plain(text: str | None) -> str:
    """Slack's markup as plain text for the core: links become URLs, mentions '@name', standard emoji codes their
    character, entities unescaped."""
    if not text:
        return ""
    plain = _SLACK_MARKUP.sub(_markup_to_plain, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
