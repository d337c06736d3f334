"""Drills and other places' incidents (in the news, next town over) with nothing of ours: at most ``unsure``."""

from __future__ import annotations

import re

from bot.triage.classifier_features import prepare

__all__ = ["elsewhere", "elsewhere_prepared"]

# An exercise announced as such (「【訓練】…乗っ取られた想定で」) and another town's incident seen in the news
# (「隣の市の公式Xが乗っ取られたってニュースで」) hold every word of a report, and the n-grams opened them (session 21
# held-out batches: 「A市の…投稿が炎上している件」 at P(report) 0.99). Such a message is asked about privately rather
# than opened: a real report that only looks like one loses nothing. Written against the prepared text (NFKC, lower
# case, hiragana). A clause that names this city's own side (「うちの市の」「市民から」) or denies a drill keeps the
# n-grams' answer for another place; only 「訓練ではありません」 does for a drill.
_DRILL = re.compile(
    r"【(?:訓練|演習)】|(?:訓練|演習)(?:です(?!か)|として|用の|しなりお|の想定)"
    # 「乗っ取られた想定で」「と仮定して」, not 「想定していない表現」「想定しておりません」
    r"|(?:という|との|た|る|を)(?:想定|仮定)(?:で|です|し(?!て(?:い|お|な))|して(?!い|お|な))"
    r"|しなりお[:：]|this is (?:a|an) (?:drill|exercise)|\[drill\]|drill scenario|tabletop exercise|as (?:a|the) drill")
# 「想定です」 alone is also "expected" (「復旧は明日になる想定です」): a drill is named as one somewhere.
_DRILL_WORD = re.compile(r"訓練|演習|模擬|しなりお|drill|exercise")
_NOT_DRILL = re.compile(r"(?:訓練|演習)(?:では|じゃ)(?:ありません|ない|なく)|not a drill")
# Another place as the message's topic, at its start (later in a report it is where a misattributed photo came from:
# 「写真は別の県のもの」).
_OTHER_PLACE = re.compile(
    r"^(?:きのう|昨日|今朝|さっき)?[、 ]?(?:隣(?:の)?(?:市|町|村|県)|(?:他|ほか|よそ|別)の(?:市|町|村|県|自治体|まち)"
    r"|他(?:市|県|町|自治体)|よその|県外|(?<![a-z])[a-z](?:市|町|村)|あっちの|向こうの(?:市|町))")
# Seen in the news (not 「全国ニュースでも取り上げられ」 of our own post), about some other place.
_NEWS = re.compile(r"にゅーす(?:で|に|を)(?:見|みた|やって|出て|なって|流れ|読)|報道(?:され|によると|で見)"
                   r"|新聞(?:に|で)(?:載|のって|出て|見|読)|てれびで(?:やって|見|みた|言って)|注意喚起して(?:まし|いまし|た)"
                   # "Did you see the news about that prefecture account getting hacked?"
                   r"|\b(?:in|on|from) the news\b|\bthe news (?:about|that|on)\b"
                   r"|\bnews (?:says|said|reports?|article)\b"
                   r"|\b(?:saw|read|heard) (?:an? |the )?(?:article|report|story|news)\b|\bon (?:tv|the radio)\b")
_SOMEWHERE = re.compile(r"隣|他|ほか|よそ|別の|県外|(?<![a-z])[a-z](?:市|町|村)|あっち|向こう"
                        r"|[一-龥]{1,4}(?:市|町|村|県)(?:で|の)"
                        r"|\b(?:another|other|neighbou?ring|nearby|next|that|some|a different)"
                        r" (?:city|cities|town|towns|village|prefecture|prefectural|municipalit(?:y|ies)|ward)\b")
_NOT_OURS = re.compile(r"うち(?:は|には)関係(?:ない|ありません)"
                       r"|\b(?:glad|good thing|luckily|thankfully|lucky)\b[^.!?]{0,12}"
                       r"\b(?:it'?s|it is|that'?s|wasn'?t) not us\b"
                       r"|\bnothing like (?:that|this|it) (?:for|here|on our|at our|with)"
                       # 「当支所の管内では今のところそういった話は聞いておりません」: heard of elsewhere, nothing here
                       r"|(?:管内|こちら|当支所|当館|当所|当課)(?:で|に)?(?:は)?[、 ]?"
                       r"(?:今のところ|現在|現時点で|まだ)?[、 ]?(?:そういった|そのような|同様の|同じような|似た)"
                       r"(?:話|事案|被害|こと|もの)(?:は)?"
                       r"(?:聞いて|確認されて|把握して|出て)(?:おりません|いません|ない)")
_OURS = re.compile(r"うちの(?:市|町|公式|あか|職員|名前|市長|課)|当市|本市|わが市|弊市|市民から|市内|町内(?!会)|村内"
                   r"|(?:うち|当市|本市)(?:に|にも|へ)(?:問い合わせ|電話)"
                   r"|\bour (?:city|town|village|account|official|mayor|staff|residents|office|page|post|ward)\b")


def elsewhere(text: str) -> bool:
    """Whether a message announces a drill or speaks of another place's incident, and nothing of ours."""
    return elsewhere_prepared(prepare(text))


def elsewhere_prepared(norm: str) -> bool:
    """elsewhere() of a text already prepared for the model (classifier_features.prepare: normalised)."""
    drill = (_DRILL.search(norm) is not None and _DRILL_WORD.search(norm) is not None
             and _NOT_DRILL.search(norm) is None)
    other = (_OTHER_PLACE.search(norm) is not None or _NOT_OURS.search(norm) is not None
             or (_NEWS.search(norm) is not None and _SOMEWHERE.search(norm) is not None))
    return drill or (other and _OURS.search(norm) is None)
