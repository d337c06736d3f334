"""Japanese written in romaji (「kouhou no X ga nottorareta」) turned into kana before the n-grams are counted."""

from __future__ import annotations

import re

from bot.triage.normalize import normalize

__all__ = ["from_romaji"]

# ALTs, CIRs and vendors' engineers write Japanese in romaji on a phone without an IME. The model knows the kana and
# kanji of reports, not their romaji: 「kouhou no toukou ga enjou shite masu」 was left alone as chatter and 「shi no
# Facebook ga hihan de ippai desu」 opened as なりすまし (16 of 22 romaji reports written for session 22 wrong). Only
# a text that reads as romaji Japanese (verb endings and particles, few English function words) is converted, and in
# it only the words that spell out as romaji syllables: X, DM, Facebook and English words stay as they are.
_SYLLABLES: dict[str, str] = {
    "a": "あ", "i": "い", "u": "う", "e": "え", "o": "お",
    "ka": "か", "ki": "き", "ku": "く", "ke": "け", "ko": "こ", "ga": "が", "gi": "ぎ", "gu": "ぐ", "ge": "げ",
    "go": "ご", "sa": "さ", "shi": "し", "si": "し", "su": "す", "se": "せ", "so": "そ", "za": "ざ", "ji": "じ",
    "zi": "じ", "zu": "ず", "ze": "ぜ", "zo": "ぞ", "ta": "た", "chi": "ち", "ti": "ち", "tsu": "つ", "tu": "つ",
    "te": "て", "to": "と", "da": "だ", "di": "ぢ", "du": "づ", "dzu": "づ", "de": "で", "do": "ど", "na": "な",
    "ni": "に", "nu": "ぬ", "ne": "ね", "no": "の", "ha": "は", "hi": "ひ", "fu": "ふ", "hu": "ふ", "he": "へ",
    "ho": "ほ", "ba": "ば", "bi": "び", "bu": "ぶ", "be": "べ", "bo": "ぼ", "pa": "ぱ", "pi": "ぴ", "pu": "ぷ",
    "pe": "ぺ", "po": "ぽ", "ma": "ま", "mi": "み", "mu": "む", "me": "め", "mo": "も", "ya": "や", "yu": "ゆ",
    "yo": "よ", "ra": "ら", "ri": "り", "ru": "る", "re": "れ", "ro": "ろ", "wa": "わ", "wo": "を",
    "kya": "きゃ", "kyu": "きゅ", "kyo": "きょ", "gya": "ぎゃ", "gyu": "ぎゅ", "gyo": "ぎょ", "sha": "しゃ",
    "shu": "しゅ", "sho": "しょ", "sya": "しゃ", "syu": "しゅ", "syo": "しょ", "she": "しぇ", "ja": "じゃ",
    "ju": "じゅ", "jo": "じょ", "je": "じぇ", "jya": "じゃ", "jyu": "じゅ", "jyo": "じょ", "zya": "じゃ",
    "zyu": "じゅ", "zyo": "じょ", "cha": "ちゃ", "chu": "ちゅ", "cho": "ちょ", "che": "ちぇ", "tya": "ちゃ",
    "tyu": "ちゅ", "tyo": "ちょ", "nya": "にゃ", "nyu": "にゅ", "nyo": "にょ", "hya": "ひゃ", "hyu": "ひゅ",
    "hyo": "ひょ", "bya": "びゃ", "byu": "びゅ", "byo": "びょ", "pya": "ぴゃ", "pyu": "ぴゅ", "pyo": "ぴょ",
    "mya": "みゃ", "myu": "みゅ", "myo": "みょ", "rya": "りゃ", "ryu": "りゅ", "ryo": "りょ",
    "fa": "ふぁ", "fi": "ふぃ", "fe": "ふぇ", "fo": "ふぉ", "thi": "てぃ", "dhi": "でぃ", "wi": "うぃ", "we": "うぇ",
}
_LONGEST = max(len(s) for s in _SYLLABLES)
_VOWELS = "aiueo"
# Words that mark a text as romaji Japanese: copulas, verb endings, sentence-final and quoting particles.
_MARKERS = frozenset((
    "desu", "deshita", "desuka", "masu", "mashita", "masen", "imasu", "imashita", "arimasu", "arimashita",
    "shimasu", "shimashita", "shimaimashita", "shite", "shiteru", "shiteimasu", "sarete", "natte", "natteru",
    "tte", "kamo", "mitai", "kedo", "node", "dekinai", "dekimasen", "janai", "nai", "imasen", "kudasai", "onegai",
    "yo", "ne", "ka", "ga", "wo", "wa", "ni", "de", "mo", "kara", "made", "toka", "dake", "nado", "rashii",
    "teru", "masuka", "desune", "desuyo", "chau", "shimatta", "okutte", "kite", "iru", "aru"))
