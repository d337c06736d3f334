"""Slips of a Japanese IME in app.yaml, found on their own line before YAML reads them as something else."""

from __future__ import annotations

import re
import unicodedata

from bot.triage.validation_text import both

# `renotice_limit：3` is no key at all to YAML: the block's last such line turns the block into a string, and the
# others fail on the line after. A key behind a full-width space becomes a key of the outer block.
_COLON = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][\w.-]*[ \u3000]*(：)")
_AFTER = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][\w.-]*:(\u3000)")
_INDENT = re.compile(r"^[ ]*(\u3000)[ \u3000]*[A-Za-z_][\w.-]*[ \u3000]*[:：]")


# `locale: en` on a top-level line of its own: read from the text, so a file YAML cannot parse is still answered in
# the language it asks for.
_LOCALE_LINE = re.compile(r"^locale[ \t]*:[ \t]*[\"']?(en|ja)[\"']?[ \t]*(?:#.*)?$", re.M)


def text_locale(text: str) -> str:
    """The locale app.yaml's own top-level `locale:` line asks for, read line by line ("ja" when none is readable)."""
    match = _LOCALE_LINE.search(unicodedata.normalize("NFKC", text))
    return match.group(1) if match else "ja"


def in_locale(locale: str | None, ja: str, en: str) -> str:
    """A configuration message in app.yaml's language once it is known; Japanese then English before that (None)."""
    if locale is None:
        return both(ja, en)
    return en if locale == "en" else ja


def ime_slips(text: str, source: str, locale: str | None = None) -> str | None:
    """Lines whose key is followed by a full-width colon or indented with a full-width space, or None (in
    `locale`; None: Japanese then English)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        colon, indent, after = _COLON.match(line), _INDENT.match(line), _AFTER.match(line)
        if after:
            found.append(in_locale(locale,
                f"{source}: {number} 行目 {after.start(1) + 1} 文字目: コロンの後が全角スペースです。"
                "「項目名: 値」のコロンの後は半角スペースで書いてください。",
                f"{source}: line {number}, column {after.start(1) + 1}: a full-width space after the colon; write "
                "'key: value' with an ASCII space"))
        elif indent:
            found.append(in_locale(locale,
                f"{source}: {number} 行目 {indent.start(1) + 1} 文字目: 字下げに全角スペースがあります。"
                "字下げは半角スペースで書いてください。",
                f"{source}: line {number}, column {indent.start(1) + 1}: a full-width space in the indentation; "
                "indent with ASCII spaces"))
        elif colon:
            found.append(in_locale(locale,
                f"{source}: {number} 行目 {colon.start(1) + 1} 文字目: 項目名の後が全角のコロン（：）です。"
                "「項目名: 値」は半角のコロンと半角スペースで書いてください。",
                f"{source}: line {number}, column {colon.start(1) + 1}: a full-width colon after the key; write "
                "'key: value' with an ASCII colon and space"))
    return "\n".join(found) or None
