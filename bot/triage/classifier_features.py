"""Character n-gram features shared by the model builder and the run-time scorer (same code, same features)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain

import numpy as np

from bot.triage.classifier_asides import strip_asides, strip_mail_headers
from bot.triage.classifier_frames import strip_routing
from bot.triage.classifier_greetings import strip_greetings
from bot.triage.classifier_romaji import from_romaji
from bot.triage.normalize import normalize

__all__ = ["MAX_CHARS", "NGRAM_RANGE", "gram_key", "gram_keys", "iter_ngrams", "ngrams", "prepare"]


MAX_CHARS = 2000  # a report's first 2,000 characters decide; longer pastes only cost time
NGRAM_RANGE = (1, 3)
# A URL says which platform (x.com, line.me) but its path is noise: keep the host, drop the rest.
_URL = re.compile(r"https?://(?:www\.|m\.)?([a-z0-9.-]+)[^\s]*")
# A chat emoji code (:rotating_light:, a workspace's :kumaru_ok:) is decoration; its letters would read as English.
_EMOJI_CODE = re.compile(r"(?<![a-z0-9]):(?=[a-z0-9_+'-]*[a-z])[a-z0-9_+'-]+:")  # one letter at least: 10:30:00 stays
# Words for "there may be nothing to it" (kana as normalize leaves them: katakana folded to hiragana).
_NOTHING_WORDS = ("問題(?:ない|なし|ありません)", "何でもない", "なんでもない", "勘違い", "思い過ごし", "杞憂",
                  "取り越し苦労", "(?:大した|たいした)(?:こと|事)(?:では|じゃ)?(?:ない|ありません)", "余計なお世話",
                  "お節介", "おせっかい", "考え(?:すぎ|過ぎ)", "気にし(?:すぎ|過ぎ)", "心配し(?:すぎ|過ぎ)",
                  "見間違い", "的外れ", "見当違い", "(?:既に|すでに)?ご存[知じ]", "素人考え", "誤解")
_NOTHING = "(?:" + "|".join(_NOTHING_WORDS) + ")"
_NOTHING_MARKS = ("問題", "何でもない", "なんでもない", "勘違い", "思い過ごし", "杞憂", "取り越し", "お世話",
                  "お節介", "おせっかい", "すぎ", "過ぎ", "見間違い", "的外れ", "見当違い", "ご存", "素人考え", "誤解",
                  "大した", "たいした")
# Hedging formulas (「念のため共有です」「気のせいかもしれませんが」「これって対応必要ですか?」) say nothing about
# the kind or whether a message is a report, but their n-grams dilute a short report's evidence (l2 norm) and lean
# towards chatter: prefixed to held-out reports they made 4-11 times as many missed.
_HEDGE = re.compile(
    r"(?:念のため|一応)(?:の|に)?[、, ]*(?:ご)?(?:共有|報告|連絡|お知らせ|お伝え|確認)?"
    r"(?:です|します|いたします|しておきます|させてください|させていただきます|まで|として)?(?:が|けど)?[。.!、, ]*"
    r"|気のせい(?:かもしれ(?:ません|ない)|かも|なら(?:いい)?|であれば(?:いい)?)?(?:んです|のです)?"
    r"(?:が|けど|けれど)?[、, ]*"
    r"|(?:大した|たいした)こと(?:ない|じゃない)かもしれ(?:ません|ない)(?:んです|のです)?(?:が|けど|けれど)?[、, ]*"
    # "This may be nothing, but": a word for "nothing to it" (_NOTHING, after an optional もしかしたら or 私の),
    # then a modal (かも, なら, でしたら…) and a concessive or an apology; a statement (「勘違いが広がっています」)
    # has no modal and a question (「問題ないでしょうか」) no concessive: both stay. Bounded: each part is
    # optional once, no repeated group before the lexicon word.
    r"|(?:(?:もしかしたら|もしかすると|ひょっとしたら|ひょっとすると|ただの|単なる)[、 ]?)?"
    r"(?:(?:私|わたし|自分|僕|こちら)の)?" + _NOTHING +
    r"(?:なの|な|だ|です)?(?:かも(?:しれ(?:ません|ない))?|(?:でしょう|だろう)(?=けど|が)|なら(?:いい|良い)?"
    r"|でしたら(?:いい|良い)?"
    r"|であれば(?:いい|良い)?|だったら(?:いい|良い)?)(?:なんです|んです|のです|んだ|ん|の)?(?:です)?"
    r"(?:(?:すみません|申し訳(?:ありません|ございません)|ごめんなさい)(?:です)?)?(?:が|けど|けれど(?:も)?)?[、,。. ]*"
    r"|(?:(?:これ|それ)(?:って|は)?[、 ]?)?(?:対応|対処)(?:って|は|が)?(?:必要|いる|要る|いり|要り)(?:ます)?"
    r"(?:ですか|でしょうか|か)?(?:ね|な)?\?+"
    r"|(?:probably|might be|may be|could be) nothing,? (?:but )?"
    r"|(?:just )?(?:flagging|sharing|mentioning) (?:this |it )?(?:just )?in case[.:,]? ?"
    r"|not sure (?:if|whether) this (?:needs|is worth|requires) (?:action|anything|flagging)[.,]?(?: but)?"
    r"|not sure (?:if |whether )?(?:this|it) (?:matters|is anything|is a problem|is important)[.,]? ?(?:but )?"
    r"|(?:sorry|apologies) if this is (?:nothing|a false alarm|noise|already known)[.,:]? ?"
    r"|(?:i )?(?:might|may|could) be (?:overthinking|overreacting|wrong about)(?: this| it)?(?: here)?,? (?:but )?"
)
_HEDGE_MARKS = ("念のため", "一応", "気のせい", "大した", "たいした", "対応", "対処", "nothing", "in case", "not sure",
                "sorry", "apologies", "overthinking", "overreacting", "wrong about", *_NOTHING_MARKS)
_HEDGE_MARK = re.compile("|".join(re.escape(mark) for mark in sorted(_HEDGE_MARKS, key=len, reverse=True)))
_DIGITS = re.compile(r"[0-9]+")
_SPACES = re.compile(r"\s+")


def _host(match: re.Match[str]) -> str:
    """A URL reduced to its host between spaces."""
    return f" {match.group(1)} "


def prepare(text: str) -> str:
    """Normalised text (romaji as kana) without hedges, asides, routing questions; URLs as hosts, no emoji codes."""
    norm = from_romaji(normalize(strip_mail_headers(text[:MAX_CHARS])))  # mail headers before normalize joins lines
    if _HEDGE_MARK.search(norm) is not None:  # 1 text in 13 has a mark; the pattern costs 5x the test
        norm = _HEDGE.sub(" ", norm).strip()
    # 「これ誰に言えばいい？」「以上です」「お疲れ様です。北部支所の山口です。」 say nothing of the message
    norm = strip_asides(strip_routing(strip_greetings(norm)))
    if "://" in norm:
        norm = _SPACES.sub(" ", _URL.sub(_host, norm)).strip()
    if ":" in norm:
        norm = _SPACES.sub(" ", _EMOJI_CODE.sub(" ", norm)).strip()
    return _DIGITS.sub("0", norm)[:MAX_CHARS]  # NFKC can lengthen a text (㍿ -> 株式会社)


# Code points are below 0x110000 (21 bits): three characters fit one unsigned 64-bit key, exactly.
_SHIFTS = (42, 21, 0)
_SHIFTS_NP = tuple(np.uint64(shift) for shift in _SHIFTS)
if NGRAM_RANGE[1] > len(_SHIFTS):  # pragma: no cover - a build-time choice
    raise ValueError("integer n-gram keys hold at most 3 characters")

# One slice object per (n, start), made once: slicing through map() keeps the loop in C (see ngrams()).
_SLICES: tuple[tuple[slice, ...], ...] = tuple(
    tuple(slice(i, i + n) for i in range(MAX_CHARS + 3)) for n in range(NGRAM_RANGE[0], NGRAM_RANGE[1] + 1)
)


def iter_ngrams(prepared: str) -> Iterator[str]:
    """Every character n-gram of a prepared text padded with a space at each end, repeats included (fast path)."""
    padded = f" {prepared} "
    take = padded.__getitem__
    size = len(padded)
    return chain.from_iterable(
        map(take, slices[: size - n + 1]) for n, slices in enumerate(_SLICES, NGRAM_RANGE[0]) if size >= n
    )


def gram_key(gram: str) -> int:
    """An n-gram (n <= 3) as one integer: (code point + 1) per character in 21-bit fields, left-aligned."""
    key = 0
    for shift, char in zip(_SHIFTS, gram, strict=False):
        key |= (ord(char) + 1) << shift
    return key


def gram_keys(prepared: str) -> np.ndarray:
    """gram_key() of every n-gram of a prepared text (repeats included), computed in numpy: the run-time path."""
    codes = np.frombuffer(f" {prepared} ".encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + 1
    low, high = NGRAM_RANGE
    parts: list[np.ndarray] = []
    key = codes << _SHIFTS_NP[0]
    for n in range(1, high + 1):
        if n > 1:
            key = key[:-1] | (codes[n - 1:] << _SHIFTS_NP[n - 1])
        if n >= low:
            parts.append(key)
    return np.concatenate(parts)


def ngrams(prepared: str) -> set[str]:
    """The distinct n-grams of a prepared text: the features (presence, not counts) the model is trained on."""
    return set(iter_ngrams(prepared))
