"""Office-mail pleasantries (greetings, self-introductions, set phrases of thanks, sign-offs) taken out of a text."""

from __future__ import annotations

import re

__all__ = ["GREETING_MARKS", "strip_greetings"]

# Staff of branch offices, libraries, nurseries and health centres write to the report channel as they write an
# internal mail: 「お疲れ様です。北部支所の山口です。先日はありがとうございました。さて、…よろしくお願いいたします。」,
# and ALTs or vendors "Hi all, hope you're doing well! … Thanks, Kate". Those words say nothing of the message,
# yet their n-grams read as a colleague's note (chatter): put around older held-out reports, such frames made 6 to
# 24 times as many missed (session 22). Text is normalised (hiragana, NFKC, lower-case, one space). Bounded: each
# part is optional once or a short run of a character class; no repeated group holds another.
_STOP = r"[。.!?、, ]*"
_ORG = (r"(?:支所|出張所|公民館|図書館|保育所|保育園|こども園|幼稚園|せんたー|課|係|室|局|事務所|館|園|学校|委員会|協会"
        r"|会社|しすてむ|班|事業所|窓口|本部|病院|ちーむ|担当)")
_NAME = r"(?:[一-龥々]{1,6}|[ぁ-んー]{2,6}|[a-z]{2,12})"
_ROLE = r"(?:所長|館長|園長|課長|係長|室長|主任|主査|保健師|栄養士|司書|保育士|担当|職員)"
_GREETING = (r"(?:各位|関係各位|(?:皆|みな)(?:様|さま)(?:へ)?"
             r"|(?:いつも|平素より|平素は)?(?:大変|たいへん)?お(?:世話|せわ)に(?:なっております|なっています|なります)"
             r"|お(?:疲れ|つかれ)(?:様|さま)(?:です|でございます|でした)?"
             r"|(?:年末|年度末|月末)?(?:の)?お忙しい(?:中|ところ)(?:を)?(?:恐れ入ります|失礼(?:いた)?します|すみません|恐縮です))")
# 「北部支所の山口です」「子育て支援せんたーの大塚でございます」「保健せんたーです」: only next to a greeting.
_INTRO = (r"(?:[一-龥々ぁ-んーa-z0-9・、 ]{0,20}?" + _ORG + r"(?:の)?(?:" + _ROLE + r"(?:の)?)?" + _NAME + r"?"
          r"(?:です|でございます|と申します|より))")
# A set phrase of thanks or apology for an earlier matter: 「先日はお忙しいところありがとうございました」.
_PLEASANTRY = (r"(?:(?:先日|先ほど|さきほど|先般|昨日|この度|このたび)(?:は)?[^。.!?]{0,24}?"
               r"(?:ありがとうございました|お世話になりました|失礼(?:いた)?しました)"
               r"|[^。.!?]{0,20}?(?:お過ごしでしょうか|お過ごしですか)"
               r"|(?:長文|突然|朝早く|遅くに|たびたび|度々)(?:の)?(?:ご連絡|連絡)?(?:を)?失礼(?:いたし|し)ます)")
_OPENING = re.compile(r"^(?:" + _GREETING + _STOP + r"(?:" + _INTRO + _STOP + r")?"
                      r"|" + _INTRO + _STOP + r"(?=" + _GREETING + r")"
                      r"|" + _PLEASANTRY + _STOP + r")")
_SEGUE = re.compile(r"^(?:さて|ところで|それとは別に|別件(?:ですが|でございますが|で恐縮ですが))[、, ]*")
_EN_OPENING = re.compile(
    r"^(?:(?:hi|hello|hey|dear) [a-z]{2,12}(?: [a-z]{2,12}){0,2}, ?"  # "Dear PR team,"
    r"|(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))(?: (?:all|everyone|team|colleagues|guys|folks"
    r"|there|everybody))?(?!['a-z])[,!.]* ?"
    r"|(?:i )?hope (?:you'?re|you are|you all are|everyone is|everyone'?s|all is) (?:doing )?(?:well|good)[,!.]* ?"
    r"|i hope this (?:message|email|mail) finds you well[,!.]* ?"
    r"|hope (?:you|everyone) had a (?:nice|good|great|lovely) (?:weekend|holiday|day|break)[,!.]* ?"
    r"|sorry to bother you[,!.]* ?"
    r"|(?:this is|it'?s|i'?m) [a-z]{2,12},? \(?(?:the |an? |our )?(?:alt|cir|coordinator|intern|engineer|vendor"
    r"|from|at|in)\b[^.!?]{0,48}[.!] ?"
    r"|[a-z]{2,12} here[.!,] ?)")  # "Kate here.", "ALT here,"
_CLOSING = re.compile(
    r"(?<=[。.!? ])(?:以上[、, ]*)?(?:(?:お手数(?:を)?おかけしますが"
    r"|お忙しいところ(?:恐縮ですが|恐れ入りますが|すみませんが)?)[、, ]*)?"
    r"(?:ご(?:確認|対応|検討|指示|教示|協力)(?:の)?(?:ほど)?[、, ]*)?"
    r"(?:どうぞ|何卒|なにとぞ|引き続き|今後とも)?[、, ]*"
    r"よろしく(?:お願い|おねがい)(?:いたします|致します|します|申し上げます)" + _STOP + _NAME + r"?" + _STOP + r"$"
    r"|(?<=[.!? ])(?:please let me know if (?:you need|there'?s) anything(?: else)?[.!]* ?)?"
    r"(?:thanks|thank you|thx|many thanks|cheers|best|best regards|regards|kind regards|sincerely)"
    r"(?: so much| a lot| again| in advance)?[,!.]*(?: have a (?:great|nice|good) (?:day|one|weekend)[!.]*)?"
    r"(?: [a-z]{2,12}(?: \([a-z ]{2,20}\))?)?[.!]*$"
    r"|(?<=[.!? ])please let me know if (?:you need|there'?s) anything(?: else)?[.!]*$")
# A cheap test before the patterns.
GREETING_MARKS = ("各位", "様", "さま", "世話", "せわ", "疲れ", "つかれ", "お忙し", "先日", "先ほど", "さきほど",
                  "先般", "昨日", "この度", "このたび", "お過ごし", "よろしく", "hi", "hello", "hey", "dear", "good",
                  "hope", "sorry", "here", "this is", "it's", "i'm", "thank", "thx", "cheers", "best", "regards",
                  "sincerely", "let me know")
_MARK = re.compile("|".join(re.escape(mark) for mark in sorted(GREETING_MARKS, key=len, reverse=True)))
_SPACES = re.compile(r" {2,}")
_BODY = 6  # a sign-off counts only after some body: 「よろしくお願いします」 alone stays as it is
_ROUNDS = 4  # greeting, introduction, a pleasantry or two


def strip_greetings(norm: str) -> str:
    """A normalised text without its office-mail pleasantries at either end (unchanged if nothing else is left)."""
    if _MARK.search(norm) is None:
        return norm
    text = norm
    for _ in range(_ROUNDS):
        match = _OPENING.match(text) or _EN_OPENING.match(text)
        if match is None or match.end() == 0:
            break
        text = text[match.end():]
    text = _SEGUE.sub("", text, count=1)
    closing = _CLOSING.search(text)
    if closing is not None and closing.start() >= _BODY:
        text = text[: closing.start()]
    text = _SPACES.sub(" ", text).strip(" 、,")
    return text or norm