# English function words that romaji never spells (「to」「no」「a」「made」 are both and do not count).
_ENGLISH = frozenset((
    "the", "is", "are", "was", "were", "and", "of", "this", "that", "our", "we", "you", "it", "its", "it's", "for",
    "with", "have", "has", "i", "i'm", "they", "there", "but", "not", "about", "from", "be", "been", "can", "will",
    "just", "so", "if", "or", "what", "who", "when", "my", "your", "their", "on", "in", "at", "an", "by", "as",
    "do", "did", "don't", "should", "would", "someone", "people", "please", "hi", "hello", "thanks"))
_MIN_MARKERS = 2
# Loan words and platform names that spell out as syllables but are written in English (「page」「site」「note」).
_KEEP = frozenset(("note", "page", "site", "home", "name", "game", "make", "take", "time", "some", "more", "one",
                   "are", "use", "here", "sure", "see", "bo", "ok", "id", "app", "web", "youtube"))
# Kana of report words as romaji gives them, and their usual spelling: the n-grams know 住所, 批判, 苦情 in kanji.
# A prefix of a converted word (「ひろがって」 -> 「広がって」), longest first; normalize() then unifies the rest
# (かくさん -> 拡散, のっとられ -> 乗っ取られ, にせの -> 偽の).
_KANJI: dict[str, str] = {
    "こじんじょうほう": "個人情報", "じゅうしょ": "住所", "でんわばんごう": "電話番号", "でんわ": "電話",
    "めいぼ": "名簿", "しめい": "氏名", "ひはん": "批判", "くじょう": "苦情", "こうぎ": "抗議", "さべつ": "差別",
    "さっとう": "殺到", "ごじょうほう": "誤情報", "じょうほう": "情報", "まちがった": "間違った",
    "まちがい": "間違い", "うわさ": "噂", "ひろが": "広が", "でまわって": "出回って", "まわって": "回って",
    "とうこう": "投稿", "こうほう": "広報", "しやくしょ": "市役所", "しちょう": "市長", "ひなんじょ": "避難所",
    "かんりしゃ": "管理者", "ふせい": "不正", "しゃしん": "写真", "てんぷ": "添付", "ごそうしん": "誤送信",
    "そうしん": "送信", "へんしん": "返信", "こうかい": "公開", "もれ": "漏れ", "けされ": "消され",
    "かわって": "変わって", "しらない": "知らない", "なまえ": "名前", "ほんもの": "本物",
    "なのって": "名乗って", "ちゅういかんき": "注意喚起", "かくにん": "確認", "たいおう": "対応",
    "けいかく": "計画", "よてい": "予定", "ちゅうし": "中止", "へいさ": "閉鎖", "しみん": "市民", "どうが": "動画",
    "はずされ": "外され", "おくられ": "送られ", "おくって": "送って", "みれる": "見れる", "みえる": "見える",
    "みえて": "見えて", "せってい": "設定", "すいどう": "水道", "びょういん": "病院", "がっこう": "学校",
    "まんいん": "満員", "つかっ": "使っ", "あれて": "荒れて", "わるい": "悪い",
    "きゅうふきん": "給付金", "こじん": "個人", "ばんごう": "番号", "ぜんいん": "全員", "さぎ": "詐欺",
    "きけん": "危険", "あやしい": "怪しい", "ふしん": "不審",
}
_KANJI_KEYS = tuple(sorted(_KANJI, key=len, reverse=True))
# Whole words only (「shi no X」, the city's X, is read in from_romaji).
_KANJI_WORDS = {"へん": "変", "にせ": "偽", "ほんとう": "本当", "ほんと": "本当", "としょかん": "図書館",
                "ぜにん": "全員"}
