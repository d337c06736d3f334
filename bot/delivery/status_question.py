"""A question about an incident in staff's own words (「INC-0002 の状況どうなってますか？」, "what's the status of
INC-2?"): its number, so a message meant for the bot gets that incident's standing instead of being read as a new
report. Tight on purpose: a report that names an incident in passing (「INC-0002 と同じ投稿がまた拡散しています」)
stays a report, because a report lost to a misread question would be worse than a question asked twice."""

from __future__ import annotations

import re

from bot.triage.short_input import INCIDENT_REF, fold, named_incidents
from bot.triage.urls import first_url

# Japanese: soon after the incident, what is asked about it ...
# The record is asked for in the same breath (「INC-2 のタイムラインを見せて」): its standing is the answer there.
# 「どう」 alone too: a 部長's 「INC-1 どう？」「…どうなった？」 (walk s21 #4).
_JA_TOPIC = re.compile(r"状況|状態|進捗|進み具合|経過|ステータス|どう|どこまで|どんな感じ|"
                       r"タイムライン|記録|履歴|経緯")
JA_TOPIC_WITHIN = 10  # 「INC-3 の件、対応は今どこまで」: a few words may come between
# ... and that it is asked: a question mark, or a question's or a request's ending.
_JA_ASKED = re.compile(r"(?:[?？]|か|かな|の|は|教えて(?:ください|下さい|ほしい|欲しい)?|知りたい(?:です)?|"
                       r"確認したい(?:です)?|見せて(?:ください|下さい|ほしい|欲しい)?|見たい(?:です)?|どう|どうなって(?:る|ます|いる|います)|進んで(?:る|ます|いる|います))"
                       r"[。.!！\s]*$")
_EN_ASKED = re.compile(
    r"^(?:(?:hi|hello|hey|sorry|please)[,!\s]+)?(?:what(?:'s|’s|\s+is)?|how(?:'s|’s|\s+is|\s+are)?|where|any|"
    r"is\s+there|can\s+you|could\s+you|tell\s+me|give\s+me|show\s+me|status|progress|update)\b", re.IGNORECASE)
_EN_TOPIC = re.compile(
    r"(?:(?:status|progress|updates?|standing|state|timeline|history|records?)\s+(?:of|on|for|with)|"
    r"(?:where\s+(?:are|do)\s+we(?:\s+stand)?|how\s+far\s+along\s+are\s+we)\s+(?:on|with)|"
    r"how(?:'s|’s|\s+is|\s+are)(?:\s+things\s+(?:with|on))?)(?:\s+the)?(?:\s+incident)?$", re.IGNORECASE)
_EN_AFTER = re.compile(r"^(?:(?:status|progress)\b|going\b.*|doing\b.*|coming\s+along\b.*|progressing\b.*)?"
                       r"[\s?.!]*$", re.IGNORECASE)
# Words of a report: a question about an incident says none of these (a new post, a spread, a takeover...).
_REPORTISH = re.compile(
    r"拡散|炎上|なりすま|成りすま|乗っ取|漏えい|漏洩|デマ|投稿が|投稿され|投稿して|アカウントが|また|再び|新たに|別の|同じ|"
    r"\b(?:posted|posting|posts|spreading|spread|hacked|leak\w*|fake|impersonat\w*|again|another|same)\b",
    re.IGNORECASE)
MAX_LENGTH = 80  # a question is short; a longer message is a report that names an incident


def asked_about(text: str) -> int | None:
    """The incident number a message asks the standing of, or None (a report, chatter, a command)."""
    folded = fold(text)
    if not folded or len(folded) > MAX_LENGTH or first_url(folded) or _REPORTISH.search(folded):
        return None
    refs = named_incidents(folded)
    if len(refs) != 1:
        return None
    found = next(ref for ref in INCIDENT_REF.finditer(folded) if int(ref.group(1)))
    before, after = folded[:found.start()].strip(), folded[found.end():].strip()
    if folded.isascii():
        return refs.pop() if _english(before, after) else None
    topic = _JA_TOPIC.search(after)
    if topic and topic.start() <= JA_TOPIC_WITHIN and _JA_ASKED.search(after) and len(before) <= 12:
        return refs.pop()
    return None


def _english(before: str, after: str) -> bool:
    """"what's the status of INC-2?", "INC-2 status?", "any update on INC-3", "how is INC-4 going?"."""
    if before and not (_EN_ASKED.match(before) and _EN_TOPIC.search(before)):
        return False
    if not before:  # 「INC-2 status?」: the word itself must follow
        return bool(re.match(r"^(?:'s\s+|’s\s+)?(?:status|progress)\b[\s?.!]*$", after, re.IGNORECASE))
    return bool(_EN_AFTER.match(after))


__all__ = ["asked_about"]
