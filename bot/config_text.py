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


def _wide_before_comment(line: str) -> tuple[int, str] | None:
    """(column, the character) of a full-width space or tab just before a `#` outside quotes that follows a value:
    YAML starts a comment only after an ASCII space, so `総務課　# 広報担当` becomes the name itself (and a comment
    line indented so is a value YAML cannot place)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'" and (index == 0 or line[index - 1] in " \t\u3000[{,:-"):
            quote = char
        elif char == "#" and index and line[index - 1] in "\t\u3000":
            start = index
            while start and line[start - 1] in " \t\u3000":
                start -= 1
            wide = next(i for i in range(start, index) if line[i] in "\t\u3000")
            return wide + 1, line[wide]
    return None


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
        comment = _wide_before_comment(line)
        if comment:
            column, char = comment
            tab = char == "\t"
            found.append(in_locale(locale,
                f"{source}: {number} 行目 {column} 文字目: コメント（#）の前が"
                + ("タブです。YAML はタブを区切りとして読めません。" if tab else
                   "全角スペースです。このままでは # から後も値として読まれます。")
                + "# の前は半角スペースにしてください。",
                f"{source}: line {number}, column {column}: "
                + ("a tab before the comment (#), which YAML does not take as a separator"
                   if tab else "a full-width space before the comment (#): YAML would read the comment as part of "
                   "the value") + "; put an ASCII space before #"))
        elif after:
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
