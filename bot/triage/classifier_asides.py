"""Off-hours asides (openers, fillers, mail labels, pass-it-on requests, sign-offs) taken out of a prepared text."""

from __future__ import annotations

import re

__all__ = ["ASIDE_MARKS", "strip_asides", "strip_mail_headers"]

# Night-duty and weekend staff wrap a report in words that say nothing about it: 「夜分失礼します。宿直の者です。」,
# voice-input fillers (「えー」「あのー」), a forwarded mail's labels (From:, 件名:), a request to pass it on
# (「月曜に担当の方へ伝えてください」, "Please pass this on to the PR team") and a sign-off (「以上です」).
# Their n-grams read as a colleague's request or greeting (chatter): put around older held-out reports they made up
# to 23 times as many missed (bench/eval_frames.py --s19). Text is normalised (hiragana, NFKC, lower-case, one
# space). Bounded: every part is optional at most once; the only repeats are of single characters.
_STOP = r"[。.!?、, ]*"
# At the very start: apologies for the hour, the relayer's post (one of the duty posts, not any 「〇〇課です」).
_OPENER = (r"(?:夜分(?:遅く|に)?(?:恐れ入ります|失礼(?:いた)?します|すみません|すいません"
           r"|申し訳(?:ありません|ございません))(?:が)?|取り急ぎ(?:ご)?(?:報告|連絡|一報|共有)?(?:です|します|いたします|まで)?"
           r"|(?:本日の|今日の|休日の|週末の)?(?:宿直|日直|当直|休日当番|週末当番|当番|警備室|警備員室|守衛室|夜間警備|夜間受付)"
           r"(?:の者|の職員|担当|より|から)?(?:です|でございます)?)")
_OPENERS = re.compile(r"^(?:" + _OPENER + _STOP + r"){1,3}")
# Voice-input fillers at a clause start (「えーす」「えーじぇんと」 are words, not fillers).
_FILLER = re.compile(r"(?:^|(?<=[ 。.!?、,]))(?:えーと|えっと|えー+(?!す|じぇ)|あのー+|あのう|うーん|んー+"
                     r"|(?:um+|uh+|erm)(?![a-z]))[、,.]* ?")
# A forwarded mail's separators and header labels (the values, e.g. a subject, stay).
_MAIL = re.compile(r"-{3,} ?(?:original message|forwarded message|転送めっせーじ|転送|元のめっせーじ)? ?-{3,}"
                   r"|(?:^|(?<=[ 】]))(?:from|to|cc|date|sent|subject|差出人|宛先|送信日時|日時|日付|件名|本文):"
                   r"|【転送】|(?:^|(?<= ))(?:fw|fwd|re):")
# 「(月曜に)担当の方へ伝えてください」: pass it on, as the last clause after a report's body.
_WHEN = r"(?:(?:月曜|火曜|明日|あした|週明け|休み明け|明朝|後ほど|のちほど)(?:日)?(?:に|の朝に?|になったら)?[、 ]?)?"
_WHOM = r"(?:[一-龥a-z]{1,8}(?:さん|様|の方|のほう|の人|ちーむ)?(?:に|へ)(?:も)? ?)?"
_VERB = r"(?:お?伝え|お?回し|ご?連絡|ご?報告|ご?共有|お?知らせ|お?つなぎ|申し送り|引き継ぎ|引継ぎ)"
_PLEASE = (r"(?:して|て)?(?:おいて|いただいて)?(?:ください|下さい|いただけますか|いただけますでしょうか"
           r"|いただけると(?:助かります|幸いです)|もらえますか|もらえると助かります|お願いします|お願いいたします|願います)")
_RELAY = _WHEN + _WHOM + _VERB + _PLEASE
_RELAY_EN = (r"(?:could you |can you |please |kindly )(?:pass|forward|send) (?:this|it) (?:on )?to "
               r"(?:the )?[a-z ]{1,24}?"
               r"(?: (?:on monday|tomorrow|first thing(?: tomorrow)?|asap|when you can))?(?:,? please)?"
               r"|please let (?:the )?[a-z ]{1,24}? know")
