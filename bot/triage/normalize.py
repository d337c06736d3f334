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

_FOLDABLE = re.compile("[\u30a1-\u30f4\u30fd\u30fe\u200b-\u200d\u2060\ufeff\u00ad\u2010\u2012-\u2015\u2212]+")

# Orthographic variants, written against already folded text (NFKC, lower-case, hiragana).
# Plain spellings are looked up in a dict; the few that need context are small regexes whose
# first character is a literal, so the scan can be grouped by first character.
_LITERAL_VARIANTS: dict[str, str] = {
    "漏洩": "漏えい", "ろうえい": "漏えい", "洩": "漏",
    "乗っと": "乗っ取", "乗取": "乗っ取", "のっ取": "乗っ取", "のっと": "乗っ取",
    "ひぼう": "誹謗", "ちゅうしょう": "中傷", "嘘": "うそ", "にせもの": "偽物", "偽もの": "偽物", "垢": "あか",
    "かくさん": "拡散", "えんじょう": "炎上", "炎情": "炎上", "りゅうしゅつ": "流出", "こじんじょうほう": "個人情報",
    "ぱすわど": "ぱすわーど", "rumour": "rumor", "unauthoris": "unauthoriz", "impostor": "imposter", "e-mail": "email",
}
_PATTERN_VARIANTS: tuple[tuple[str, str], ...] = (
    (r"成り?(?:済|す)ま", "なりすま"),
    (r"なり済ま", "なりすま"),
    (r"にせ(?=あか|公式|の|さいと|ぺーじ)", "偽"),
    # Kana verbs of claiming to be someone, after their object (「町長をなのるアカウント」「市をかたって」): the
    # n-grams know the kanji (名乗 in 100 training reports), not the kana. After を only, so 「夢をかたる」 is the one
    # misreading left and 「本当なのって」 none.
    (r"を ?なの(?=[るりら]|っ[てた])", "を名乗"),
    (r"を ?かた(?=[るりら]|っ[てた])", "を騙"),
    (r"-(?<=[ぁ-ゖ]-)(?=[ぁ-ゖ])", "ー"),  # a hyphen between kana is a mistyped long-vowel mark
    (r"mis[- ]information", "misinformation"),
    (r"dis[- ]information", "disinformation"),
    (r"l(?<![a-z]l)og[- ]in(?![a-z])", "login"),
    (r"s(?<![a-z]s)ign[- ]in(?![a-z])", "signin"),
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in _PATTERN_VARIANTS)


def _variant_scan() -> re.Pattern[str]:
    """One regex whose top-level alternatives each start with a literal, so re skips other positions fast."""
    rests: dict[str, list[str]] = {}
    for literal in sorted(_LITERAL_VARIANTS, key=len, reverse=True):
        rests.setdefault(literal[0], []).append(re.escape(literal[1:]))
    for pattern, _ in _PATTERN_VARIANTS:
        rests.setdefault(pattern[0], []).append(pattern[1:])
    return re.compile("|".join(f"{re.escape(first)}(?:{'|'.join(r)})" for first, r in rests.items()))


_VARIANT_RE = _variant_scan()


def _replace(match: re.Match[str]) -> str:
    """The canonical spelling for one variant match."""
    found = match.group()
    replacement = _LITERAL_VARIANTS.get(found)
    if replacement is not None:
        return replacement
    start = match.start()
    for pattern, replacement in _PATTERNS:
        if pattern.match(match.string, start) is not None:
            return replacement
    return found  # pragma: no cover - every alternative is listed above


def _fold_run(match: re.Match[str]) -> str:
    """One run of katakana / invisible / dash characters, folded."""
    return match.group().translate(_TRANSLATE)


def fold_kana(text: str) -> str:
    """Katakana to hiragana, drop zero-width characters and unify dashes; nothing else."""
    return _FOLDABLE.sub(_fold_run, text)


def normalize(text: str) -> str:
    """Canonical form for matching: NFKC, lower-case, hiragana, unified spellings, single spaces."""
    if _SURROGATES.search(text) is not None:
        text = _SURROGATES.sub("\ufffd", text)
    if text.isascii():
        text = text.lower()
    else:
        text = _FOLDABLE.sub(_fold_run, unicodedata.normalize("NFKC", text).lower())
    return _VARIANT_RE.sub(_replace, " ".join(text.split()))
