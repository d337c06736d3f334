"""Routing questions (whom to tell, what to do) taken out of a prepared text before its n-grams are counted."""

from __future__ import annotations

import re

__all__ = ["ROUTING_MARKS", "strip_routing"]

# A report often ends (or starts) by asking whom to tell or what to do: 「これ誰に言えばいい？」,
# 「広報に回したほうがいいですか」, "Who should I tell?". The question says nothing about the kind or whether the
# message is a report, yet its n-grams read as a colleague's question (chatter): appended to older held-out reports,
# such frames made 10 to 22 times as many missed (bench/eval_frames.py). Text is normalised (hiragana, NFKC, lower).
# Bounded: every part is optional at most once and every gap is a short run of hiragana.
_WHO = r"(?:誰|だれ|どなた|どこ|どちら|どっち|どの(?:課|部署|部局|係|担当|窓口|部門|人)|何課|なに課)(?:さん|様)?"
_TELL = (r"(?:言|伝|連絡|報告|相談|回|まわ|上げ|あげ|つな|繋|知らせ|通報|投げ|振|共有|転送|問い合わせ|電話"
         r"|お?願い)")
_GOOD = r"(?:いい|良い|よい|よろしい|大丈夫)"
# A question's ending: 「ですか」「でしょうか」「かな」 or a question mark (required where the words alone could state).
_ASKQ = (r"(?:(?:なんでしょうか|なのでしょうか|んでしょうか|のでしょうか|でしょうか|でしょか"
         r"|ですかね|ですか|ますか|のか|か|かな|かね)(?:ね|な)?\?*|(?:でしょう|ですよね|よね|の|ん)?\?+)")
_ASK = r"(?:" + _ASKQ + r"|なんでしょう|のでしょう|んでしょう|でしょう|んだろう|だろう|の)?"
_END = r"[?!。.、, ]*"
_BOUNDARY = r"(?=[。.!、,]| |$)"
# 「誰に言えばいいかわからないので」: the question turned into not knowing, then a conjunction (and 「ここに書きます」).
_UNKNOWN = (r"(?:の|ん)?(?:か|かが)(?:(?:わから|分から|わかん)(?:ない|なく|ず|なかった)|(?:わかり|分かり)ません)"
            r"(?:でした|です|て)?"
            r"(?:のですが|んですが|んですけど|ですが|ですけど|けれど|けど|ので|から|が)?[、, ]*"
            r"(?:(?:ここ|こちら)(?:に|で) ?(?:書|かき|投稿|共有)[ぁ-ん]{0,4})?")
# 「誰に言えばいい？」「どちらに回せばよいでしょうか」: to whom or where, a verb of passing on, good?
_WHOM = (_WHO + r"(?:に|へ|で|から|と|は)? ?" + _TELL + r"[ぁ-ん]{0,6}?"
         r"(?:" + _GOOD + _UNKNOWN + r"|" + _GOOD + r"?" + _ASK + r"(?:\?+|" + _BOUNDARY + r"))")
# 「担当はどちらになりますか」「担当がどこかわからないのですが」: whose matter it is.
_OWNER = (r"(?:担当|所管|窓口)(?:は|って|が)?(?:どこ|どちら|誰|だれ|どなた|どの課|何課)(?:に|で)?"
          r"(?:なり(?:ます)?|です|でしょう)?(?:" + _UNKNOWN + r"|" + _ASK + r"(?:\?+|" + _BOUNDARY + r"))")
# 「どうしたらいいでしょう」: how to act (どう is a question by itself).
_HOW = (r"(?:(?:対応|対処)(?:は|って|を)? ?)?(?:どう|どのように|どの(?:よう|様)に)(?:対応|対処)?"
        r"(?:したら|すれば|すべき|する|したほうが|しましょう|しよう|します)"
        + _GOOD + r"?(?:" + _GOOD + _UNKNOWN + r"|" + _ASK + r"(?:\?+|" + _BOUNDARY + r"))")
# 「広報課に回したほうがいいですか」「上に上げるべきでしょうか」: to someone (kanji), pass it on, should I?
_PASS = (r"(?:[一-龥]{1,6}(?:さん|様|の方)?(?:に|へ) ?)?(?:回|まわ|報告|連絡|相談|共有|伝え|言っ|上げ|あげ|通報|転送"
         r"|投げ|振っ|つない|繋い|お?知らせ|えすかれ)[ぁ-ん]{0,4}?"
         r"(?:(?:ほう|方)が" + _GOOD + r"|べき|ても" + _GOOD + r"|たら" + _GOOD + r"|れば" + _GOOD + r")"
         r"(?:" + _UNKNOWN + r"|" + _ASKQ + r")")