# 「以上です」「ご報告まで」「連絡だけしておきます」: a sign-off, as the last clause.
_SIGN_OFF = (r"(?:以上(?:です|となります)?|(?:ご)?(?:報告|連絡)(?:まで|です)|(?:ご)?(?:報告|連絡)だけ"
             r"(?:しておきます|しときます|です|します|いたします|させていただきます)?|取り急ぎ(?:ご)?(?:報告|連絡|一報)(?:まで|です)?"
             r"|一報まで)")
_CLOSING = re.compile(r"(?<=[。.!? ])(?:" + _RELAY + r"|" + _RELAY_EN + r"|" + _SIGN_OFF + r")" + _STOP + r"$")
# A cheap test before the patterns: every aside holds one of these.
ASIDE_MARKS = ("夜分", "取り急ぎ", "宿直", "日直", "当直", "当番", "警備", "守衛", "夜間", "えー", "えっと", "あの",
               "んー", "um", "uh", "er", "---", ":", "【転送】", "ください", "下さい", "いただ", "もらえ", "願", "以上",
               "まで", "だけ", "pass", "forward", "send", "know")
_MAIL_MARKS = ("---", ":", "【転送】")
_FILLER_MARKS = ("えー", "えっと", "あの", "うーん", "んー", "um", "uh", "erm")
_TAIL = 160  # characters at the end of a text searched for a closing (the longest is under 100)
# One regex for the test: a single scan costs a quarter of thirty `in` tests.
_ASIDE_MARK = re.compile("|".join(re.escape(mark) for mark in sorted(ASIDE_MARKS, key=len, reverse=True)))
_SPACES = re.compile(r" {2,}")
_BODY = 6  # a closing counts only after some body: 「資料です。課長に回してください」 keeps its request
# A forwarded mail's header lines, on the raw text (its line breaks still there): who sent it, to whom and when say
# nothing of the message, yet their names, addresses and dates outweighed a short body ("Sent: Monday, December 7,
# 2026 9:00 AM" read as misinformation). The subject line keeps its words, only its label goes; separators go.
_HEADER_LINE = re.compile(
    r"^[ \t\u3000>]*(?:from|sent|to|cc|bcc|date|reply-to|importance"
    r"|差出人|送信者|宛先|宛て先|送信日時|受信日時|日時|日付|ｃｃ)[ \t\u3000]*[:：]"
    # up to a subject or body label on the same line (「From: 夜間受付 件名: … 本文: …」 pasted as one line)
    r"(?:[^\n]*?(?=(?:件名|本文|subject|body)[ \t\u3000]*[:：])|[^\n]*$)"
    r"|^[ \t\u3000>]*-{3,}[^\n]{0,40}-{3,}[ \t\u3000]*$"
    r"|^[ \t\u3000>]*(?:subject|件名)[ \t\u3000]*[:：]", re.IGNORECASE | re.MULTILINE)
_HEADER_MARK = re.compile(r"[:：]|---")


def strip_mail_headers(text: str) -> str:
    """A raw text without a forwarded mail's header lines and separators (the subject's words kept)."""
    if "\n" not in text or _HEADER_MARK.search(text) is None:
        return text
    return _HEADER_LINE.sub("", text).strip() or text  # headers alone are the whole message: keep them


def strip_asides(norm: str) -> str:
    """A normalised text without its off-hours asides (spaces kept single, ends trimmed)."""
    if _ASIDE_MARK.search(norm) is None:
        return norm
    text = norm
    if any(mark in text for mark in _MAIL_MARKS):
        text = _MAIL.sub(" ", text).strip() or text
    if any(mark in text for mark in _FILLER_MARKS):
        text = _FILLER.sub(" ", text).strip() or text  # a filler alone (「えー」) is the whole message: keep it
    opener = _OPENERS.match(text)
    if opener is not None:
        text = text[opener.end():].strip() or text  # so is an opener alone (「宿直です」)
    closing = _CLOSING.search(text, max(len(text) - _TAIL, 0))  # a closing is short; look-behind sees before pos
    if closing is not None and closing.start() >= _BODY:
        text = text[: closing.start()].rstrip("。.、, ")  # the stop before the closing belongs to it
    return _SPACES.sub(" ", text)
