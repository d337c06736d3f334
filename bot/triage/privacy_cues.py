"""Whether a report says personal data is exposed: such an incident is restricted whatever its kind."""

from __future__ import annotations

import re
import unicodedata

# Personal data a post can expose, and words saying it is out in public: both in one sentence, and a negation right
# after the verb (漏れていない) does not count. Contact details (住所, 電話番号) count only when the sentence names
# a person (職員の住所), since an office's address and number are published on purpose.
_PERSONAL_JA = ("個人情報|名簿|マイナンバー(?!カード)|生年月日|顔写真|自宅|本名|実名|病歴|家族構成|口座番号|"
                "ナンバープレート")
_CONTACT_JA = "住所|電話番号|携帯番号|携帯の番号|メールアドレス|メアド|氏名"
_PERSON_JA = ("職員|住民|市民|町民|村民|区民|児童|生徒|学生|患者|利用者|申請者|相談者|個人|担当者|本人|家族|"
              "さん|氏|様|方の")
_VERB_JA = ("晒|さらさ|さらし|流出|漏え?い|漏れ|公開され|書き込まれ|書かれ|投稿され|載って|載せられ|掲載され|出回|"
            "特定され|拡散され|貼られ|映って|写って")
_NEGATED = "(?!(て|で)?(い)?(ない|ません|ず))"
_JA_PERSONAL = re.compile(rf"({_PERSONAL_JA}).{{0,40}}?({_VERB_JA}){_NEGATED}|({_VERB_JA}).{{0,20}}?({_PERSONAL_JA})")
_JA_CONTACT = re.compile(rf"({_CONTACT_JA}).{{0,40}}?({_VERB_JA}){_NEGATED}|({_VERB_JA}).{{0,20}}?({_CONTACT_JA})")
_JA_PERSON = re.compile(_PERSON_JA)
_DATA_EN = (r"(home )?address(es)?|phone numbers?|e-?mail address(es)?|date of birth|personal (data|information|"
            r"details)|real names?|names and addresses|residents'? (list|data)|my number")
_VERB_EN = r"leak(ed|ing)?|expos(ed|ing)|posted|published|shared|doxx(ed|ing)?|out there|circulat(ed|ing)"
_EN = re.compile(rf"\b({_DATA_EN})\b.{{0,60}}?\b({_VERB_EN})\b|\b({_VERB_EN})\b.{{0,60}}?\b({_DATA_EN})\b|"
                 r"\bdoxx(ed|ing)?\b", re.IGNORECASE)
_NOT_EN = re.compile(r"\b(not|no|never|isn't|wasn't|aren't|weren't)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"[。．！？!?\n]|\.\s")
# A phone number in the report is data itself, whatever the verbs say: a mobile number is a person's; a landline
# is an office's unless written right after a person (田中さん（0166-…）), since offices publish theirs.
_DASH = "[-‐−ー ]"
_MOBILE = re.compile(rf"(?<!\d)0[5789]0{_DASH}?\d{{4}}{_DASH}?\d{{4}}(?!\d)")
_PERSON_PHONE = re.compile(rf"(さん|様|氏|くん|ちゃん)\s*[（(:：]?\s*0\d{{1,4}}{_DASH}\d{{1,4}}{_DASH}\d{{3,4}}(?!\d)")
# Any number, in a sentence that names a person (not an office: 市民課) and says it is out: 申請者の…0166-… が晒され.
_PHONE = re.compile(rf"(?<!\d)0\d{{1,4}}{_DASH}\d{{1,4}}{_DASH}\d{{3,4}}(?!\d)")
_PERSON_NOT_OFFICE = re.compile(rf"({_PERSON_JA})(?![課部係室局]|センター|窓口|会館)")
_OUT_JA = re.compile(rf"({_VERB_JA}){_NEGATED}")


def exposes_personal_data(text: str) -> bool:
    """True when a sentence says personal data is exposed (晒されている, leaked) or holds a person's phone number."""
    for sentence in _SENTENCES.split(unicodedata.normalize("NFKC", text)):
        if _JA_PERSONAL.search(sentence) or (_JA_CONTACT.search(sentence) and _JA_PERSON.search(sentence)):
            return True
        if _MOBILE.search(sentence) or _PERSON_PHONE.search(sentence):
            return True
        if _PHONE.search(sentence) and _PERSON_NOT_OFFICE.search(sentence) and _OUT_JA.search(sentence):
            return True
        found = _EN.search(sentence)
        if found and not _NOT_EN.search(sentence[max(0, found.start() - 30):found.end()]):
            return True
    return False
