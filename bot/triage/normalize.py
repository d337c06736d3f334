"""Text normalisation shared by the report classifier and its term tables."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize", "fold_kana"]

# Katakana ァ..ヴ (U+30A1..U+30F4) and the iteration marks ヽヾ map to hiragana 0x60 lower.
# ヵ/ヶ stay as they are: they mostly appear as counters (3ヶ月) and have no useful hiragana twin.
_TRANSLATE: dict[int, int | str | None] = {cp: cp - 0x60 for cp in range(0x30A1, 0x30F5)}
_TRANSLATE.update({0x30FD: 0x309D, 0x30FE: 0x309E})
# Invisible characters that split words: zero-width space/joiners, word joiner, BOM, soft hyphen.
_TRANSLATE.update({cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)})
# Dash look-alikes that NFKC leaves alone; ー (the long-vowel mark) is kept as is.
_TRANSLATE.update({cp: "-" for cp in (0x2010, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212)})

_SURROGATES = re.compile("[\ud800-\udfff]")

# Orthographic variants, written against already folded text (NFKC, lower-case, hiragana).
# Each pattern is one alternative of a single regex; the replacement is looked up by group index.
_VARIANTS: tuple[tuple[str, str], ...] = (
    (r"漏洩|ろうえい", "漏えい"),
    (r"洩", "漏"),
    (r"(?:成り?|なり)(?:済|す)ま", "なりすま"),
    (r"乗っ取|乗っと|乗取|のっ取|のっと", "乗っ取"),
    (r"ひぼう", "誹謗"),
    (r"ちゅうしょう", "中傷"),
    (r"嘘", "うそ"),
    (r"にせもの|偽もの", "偽物"),
    (r"にせ(?=あか|公式|の|さいと|ぺーじ)", "偽"),
    (r"垢", "あか"),
    (r"かくさん", "拡散"),
    (r"えんじょう|炎情", "炎上"),
    (r"りゅうしゅつ", "流出"),
    (r"こじんじょうほう", "個人情報"),
    (r"ぱすわど", "ぱすわーど"),
    (r"(?<=[ぁ-ゖ])-(?=[ぁ-ゖ])", "ー"),
    (r"mis[- ]information", "misinformation"),
    (r"dis[- ]information", "disinformation"),
    (r"(?<![a-z])log[- ]in(?![a-z])", "login"),
    (r"(?<![a-z])sign[- ]in(?![a-z])", "signin"),
    (r"rumour", "rumor"),
    (r"unauthoris", "unauthoriz"),
    (r"impostor", "imposter"),
    (r"e-mail", "email"),
    # Whitespace: runs of two or more, or any single non-space whitespace, become one space.
    (r"\s{2,}|[^\S ]", " "),
)
_VARIANT_RE = re.compile("|".join(f"({pattern})" for pattern, _ in _VARIANTS))
_REPLACEMENTS: tuple[str, ...] = ("",) + tuple(replacement for _, replacement in _VARIANTS)


def _replace(match: re.Match[str]) -> str:
    """The canonical spelling for one variant match."""
    return _REPLACEMENTS[match.lastindex or 0]


def fold_kana(text: str) -> str:
    """Katakana to hiragana, drop zero-width characters and unify dashes; nothing else."""
    return text.translate(_TRANSLATE)


def normalize(text: str) -> str:
    """Canonical form for matching: NFKC, lower-case, hiragana, unified spellings, single spaces."""
    if _SURROGATES.search(text) is not None:
        text = _SURROGATES.sub("\ufffd", text)
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text).lower().translate(_TRANSLATE)
    return _VARIANT_RE.sub(_replace, text).strip()