# 「うちで何かしたほうがいいですか」「何かすることありますか」: whether we must act.
_DO = (r"(?:(?:うち|こちら|私|わたし|自分|当課)(?:の方|のほう)?(?:で|が|は|から|として)? ?)?(?:何か|なにか|なんか)?"
       r"(?:対応|確認|対処|すること|やること|できること|し|する)[ぁ-ん]{0,4}?"
       r"(?:(?:ほう|方)が" + _GOOD + r"|べき|必要(?:が)?(?:あり(?:ます)?|ある)|あり(?:ます)?)"
       r"(?:" + _UNKNOWN + r"|" + _ASKQ + r")")
# 「このまま様子見で大丈夫ですか」: whether waiting will do.
_WAIT = r"(?:この(?:まま)?)?(?:様子見|静観|放置)(?:で|して)?(?:も)?" + _GOOD + _ASKQ
_JA = (r"(?:(?:これ|この件|こちら|それ|こういうの|こういう場合)(?:って|は|の)?[、 ]?)?"
       r"(?:" + _WHOM + r"|" + _OWNER + r"|" + _HOW + r"|" + _PASS + r"|" + _DO + r"|" + _WAIT + r")")
_EN = (r"(?:who|whom) (?:should|do|can|would|shall|must) (?:i|we) (?:tell|contact|call|ask|notify|inform"
       r"|report (?:this|it) to|(?:pass|send|forward|flag|escalate) (?:this|it) (?:on )?to)(?: about (?:this|it))?"
       r"(?: first)?\?*"
       r"|(?:who|whom|where) to (?:tell|contact|call|ask|report (?:this|it)(?: to)?|send (?:this|it)(?: to)?)\?*"
       r"|(?:should|do|must|shall) (?:i|we) (?:need to )?(?:report|pass|forward|escalate|flag) (?:this|it)(?: on)?"
       r"(?: to (?:someone|anyone|somebody|you|someone else))?(?: somewhere)?\?*"
       r"|what (?:should|do|shall|must) (?:i|we) (?:need to )?do(?: (?:about|with) (?:this|it))?(?: now)?\?*"
       r"|(?:i'?m )?not sure (?:who|whom|where) (?:to|i should) (?:tell|contact|report (?:this|it) to|ask"
       r"|send (?:this|it) to)(?: about (?:this|it))?[,.]? ?(?:but|so)?")
# Only at the start of a clause: after a stop, a space, a closing quote or a conjunction (が, けど, ので); at the
# end of a text also straight after the last word when it opens with a word that starts such a question.
_OPENERS = r"(?:これ|この件|こちら|うち|私|わたし|自分|" + _WHO + r"|担当|所管|どう)"
_CLAUSE_START = r"(?:^|(?<=[ 。.!?、,」』）)])|(?<=が)|(?<=けど)|(?<=ので))"
_ROUTING = re.compile(r"(?:" + _CLAUSE_START + r"(?:" + _JA + r"|" + _EN + r")" + _END
                      + r"|(?<=[ぁ-ん一-龥])(?=" + _OPENERS + r")" + _JA + _END + r"$)")
# A cheap test before the pattern: every routing question holds one of these.
ROUTING_MARKS = ("誰", "だれ", "どなた", "どこ", "どちら", "どっち", "どの", "何課", "なに課", "ほうが", "方が", "べき",
                 "どう", "様子見", "静観", "放置", "ても", "たら", "れば", "あり", "who", "what", "should", "not sure")
_ROUTING_MARK = re.compile("|".join(re.escape(mark) for mark in sorted(ROUTING_MARKS, key=len, reverse=True)))
_SPACES = re.compile(r" {2,}")


def strip_routing(norm: str) -> str:
    """A normalised text without its routing questions (spaces kept single, ends trimmed)."""
    if _ROUTING_MARK.search(norm) is None:  # one scan, not twenty-four `in` tests
        return norm
    return _SPACES.sub(" ", _ROUTING.sub(" ", norm)).strip()
