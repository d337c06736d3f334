"""Short values as staff type them: full-width and half-width forms (ＩＮＣ－０００１, ｙｅｓ, ＃１, 全角スペース, ＝)
read the same everywhere — incident numbers, choice answers, kind names, URLs, keys, service names.

The one place every input point (console commands, step inputs of every platform, the CLI) goes through. Free text
(notes, reports, textarea answers) is never folded: NFKC would change what the person wrote (①, ㈱, ｶﾅ).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from bot.triage.normalize import normalize
from bot.triage.urls import first_url

__all__ = ["INCIDENT_REF", "choice_value", "choices_said", "fold", "incident_number", "kind_value", "named_incidents",
           "url_value"]

# Dash look-alikes NFKC keeps (hyphen, en/em dash, minus); ー stays: it is a letter in リーク.
_DASHES = {cp: "-" for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212)}
_INCIDENT = re.compile(r"(?:inc[\s_-]*)?(?:no\.?|#|№)?\s*0*(\d{1,10})", re.IGNORECASE)
# An incident named inside a sentence of folded text: INC-0004, inc4, INC 4, INC_0004, INCー4 (the long-vowel mark
# typed as a dash); a number glued to letters or digits is not one.
INCIDENT_REF = re.compile(r"(?<![0-9a-z])inc\s*[-_ー]?\s*0*(\d{1,9})(?![0-9])", re.IGNORECASE)
# Short Japanese answers for common choice values, used only when the step offers that value.
SHORT_CHOICES: dict[str, tuple[str, ...]] = {
    "small": ("小", "少", "少ない", "小さい"), "medium": ("中", "中程度", "普通"), "large": ("大", "多い", "大きい"),
    "no": ("なし", "無し", "無", "いいえ", "ない"), "yes": ("あり", "有り", "有", "はい", "ある"),
    "unknown": ("不明", "わからない", "分からない"),
    "official": ("公式",), "personal": ("個人", "私的", "個人アカウント"),
}
KIND_ALIASES: dict[str, tuple[str, ...]] = {
    "flaming": ("炎上", "えんじょう", "批判殺到"), "impersonation": ("なりすまし", "成りすまし", "偽アカウント"),
    "misinformation": ("デマ", "誤情報", "偽情報", "事実と反する投稿", "フェイク"),
    "leak": ("情報漏えい", "情報漏洩", "漏えい", "漏洩", "個人情報漏えい"),
    "account_takeover": ("乗っ取り", "のっとり", "アカウント乗っ取り", "不正ログイン"),
}


def fold(text: str) -> str:
    """A short value in one form: NFKC (全角英数・記号 → 半角, 半角カナ → 全角), dashes unified, spaces (全角 too)
    trimmed at both ends."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return text.strip()


def _key(value: str) -> str:
    """A comparison key: folded, lower-case, hiragana, no spaces (「中 」, 「ナシ」 and 「なし」 alike)."""
    return normalize(value).replace(" ", "").lower()


def incident_number(text: str) -> int | None:
    """The number an incident reference means (INC-0001, inc-1, ＃１, ＩＮＣ－０００１, No.1, 1); None otherwise."""
    match = _INCIDENT.fullmatch(fold(text).replace("ー", "-"))  # ＩＮＣー１: the long-vowel mark typed as a dash
    return int(match.group(1)) if match else None


def named_incidents(text: str) -> set[int]:
    """The incident numbers a sentence names (「INC-0004 の件」, ＩＮＣ－０００４, inc4); INC-0 names none."""
    return {number for found in INCIDENT_REF.finditer(fold(text)) if (number := int(found.group(1)))}


def choice_value(choices: Sequence[tuple[str, str]], answer: str) -> str | None:
    """The choice value an answer means: the value itself (ｙｅｓ, YES), its label or the label's head before 「（」,
    a short Japanese word such as 中 or なし, or the first words of one label; None when it matches nothing."""
    wanted = _key(answer)
    for value, label in choices:
        head = re.split(r"[（(]", label, maxsplit=1)[0]
        if wanted in (_key(value), _key(label), _key(head)):
            return value
    for value, _ in choices:
        if wanted in {_key(word) for word in SHORT_CHOICES.get(value, ())}:
            return value
    # The first words of one label (大量 for 大量に拡散（…）), as staff answer; the head of two labels is no answer.
    heads = [value for value, label in choices if len(wanted) >= 2 and _key(label).startswith(wanted)]
    return heads[0] if len(heads) == 1 else None


def choices_said(choices: Sequence[tuple[str, str]], locale: str) -> str:
    """The choices as staff read and may type them, by label (「はい」「いいえ」 / "Yes", "No"), never by value."""
    return "".join(f"「{label}」" for _, label in choices) if locale == "ja" else ", ".join(
        f'"{label}"' for _, label in choices)


def kind_value(answer: str, kinds: Iterable[str], labels: Mapping[str, Iterable[str]]) -> str:
    """A kind id from its id, a label (labels: kind → its labels in each locale) or a common Japanese alias, typed
    in any width; the folded answer when it names no kind (the caller says which kinds exist)."""
    wanted = _key(answer)
    for kind in kinds:
        names = {kind, *KIND_ALIASES.get(kind, ()), *labels.get(kind, ())}
        names |= {re.split(r"[・（(]", name, maxsplit=1)[0] for name in names}
        if wanted in {_key(name) for name in names}:
            return kind
    return fold(answer)


def url_value(answer: str) -> str:
    """A URL answer without what surrounds it (「…」, （…）, 全角スペース, ｈｔｔｐｓ：／／ typed full-width);
    as typed when no http(s) URL is in it (the caller says it is not a URL)."""
    folded = fold(answer)
    return first_url(folded) or folded
