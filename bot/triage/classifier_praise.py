"""Praise and benign reach (likes, followers, views, kind comments) with no sign of trouble: at most ``unsure``."""

from __future__ import annotations

import re

from bot.triage.classifier_features import prepare

__all__ = ["praise_only", "praise_only_prepared"]

# Good news about a post reads as 炎上 to the n-grams: 「市の投稿がバズってる！いいね1万」 holds 投稿, バズ and
# 拡散-like words and little else, and the corpus has few such lines (a training batch of them cost missed reports,
# session 19). A message with a word of approval or benign growth and none of trouble is asked about privately
# rather than opened. Written against the text prepared for the model (NFKC, lower case, hiragana, digits as 0).
_PRAISE = re.compile(
    # approval
    r"好意的|好評|絶賛|ほめ|褒め|誉め|称賛|賞賛|応援(?:の声|めっせーじ|こめんと|ばかり|して(?:くれ|もら|いただ)|する声)"
    r"|かわいい|可愛い|かっこいい|ありがたい|うれしい|嬉しい|感謝|お礼|お祝い|好感|わかりやすい|分かりやすい|よい知らせ"
    r"|いい知らせ|いい意味|良い意味|えもい"
    # benign growth of the city's own audience
    r"|過去最高|最高記録|突破|(?:ふぉろわー|登録者|友だち|友達)(?:数)?(?:が|も)?(?:めっちゃ|すごく|どんどん|急に|一気に)?"
    r"(?:\d+(?:万|千)?人?)?(?:増|ふえ|急増)"
    r"|positive|praise|complimen|all-time high|record high|great work|well done|followers? (?:up|grew|growing)"
    r"|gained [\d,]+ (?:new )?(?:followers|subscribers)|good news")
# Reach as such (a buzz, a trend, a count of likes; not the account liking: 「いいねを連打」) is good news only when
# nobody is quoted: a false claim or an insult going viral is quoted (「来月から市バス全廃」って動画がバズってる).
_REACH = re.compile(r"ばず(?:って|った|る)|とれんど入り|いいね(?:が|も)?(?:\d|すごい|いっぱい)|went viral")
_QUOTE = re.compile(r"[「『\"“”]")
_TROUBLE = re.compile(
    # flaming
    r"炎上|えんじょう|批判|苦情|文句|悪口|わるぐち|叩|たたか|荒れ|あれて|怒|おこって|抗議|くれーむ|誹謗|中傷|罵|ばとう"
    r"|低評価|不適切|差別|謝罪|殺到|さっとう|ひどい|酷い|非難|揶揄|攻撃|ねがてぃぶ|否定的|皮肉|晒|さらさ|凸|問題視|反発"
    r"|不快|不謹慎|ふきんしん|うそつき|悪い意味|わるい意味|不安|やばい|まずい|大変なこと|配慮"
    # misinformation
    r"|でま|誤|うそ|偽|にせ|虚偽|事実無根|根拠|がせ|うわさ|噂|流言|ふぇいく|捏造|加工|本当|ほんと|実際|異常|まちが|間違|中止|じゃないです"
    # a denial of what the viral post says (「…ってポストがバズってる、そんな予定ない」)
    r"|(?:予定|決定|計画|事実)(?:は|も)?(?:ない|なし|ありません|ございません)|決ま(?:って)?(?:ない|いない|ません)"
    # leak
    r"|漏|流出|個人情報|写り込|うつりこ|映り込|氏名|名簿|住所|電話番号|見れる|閲覧|一覧|りすと"
    # impersonation
    r"|なりすま|詐称|名乗|なの[らりるっ]|装|騙|かた[らりるっ]|そっくり|酷似|無断|勝手|かって|知らない|見覚え|身に覚え|覚えのない"
    r"|本物|ほんもの|のものではない|公式じゃない|してない|していない|してません|しておらず|触って|さわって|さわってない"
    # account takeover
    r"|乗っ取|ろぐいん|ぱすわーど|不正|第三者|不審|入れ(?:ない|ません)|はいれ|管理者|認証|すぱむ|ぼっと"
    # English
    r"|hack|compromis|angry|backlash|complain|critic|negative|outrage|fake|false|rumor|leak|expos|personal data"
    r"|impersonat|spoof|phish|locked out|password|unauthori|scam|wrong way|insensitive|offensive|abuse|hate|spam"
    r"|bot[s ]|suspicious|brutal|blown up|blew up|wrong|not ours|didn't|did not|no one|nobody"
    # English in katakana (「バズってるけどバッドな意味で、アングリーなリプライ」)
    r"|ばっど|あんぐりー|へいと|ふぇいく|るーまー|りーく|はっく")


def praise_only(text: str) -> bool:
    """Whether a message speaks of approval or benign reach and of nothing that sounds like trouble."""
    return praise_only_prepared(prepare(text))


def praise_only_prepared(norm: str) -> bool:
    """praise_only() of a text already prepared for the model (classifier_features.prepare: normalised)."""
    good = _PRAISE.search(norm) is not None or (_REACH.search(norm) is not None and _QUOTE.search(norm) is None)
    return good and _TROUBLE.search(norm) is None
