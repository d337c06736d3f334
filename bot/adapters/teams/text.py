"""Teams text helpers: incoming message text to plain text, and text made inert for Adaptive Card markdown."""

from __future__ import annotations

import html
import re
from typing import Any

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>&])")
_URL = re.compile(r"https?://[^\s<>\"'、。「」（）]+", re.IGNORECASE)
_URL_SPECIAL = re.compile(r"([\\`*\[\]|~>])")
_LINE_MARK = re.compile(r"^(\s*)([-=])", re.MULTILINE)
_LINE_NUMBER = re.compile(r"^(\s*\d+)\.", re.MULTILINE)
# Every pattern below stops at the next "<" or ">" it cannot use, so a long or malformed text costs linear time.
AT_TAG = re.compile(r"<at\b[^<>]*>([^<]*(?:<(?!/?at\b)[^<]*)*)</at>", re.IGNORECASE)
# Teams' own markup (user text arrives with < escaped as &lt;): blocks end a line, table cells are spaced, an
# emoji tag is its character, images are counted by attached() and leave no text.
_EMOJI = re.compile(r"<emoji\b([^<>]*)>", re.IGNORECASE)
_ALT = re.compile(r"\balt=\"([^\"]*)\"", re.IGNORECASE)
_BLOCK = re.compile(r"</?(?:p|div|br|li|ol|ul|tr|table|thead|tbody|tfoot|caption|blockquote|pre|h[1-6]|hr|section)"
                    r"\b[^<>]*>", re.IGNORECASE)
_CELL = re.compile(r"<(t[dh])\b[^<>]*>([^<]*(?:<(?!/?t[dh]\b)[^<]*)*)</\1\s*>", re.IGNORECASE)  # no nesting, linear
_TAG = re.compile(r"</?(?:span|b|i|em|strong|u|s|strike|del|ins|sup|sub|a|code|font|img|emoji|attachment|colgroup|"
                  r"col)\b[^<>]*>", re.IGNORECASE)
_BLANKS = re.compile(r"[ \t\u00a0]+")
ZWSP = "\u200b"


def md_escape(text: str | None) -> str:
    """Text that Adaptive Card markdown shows literally (no emphasis, link, list, heading or mention)."""
    # User and playbook text is shown, never interpreted: markup escaped, `<` broken so no `<at>` tag can form.
    if not text:
        return ""
    pieces: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = _url_end(match.group(0))
        pieces.append(_MD_SPECIAL.sub(r"\\\1", text[last:match.start()]))
        pieces.append(_URL_SPECIAL.sub(r"\\\1", url))
        last = match.start() + len(url)
    pieces.append(_MD_SPECIAL.sub(r"\\\1", text[last:]))
    escaped = "".join(pieces)
    escaped = _LINE_MARK.sub(r"\1\\\2", escaped)
    escaped = _LINE_NUMBER.sub(r"\1\\.", escaped)
    return escaped.replace("<", "<" + ZWSP)


def _url_end(url: str) -> str:
    """A bare URL without the sentence's trailing punctuation (a closing bracket only when unbalanced)."""
    while url and (url[-1] in ".,;:!?" or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def message_text(text: str | None, bot_names: tuple[str, ...] = ()) -> str:
    """A Teams message as plain text: mentions of the bot removed, other mentions as @name, HTML undone."""
    if not text:
        return ""
    lowered = {name.casefold() for name in bot_names if name}

    def mention(match: re.Match[str]) -> str:
        name = html.unescape(match.group(1)).strip()
        return "" if name.casefold() in lowered else f"@{name}"

    plain = AT_TAG.sub(mention, text)
    plain = _EMOJI.sub(_emoji_alt, plain)
    plain = _CELL.sub(lambda match: " " + _BLOCK.sub(" ", match.group(2)) + " ", plain)  # a row stays one line
    plain = _TAG.sub("", _BLOCK.sub("\n", plain))
    plain = html.unescape(plain)
    lines = [_BLANKS.sub(" ", line).strip() for line in plain.replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def _emoji_alt(match: re.Match[str]) -> str:
    """An <emoji> tag as the character its alt attribute names (nothing without one)."""
    alt = _ALT.search(match.group(1))
    return alt.group(1) if alt else ""


def without_typed_name(text: str, name: str | None) -> str:
    """Text without the bot's own name typed before it (「@incident-bot 終結 1」 with the @ not picked from Teams'
    list arrives as plain text, where it would read as a report instead of the command it is)."""
    if not name or not text or text[0] not in "@＠":
        return text
    head = text[1:1 + len(name)]
    rest = text[1 + len(name):]
    if head.casefold() != name.casefold() or (rest and not rest[0].isspace()):
        return text
    return rest.strip()


def attached(attachments: list[Any] | None) -> int:
    """How many files or images came with a message: Teams also sends the message's own HTML as an attachment,
    which counts only for the images pasted into it."""
    count = 0
    for item in attachments or ():
        kind = str(getattr(item, "content_type", "") or "")
        if kind != "text/html":
            count += 1
        elif "<img" in str(getattr(item, "content", "") or "").lower():
            count += 1
    return count


__all__ = ["attached", "md_escape", "message_text", "without_typed_name", "ZWSP"]