_PARTICLES = {"wa": "は", "wo": "を", "he": "へ"}
_WORD = re.compile(r"[a-z']+|[^a-z']+")
_MACRONS = str.maketrans({"ā": "aa", "ē": "ee", "ī": "ii", "ō": "ou", "ū": "uu"})
_PUNCT = str.maketrans({",": "、", ".": "。"})
_CHUNK = re.compile(r"\s+|\S+")
_OPAQUE = re.compile(r"[@/_#]|[0-9][a-z]|[a-z][0-9]")  # a handle, an address, a code: not words
# A cheap test before the words are read: a romaji text has one of these as a word.
_GATE = re.compile(r"(?:desu|masu|mashita|masen|deshita)(?![a-z])"
                   r"|(?<![a-z])(?:shite|sarete|tte|kamo|mitai|nai|kedo|natte|janai|dekinai|shimatta)(?![a-z])")


def _kana(word: str) -> str | None:
    """A word spelled out as hiragana, or None when it is not romaji (English, a name, an abbreviation)."""
    out: list[str] = []
    i, size = 0, len(word)
    while i < size:
        char = word[i]
        if char == "'":
            i += 1
            continue
        if char == "n" and (i + 1 == size or word[i + 1] not in _VOWELS + "y"):
            out.append("ん")  # 「minna」 keeps its second n for な; 「shinn」「hon'ya」 spend both on ん
            doubled = i + 1 < size and word[i + 1] in "n'" and (i + 2 == size or word[i + 2] not in _VOWELS)
            i += 2 if doubled else 1
            continue
        if (i + 1 < size and char == word[i + 1] and char not in _VOWELS + "n") or word.startswith("tch", i):
            out.append("っ")  # a doubled consonant (「kitte」, 「matchi」)
            i += 1
            continue
        if char in "ae" and i > 0 and word[i - 1] == char and out and out[-1] not in "あえ":
            out.append("ー")  # 「meeru」「pasuwaado」: a long vowel in a loan word
            i += 1
            continue
        for length in range(min(_LONGEST, size - i), 0, -1):
            kana = _SYLLABLES.get(word[i:i + length])
            if kana is not None:
                out.append(kana)
                i += length
                break
        else:
            return None
    return "".join(out)


def _spelled(kana: str) -> str:
    """The usual spelling of a report word (its kana prefix as kanji, the rest kept)."""
    if kana in _KANJI_WORDS:
        return _KANJI_WORDS[kana]
    for key in _KANJI_KEYS:
        if kana.startswith(key):
            return _KANJI[key] + kana[len(key):]
    return kana


def is_romaji_japanese(words: list[str]) -> bool:
    """Whether the ASCII words of a text read as Japanese: enough markers, more than twice the English words."""
    markers = sum(word in _MARKERS or word.endswith(("masu", "mashita", "masen", "desu")) for word in words)
    english = sum(word in _ENGLISH for word in words)
    return markers >= _MIN_MARKERS and markers > 2 * english


def _tokens(norm: str) -> list[tuple[str, str | None]]:
    """(text, kana or None) for every word, space and mark; handles, addresses and 「2fa」 stay whole."""
    tokens: list[tuple[str, str | None]] = []
    for chunk in _CHUNK.findall(norm):
        if chunk.isspace() or _OPAQUE.search(chunk) is not None:
            tokens.append((chunk, None))
            continue
        for part in _WORD.findall(chunk):
            kana = None
            if "a" <= part[0] <= "z" and part not in _KEEP:
                kana = _PARTICLES.get(part) or _kana(part)
            tokens.append((part, kana or None))
    return tokens


def from_romaji(norm: str) -> str:
    """A normalised text with its romaji Japanese as kana (unchanged unless it reads as romaji Japanese)."""
    if _GATE.search(norm) is None:
        return norm
    tokens = _tokens(norm.translate(_MACRONS))
    if not is_romaji_japanese([text for text, _ in tokens if "a" <= text[0] <= "z"]):
        return norm
    words = [i for i, (_, kana) in enumerate(tokens) if kana is not None]
    after = {i: tokens[j][0] for i, j in zip(words, words[1:], strict=False)}
    out: list[str] = []
    for i, (text, kana) in enumerate(tokens):
        if kana is not None:
            out.append("市" if text == "shi" and after.get(i) == "no" else _spelled(kana))
        elif 0 < i < len(tokens) - 1 and tokens[i - 1][1] and tokens[i + 1][1] and text.strip(" -") == "":
            continue  # Japanese runs its words together: 「して ます」 is 「してます」 to the n-grams
        else:
            out.append(text.translate(_PUNCT) if i and tokens[i - 1][1] else text)
    return normalize("".join(out))
