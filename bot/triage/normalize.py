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
# Plain spellings are looked up in a dict; the few that need context are small regexes.
_LITERAL_VARIANTS: dict[str, str] = {
    "漏洩": "漏えい", "ろうえい": "漏えい", "洩": "漏",
    "乗っと": "乗っ取", "乗取": "乗っ取", "のっ取": "乗っ取", "のっと": "乗っ取",
    "ひぼう": "誹謗", "ちゅうしょう": "中傷", "嘘": "うそ", "にせもの": "偽物", "偽もの": "偽物", "垢": "あか",
    "かくさん": "拡散", "えんじょう": "炎上", "炎情": "炎上", "りゅうしゅつ": "流出", "こじんじょうほう": "個人情報",
    "ぱすわど": "ぱすわーど", "rumour": "rumor", "unauthoris": "unauthoriz", "impostor": "imposter", "e-mail": "email",
}
_PATTERN_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"成り?済ま|なり済ま|成り?すま", "なりすま"),
        (r"にせ(?=あか|公式|の|さいと|ぺーじ)", "偽"),
        (r"(?<=[ぁ-ゖ])-(?=[ぁ-ゖ])", "ー"),
        (r"mis[- ]information", "misinformation"),
        (r"dis[- ]information", "disinformation"),
        (r"(?<![a-z])log[- ]in(?![a-z])", "login"),
        (r"(?<![a-z])sign[- ]in(?![a-z])", "signin"),
    )
)
_FIRST_CHARS = "".join(sorted({v[0] for v in _LITERAL_VARIANTS} | set("成なに-mdls")))
# No capture groups and a first-character lookahead: sre rejects most positions in one step.
_VARIANT_RE = re.compile(
    f"(?=[{re.escape(_FIRST_CHARS)}])(?:"
    + "|".join([re.escape(v) for v in sorted(_LITERAL_VARIANTS, key=len, reverse=True)]
               + [rx.pattern for rx, _ in _PATTERN_VARIANTS])
    + ")"
)


def _replace(match: re.Match[str]) -> str:
    """The canonical spelling for one variant match."""
    found = match.group()
    replacement = _LITERAL_VARIANTS.get(found)
    if replacement is not None:
        return replacement
    start = match.start()
    for pattern, replacement in _PATTERN_VARIANTS:
        if pattern.match(match.string, start) is not None:
            return replacement
    return found  # pragma: no cover - every alternative is listed above


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
    return _VARIANT_RE.sub(_replace, " ".join(text.split()))
