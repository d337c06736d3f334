"""Whether a report says personal data is exposed: such an incident is restricted whatever its kind."""

from __future__ import annotations

import re
import unicodedata

from bot.wareki import ERAS

# A report is read sentence by sentence. A sentence restricts when it says something personal is out: data that is a
# person's by itself (a 名簿, 住民票, a case record) with a word saying it is out; contact details or a name (住所,
# 氏名) with such a word in a sentence about a person (申請者, さん); a misdirected letter or mail; a staff member's
# private account writing about a case; an address pointing at a person; a person's phone number or 個人番号.
# Missing a leak posts a resident's data in a public thread, so the words are broad; an office's contacts, a venue,
# privacy as a topic and a phishing warning name no person and say nothing is out.

# Data that is a person's whatever the sentence says around it (the generic 個人情報 only when it is not a topic).
_RECORD_JA = ("個人情報(?!(の|を)?(取り?扱|保護|管理|研修|方針|第三者|提供|利活用|活用|条例|制度))|名簿|"
              "マイナンバー(?!カード)|マイナンバーカードの裏|個人番号|表札|予診票|受付カード|カルテ|悩み|"
              "生年月日|誕生日|顔写真|本名|実名|フルネーム|病歴|病名|既往歴|症状|家族構成|口座番号|"
              "ナンバープレート|(被)?保険者番号|受給者(番号|証)|(基礎)?年金番号|(運転)?免許証(番号)?|旅券番号|住民票|戸籍|課税明細|税額|滞納額|所得|督促状|認定結果|調査票|問診票|"
              "(健康|検|健)診(断)?の?結果|母子手帳|障害者手帳|本人確認書類|(?<!マイナ)保険証|受付(票|簿|表)|"
              "相談(票|記録|内容|の内容)|(ケース|面談|支援|診療|貸出|訪問)の?(記録|履歴)|連絡網|出席簿|名札|(?<!基本)台帳|"
              "調書|個人データ|給与|(パソコン|PC|モニター|端末)の?画面|(DM|メッセージ|やり取り|やりとり|トーク)の?(内容|履歴)")
# Details that point at a person only in a sentence about one (an office publishes its address and number).
_DETAIL_JA = ("住所|番地|(?<!ご)自宅(?!待機|療養|勤務|学習)|電話番号|携帯番号|携帯の番号|連絡先|メールアドレス|"
              "メアド|アドレス|アカウント名|ユーザー名|年齢|氏名|名前|名字|苗字|部屋番号|勤務先|学校名")
# A person, not an office: 市民課 and 住民課 are offices, 市民の方 is a person; 担当者 and 事業者 are not data.
_PERSON_JA = ("((?<![一-龥])(職員|住民|市民|町民|村民|区民|個人|本人)|家族|家庭|世帯|保護者|子ども|子供|"
              "園児|児童|生徒|学生|患者|差出人|送り主)(?![課部係室局]|センター|窓口|会館|情報システム)|"
              "(?<![一-龥])"
              "[一-龥]{1,8}(?<!担当)(?<!業)(?<!記)(?<!管理)(?<!責任)(?<!関係)(?<!識)(?<!代表)(?<!発信)(?<!運用)"
              "(?<!作成)(?<!投稿)(?<!編集)者(?!会|様式)|(?<!皆)さん|(?<!客)(?<!皆)様|氏(?![名])|方の|人の|(の|た)方(が|は|を)?")
_PERSON_NAME = "氏名|名前|フルネーム|実名|本名"
# Words saying it is out: posted, sent astray, in a photo, readable, downloadable, lost or stolen.
_OUT_JA = ("晒|さらさ|さらし|流出|漏え?い|漏れ|漏ら|公開され|公開状態|公開設定|公開リンク|外部共有|"
           "共有され|書き込まれ|書き込|書かれ|書いて|書いた|投稿され|投稿を?し|載って|載せ|掲載|出回|"
           "に出て|(記事|投稿|画像|写真|動画|ページ|スクショ)が出て|特定され|特定でき|(が|か)分か(る|って)|"
           "拡散|貼られ|映って|写って|写り込|映り込|写った|映った|読め|判読|見え|丸見え|表示され|閲覧でき|"
           "見られ|ダウンロードでき|[にを](アップ|上げ)|アップされ|アップロード|上がって|上げられ|"
           "流れ(て|た|ま)|配信(し|され)|転載|紛失|盗まれ|盗難|置き忘れ|持ち帰|黒塗りし忘れ|黒塗りされず|"
           "誤送信|誤送付|誤配|読み取|判別でき|ぼかし(なし|なく|ていない)|モザイク(なし|なく)|(で|に)回って|"
           "出てしま|転送され|(ページ|PDF|ファイル|サイト|HP|ホームページ)に入って|公開し(て|た)|に出し(た|て|ま)|映し(て|た)|写し(て|た)|消えてい(な|ませ)|消し忘れ|"
           "(伏せ|隠さ|消さ|黒塗りせ|マスキングせ)ずに?|(誰|どこ)(のこと)?(か|が)(分か|特定)|特定されて")
_NEGATED = "(?!(ま|ら|さ|か|わ|が)?(て|で)?(い)?(ない|ません|ず|ぬ|にく))"
# A letter or mail gone to someone else: 誤送信, 宛先を間違え, 別の世帯に送付, ではなく外部の方に送信.
_ASTRAY_JA = re.compile(r"誤送信|誤送付|誤配|封入ミス|(送付|宛)先を.{0,4}間違|宛先.{0,6}間違|"
                        r"誤って.{0,20}(送|メール|郵送|FAX)|差し込み.{0,6}(ずれ|ミス)|"
                        r"(書類|通知|封筒|宛名|資料|データ|宛先|ラベル)[^。]{0,6}取り違え|"
                        r"(別|他|違う|外部|無関係|隣)の.{0,12}(に|へ|宛て?に?)(誤って)?(送|メール|郵送|FAX|届い|発送)|"
                        r"(別|他|違う|次)の(方|人|住民|市民|利用者|申請者|世帯|家庭|来庁者)に[^。]{0,20}?(渡|配)|"
                        r"ではなく.{0,20}(に|へ)(送|メール|郵送|FAX)|本人ではない.{0,4}(に|へ)|BCC.{0,12}(TO|CC)")
# Sent by accident (送付してしまい, 旧住所に): astray only in a sentence that names the letter (money sent to a
# scammer is not a letter).
_SENT_BY_MISTAKE = re.compile(r"(送付|発送|郵送|送信|投函|転送|手渡し|渡し|配っ|FAXし)(し)?てしま|(送っ|入れ)てしま|"
                              r"旧住所に|混入|紛れ込")
# What a misdirected letter or mail holds.
_LETTER_JA = ("[一-龥]書(?!き)|メール|FAX|連絡|通知|案内|お知らせ|封書|郵便|はがき|明細|書類|データ|リスト|"
              "一覧|記録|結果|PDF|Excel|エクセル|添付")
# A staff member's own account, unless the report says staff do not use one (保健師が個人のSNSで相談を受けることはない).
_PRIVATE_ACCOUNT = re.compile(r"(個人の?(アカ|X|ツイッター|インスタ|Instagram|Facebook|フェイスブック|TikTok|"
                              r"ブログ|note|SNS)|私的な?|私用の?|裏アカ|プライベートの?(アカ|SNS)|鍵(なし|垢)|サブアカ|"
                              r"(自分|本人)の(アカ|X|インスタ|Facebook|TikTok|ブログ|SNS)|"
                              r"(職員|看護師|保健師|ケースワーカー|教員|教諭|先生|医師|保育士|救急隊員|消防士)が[^。]{0,12}"
                              r"(X|TikTok|インスタ|Instagram|Facebook|ブログ|note|SNS|YouTube))"
                              r"(?![^。]{0,30}(ことは(ありません|ない|ございません)|ておりません|ていません|ていない))")
_CASE_JA = re.compile(r"窓口に来た|(対応|担当|訪問|搬送|相談を受け)(し|して)|ケース|案件|相談者|患者|入院|"
                      r"生徒|児童|家庭|世帯|子の|保護者|生活保護|受給|滞納|病名|症状|利用者|入院|(クレーム|苦情)の(中身|内容)|"
                      r"(誰|どこ)(のこと)?(か|が)(分か|特定)|画面|訪問先|(?<!空き)家(?![族庭具電計事])の?(写真|画像)")
# An address pointing at a person: 三丁目の高橋さん, 305号室の人, 抗議した女性の家.
_ADDRESS_PERSON = re.compile(r"(丁目|番地|号棟|号室|番\d+号)[^。、]{0,6}?(さん|様|氏|の人|の方|宅)|"
                             r"(アパート|マンション|団地|コーポ|ハイツ|寮)の?(\d+|[一二三四五六七八九十]+)(階|号室|号棟)|"
                             r"(さん|様|氏|者|主|(?<!個)人|方|女性|男性|夫婦|一家)の(家(?![族庭具電計事])|自宅|住所|住まい|部屋|現住所)|"
                             r"(家|自宅|お宅|住まい)(は|が)?ここ|の家の(奥さん|奥様|旦那|ご主人|主人|人|方|子|息子|娘)|"
                             r"(家|自宅|お宅)[^。]{0,12}(地図|マップ|ストリートビュー)")
# A block (末広東2条7丁目) said to be where someone lives: 丁目に住んでいる山本さん, 家は…丁目, 丁目の角の家.
_BLOCK_HOME = re.compile(r"丁目[^。]{0,12}?(住んで|住む|在住|暮らし|暮らす|"
                         r"の(家|自宅|お宅)(?![族庭具電計事])|宅(?!配|地))|"
                         r"(家|自宅|お宅|住まい|住所)(は|が)[^。]{0,10}?丁目")
# A list or record of people: 寄附者リスト, 受給者データ, 利用者の画面.
_PEOPLES_JA = (rf"({_PERSON_JA})(と)?の?(リスト|一覧|データ|記録|画面|ID|写真|顔|画像|動画)|"
               rf"({_PERSON_JA})(と)?の(相談|メッセージ|(個人)?情報)")

_JA_RECORD = re.compile(rf"({_RECORD_JA}|{_PEOPLES_JA}).{{0,60}}?({_OUT_JA}){_NEGATED}|"
                        rf"({_OUT_JA}).{{0,30}}?({_RECORD_JA}|{_PEOPLES_JA})")
_JA_DETAIL = re.compile(rf"({_DETAIL_JA}).{{0,60}}?({_OUT_JA}){_NEGATED}|({_OUT_JA}).{{0,30}}?({_DETAIL_JA})")
_JA_PERSON = re.compile(_PERSON_JA)
_JA_DETAIL_ANY = re.compile(_DETAIL_JA)
_JA_LETTER = re.compile(_LETTER_JA)
_JA_LETTER_OR_RECORD = re.compile(f"{_LETTER_JA}|{_RECORD_JA}")
_JA_RECORD_ONLY = re.compile(rf"{_RECORD_JA}|{_PEOPLES_JA}|(?<!ご)自宅|(氏名|名前)(と|・|、|や)(住所|電話|連絡先)")
# Data named and said to be out in three words: 実名が出ています; a person's own photo (児童の写真) put up.
_JA_OUT_SHORT = re.compile(rf"({_RECORD_JA}|{_DETAIL_JA})が出(て|た|回)")
_JA_NAME = re.compile(rf"({_PERSON_NAME}).{{0,40}}?(写っ|写り|映っ|映り|読め|判読|見え|表示され|公開し|掲示|に出し)")
_JA_OUT = re.compile(rf"({_OUT_JA}){_NEGATED}")
# Who a person is made out (通報者が誰か分かる, 本人が特定されている): the person is exposed whatever the data.
_IDENTIFIED = re.compile(r"(誰|どこの家|どの家)(のこと)?(か|が)(分か|特定)|"
                         r"(本人|個人|家|自宅)が特定(され|でき)" + _NEGATED)
# Data a lost or posted thing holds (委員の自宅住所付き, 名前と電話番号が入っています): counts when the report says
# elsewhere that the thing is out (紛失, 上がって).
_JA_HELD = re.compile(rf"({_RECORD_JA}|{_DETAIL_JA}|{_PEOPLES_JA})[^。]{{0,20}}?"
                      rf"(入り|付き|つき|入って|含まれ|登録され|保存され|の列){_NEGATED}")
_OUT_LOST = re.compile(rf"({_OUT_JA}|落とし|なくし|失くし){_NEGATED}")
# Data a scam asks for (氏名と口座番号を入力させる) is not data that is out.
_ASKED_JA = re.compile(r"(入力|送信|記入|回答)(させ|を求め|するよう)|(教えて|送って)(ください|と)|聞き出|騙し取|"
                       r"フィッシング|偽サイト|詐欺|入力|(名乗る|偽)[^。]*(送っ|入れ|渡し)てしま")
# Said to be untrue in so many words: a rumour of a leak is not one.
# Someone's words in quotes: 「個人情報を売るのか」 is a complaint about a policy, not data.
_QUOTED = re.compile(r"「[^「」]*」")
_TOPICS = re.compile(r"個人情報|マイナンバー|プライバシー")
# A name that is an organisation's, or one an account uses as its own (なりすまし), is not a person's data; nor is
# a document named as a service (住民票がコンビニで無料).
_NOT_DATA = re.compile(r"(市|町|村|区|県|国|校|園|館|課|局|室|社|店|会|所|場)の名前|(という|同じ|似た)名前|"
                       r"(名前|氏名)((と|や|・)(顔写真|写真|アイコン))?(を|で)?(使っ|使う|使い|用い|騙|かた|名乗)|"
                       r"(名前|氏名)((と|や|・)(顔写真|写真|アイコン))?(で|の)(?=[^。]{0,40}"
                       r"(アカウント|アカ|ページ|チャンネル|グループ|サイト|X|TikTok|インスタ|Instagram|Facebook|"
                       r"FB|LINE|YouTube))|"
                       r"(学校|体育館|公民館|会館|施設|避難所|センター|庁舎|市役所|役場|公園|会場|課|局|署|所)の"
                       r"(住所|電話番号|連絡先|メールアドレス)|"
                       r"(住民票|戸籍|保険証|通知書|証明書)(の写し)?[^。、]{0,3}(コンビニ|無料|発行|手数料|申請|取得|交付|"
                       r"必要|取りに)")
_DENIED_JA = re.compile(r"(その|そのような|そういった)事実は(ありません|ない|なく|ございません)|事実無根")
# A caution or a check (名簿が写り込まないよう確認を, 写っていないか) says nothing is out yet.
_CAUTION_JA = re.compile(rf"({_OUT_JA})(ま|ら|さ|か|わ|が)?(て|で)?(い)?な(いよう|いか|いで)")

_DATA_EN = (r"(home |street )?address(es)?|phone( numbers?)?|mobile( numbers?)?|e-?mail address(es)?|"
            r"dates? of birth|personal (data|information|details)|(full |real )?names?|contact details|"
            r"medical (history|records?)|bank details|income|identity|residents'? (list|data)|my number( ids?)?|"
            r"house|ages?|house numbers?|street names?|diagnos(is|es)|care plans?|case details|consultation notes|"
            r"situation|neighbou?rhood|name tags?|forms?|"
            r"(hiv|health|medical|mental health|immigration|criminal) (status|history|condition)|"
            r"list of (residents|patients|names|applicants|children|families|pupils|members)|"
            r"names?,? (and|&) (phone|mobile|home|e-?mail|contact|address)\w*( numbers?)?")
_PERSON_EN = (r"residents?'?s?|citizens?'?|patients?'?s?|applicants?'?|child(ren)?'?s?|pupils?'?s?|students?'?|"
              r"famil(y|ies)|complainants?'?s?|whistle-?blower'?s?|visitors?'?|members who are private|"
              r"parents'?|tenants?'?s?|new-?borns|him|her|she|he|victims?'?s?|clients?'?s?|borrowers'?|"
              r"users'?|callers?'?s?|(wo)?m[ae]n who \w+")
_VERB_EN = (r"leak(ed|ing)?|expos(ed|ing)|posted|published|shared|doxx(ed|ing)?|out there|circulat(ed|ing)|emailed|"
            r"sent|shows?|showing|visible|appeared|revealed|attached|caption|describes|wrote|gives|replied|"
            r"include[sd]?|listing|lost|stolen|named|went to|give|gave|showed|shown|left (on|at|in|behind)|"
            r"mention(s|ed)?")
_EN_STRONG = re.compile(
    r"\b(?!(full |real )?names?\b(?!,? (and|&) )|house\b|ages?\b|phone\b|income\b|identity\b|address(es)?\b|forms?\b)"
    rf"({_DATA_EN})\b.{{0,60}}?\b({_VERB_EN})\b|\b({_VERB_EN})\b.{{0,60}}?\b"
    r"(?!(full |real )?names?\b(?!,? (and|&) )|house\b|ages?\b|phone\b|income\b|identity\b|address(es)?\b|forms?\b)"
    rf"({_DATA_EN})\b|\bdoxx(ed|ing)?\b", re.IGNORECASE)
_EN_DETAIL = re.compile(rf"\b({_DATA_EN})\b", re.IGNORECASE)
_EN_PERSON = re.compile(rf"\b({_PERSON_EN})\b", re.IGNORECASE)
_EN_VERB = re.compile(rf"\b({_VERB_EN})\b", re.IGNORECASE)
_EN_ASTRAY = re.compile(r"wrong (recipient|person|address|family|resident|attachment|spreadsheet|file|document|"
                        r"list|door|letterbox|mailbox|house)|(sent|went) to (another|the wrong|a different)",
                        re.IGNORECASE)
_EN_PRIVATE = re.compile(r"\b(his|her|their|a staff member's|an? \w+'s) (own |(own )?(personal|private) )"
                         r"(account|facebook|instagram|x|blog|tiktok|page)", re.IGNORECASE)
_EN_CASE = re.compile(r"\b(patients?'?s?|famil(y|ies)|visited|case|clients?'?s?|pupils?|students?|transported)\b",
                      re.IGNORECASE)
_EN_ADDRESS = re.compile(r"\b(where|house) (he|she|they|the \w+) lives?\b|\bwhere [\w ]{1,30}? lives?\b|"
                         r"\baddress(es)? of (the|a|an|that|this) (\w+ )?(man|woman|family|person|resident|couple|"
                         r"boy|girl|complainant|owner|child)\b", re.IGNORECASE)
_NOT_EN = re.compile(r"\b(not|no|never|nothing|isn't|wasn't|aren't|weren't)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"[。．！？!?\n]|\.\s")

# A phone number in the report is data itself, whatever the verbs say: a mobile number is a person's; a landline
# is an office's unless written right after a person (田中さん（0166-…）), since offices publish theirs. Digits in
# kanji (〇九〇) are read as digits; a dash may be a space, a ー or a ・.
_KANJI_DIGITS = str.maketrans("〇一二三四五六七八九", "0123456789")
_DASH = "[-‐−ー ・.の]"
_MOBILE = re.compile(rf"(?<!\d)(0|\+81{_DASH}?)[5789]0{_DASH}?\d{{4}}{_DASH}?\d{{4}}(?!\d)")
_PERSON_PHONE = re.compile(rf"(さん|様|氏|くん|ちゃん)\s*[（(:：]?\s*0\d{{1,4}}{_DASH}\d{{1,4}}{_DASH}\d{{3,4}}(?!\d)")
# Any number, in a sentence that names a person (not an office: 市民課) and says it is out: 申請者の…0166-… が晒され.
_PHONE = re.compile(rf"(?<!\d)0\d{{1,4}}{_DASH}\d{{1,4}}{_DASH}\d{{3,4}}(?!\d)")
# 個人番号 (12 digits) named as such.
_MY_NUMBER = re.compile(rf"(マイナンバー|個人番号|my number).{{0,12}}?(?<!\d)\d{{4}}{_DASH}?\d{{4}}{_DASH}?"
                        r"\d{4}(?!\d)", re.IGNORECASE)

# A house-level address (春光台1条2丁目3-4, 緑町2-14-7, 4番12号): a person's when the sentence names a person or labels
# it 住所: (an office's address is its building's: 総合庁舎, 会館 next to it). Dates (2026-12-06), phone numbers (0…)
# and incident numbers (2026-1207-003) are not addresses.
_HOUSE = re.compile(r"\d+条(通)?\d+丁目\s?\d+(-\d+|番(地)?)|\d+丁目\s?\d+(-\d+|番(地)?)|"
                    r"(?<![\d/.:#=-])[1-9]\d{0,2}-\d{1,4}-\d{1,4}(?![\d-])|\d+番地|\d+番\d+号")
_HOUSE_OWNER = re.compile(r"住所\s*[:：]?\s*([一-龥]{1,4}[市町村区])?[^\s]{0,8}?\d|氏名|"
                          r"(?<![A-Za-z])(Mr|Ms|Mrs|Miss|Dr)\.?\s+[A-Z]|\b(resident|family|tenant|"
                          r"complainant|woman|man|her|his)\b")
_BUILDING = re.compile(r"庁舎|市役所|役場|会館|センター|公園|体育館|図書館|学校|病院|施設|会場|駅|ホール|ビル(?!ー)|"
                       r"支所|出張所|office|hall|station|library|cent(er|re)", re.IGNORECASE)
# A birth date written out (生年月日 S45.3.2, H12.4.18生まれ), a pupil by class (3年2組の鈴木くん), a number on a
# person's insurance, pension or account, and a bare number grouped as a 個人番号 (1234 5678 9012) next to a person
# (not 受付番号 0007-1234-5678).
_ERA = "|".join(("S", "H", "R", "T", "M", *(name for _, name, _ in ERAS)))  # the era names from bot/wareki.py
_BIRTH_DATE = re.compile(rf"(生年月日|誕生日)\s*[:：は]?\s*({_ERA})?\s?"
                         r"\d{1,4}[.・/年-]\d{1,2}|"
                         rf"(?<![A-Za-z])({_ERA})\s?\d{{1,2}}[.・/年]\d{{1,2}}[.・/月]\d{{1,2}}日?\s*(生|産)")
_PUPIL = re.compile(r"\d年\d{1,2}組の?[^。、]{0,8}?(さん|くん|君|ちゃん|様)")
_NUMBERED = re.compile(r"(被保険者|保険者|受給者|基礎年金|年金|口座|免許証|旅券)番号\s*[:：は]?\s*\d{4,}|"
                       r"(普通|当座)(預金)?\s*(口座)?\s*\d{6,8}(?!\d)")
_TWELVE = re.compile(r"(?<![\d/=.-])\d{4}[ -]\d{4}[ -]\d{4}(?![\d-])")
# An email address written out is a person's (like a mobile number) unless it is an office's (a role name such as
# info@ or sakuradai.koho@, a public body's domain), an impersonator's or a scam's, or an account's (変更, 転送).
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]{1,64})@([\w-]+(\.[\w-]+)+)")
_ROLE_MAIL = re.compile(r"(?<![a-z])(info|support|contact|kou?hou?|admin|webmaster|office|help|press|soudan|"
                        r"no-?_?reply|mail|"
                        r"inquiry|o?toiawase|uketsuke|madoguchi|desk|service|team|staff|city|security|account|"
                        r"notif\w*|alert|news|koho-?ka)(?![a-z])", re.IGNORECASE)
_PUBLIC_DOMAIN = re.compile(r"\.(lg|go|ed)\.jp$|^(city|town|vill|pref)\.", re.IGNORECASE)
_FAKE = re.compile(r"偽|なりすまし|成りすまし|詐欺|フィッシング|騙|fake|scam|phishing|spoof|impersonat|"
                   r"変更され|転送|再設定|ログイン|パスワード|認証|乗っ取|差出人|件名|送信元|"
                   r"forward|recovery|password|sign-?in|changed to", re.IGNORECASE)

# An office's own contacts (the library's email address) are published on purpose.
_OFFICE_EN = re.compile(r"\b(office|department|city|council|hall|cent(er|re)|library|school|desk|clinic)('s)? "
                        r"(e-?mail address|phone number|address|number)", re.IGNORECASE)

# Gates that skip scans which cannot match, so each verdict stays the same (tests/test_s21_cpu2.py proves it): every
# English pattern needs a Latin letter (the class takes the same IGNORECASE letters, K and ſ among them), every
# number a digit, and _JA_RECORD, _JA_DETAIL, _CAUTION_JA and _JA_OUT an out-word (_OUT_JA has no lookaround and no
# digit, so it is found in the sentence before and after kanji digits are read).
_LATIN = re.compile("[a-z]", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_OUT_ANY = re.compile(_OUT_JA)


def exposes_personal_data(text: str) -> bool:
    """True when a sentence says personal data is out (晒されている, 誤送信, in a photo, leaked) or holds a
    person's phone number or 個人番号."""
    folded = _NOT_DATA.sub("〇〇", _QUOTED.sub(_topic_only, unicodedata.normalize("NFKC", text)))
    latin = bool(_LATIN.search(folded))
    if latin:
        folded = _OFFICE_EN.sub("the office's contact", folded)
    astray = bool(_ASTRAY_JA.search(folded) or (latin and _EN_ASTRAY.search(folded)))
    lost = bool(_OUT_LOST.search(folded))
    private = bool(_PRIVATE_ACCOUNT.search(folded) or (latin and _EN_PRIVATE.search(folded)))
    for sentence in _SENTENCES.split(folded):
        out = bool(_OUT_ANY.search(sentence))
        if _DENIED_JA.search(sentence) or (out and _CAUTION_JA.search(sentence)) or _ASKED_JA.search(sentence):
            continue
        if lost and _JA_HELD.search(sentence) and (_JA_PERSON.search(sentence) or _JA_RECORD_ONLY.search(sentence)):
            return True
        if _japanese(sentence, astray=astray, private=private, out=out):
            return True
        digits = sentence.translate(_KANJI_DIGITS)
        if _DIGIT.search(digits) and _numbers(digits, out=out):
            return True
        if latin and _LATIN.search(sentence) and _english(sentence, astray=astray, private=private):
            return True
    return False


def _topic_only(quote: re.Match[str]) -> str:
    """A quoted complaint or rumour that says nothing is out (「個人情報を書かされた」): its 個人情報 is a topic."""
    return quote.group(0) if _JA_OUT.search(quote.group(0)) else _TOPICS.sub("〇〇", quote.group(0))


def _japanese(sentence: str, *, astray: bool, private: bool, out: bool = True) -> bool:
    """A Japanese sentence saying a person's data is out (the report's misdirection, private account and whether
    it holds an out-word given)."""
    person = _JA_PERSON.search(sentence)
    if (out and _JA_RECORD.search(sentence)) or _ADDRESS_PERSON.search(sentence) or _JA_NAME.search(sentence):
        return True
    if "丁目" in sentence and _BLOCK_HOME.search(sentence):
        return True
    if ("が出" in sentence and _JA_OUT_SHORT.search(sentence)) or (person and _IDENTIFIED.search(sentence)):
        return True
    if out and person and _JA_DETAIL.search(sentence):
        return True
    # A letter counts in the sentence that sends it astray; a person or their data anywhere in the report.
    if astray and (person or _JA_RECORD_ONLY.search(sentence) or _JA_DETAIL_ANY.search(sentence)
                   or (_ASTRAY_JA.search(sentence) and _JA_LETTER.search(sentence))):
        return True
    if _SENT_BY_MISTAKE.search(sentence) and _JA_LETTER_OR_RECORD.search(sentence):
        return True
    return private and bool(_CASE_JA.search(sentence))


def _numbers(sentence: str, *, out: bool = True) -> bool:
    """A mobile number, a number right after a person, a number said to be out next to a person, a 個人番号."""
    if _MOBILE.search(sentence) or _PERSON_PHONE.search(sentence) or _MY_NUMBER.search(sentence):
        return True
    if _BIRTH_DATE.search(sentence) or _PUPIL.search(sentence) or _NUMBERED.search(sentence):
        return True
    if _TWELVE.search(sentence) and _JA_PERSON.search(sentence):
        return True
    house = _HOUSE.search(sentence)
    if house and not _BUILDING.search(sentence[max(0, house.start() - 12):house.end() + 12]) and (
            _JA_PERSON.search(sentence) or _HOUSE_OWNER.search(sentence)):
        return True
    return bool(out and _PHONE.search(sentence) and _JA_PERSON.search(sentence) and _JA_OUT.search(sentence))


def _english(sentence: str, *, astray: bool, private: bool) -> bool:
    """An English sentence saying a person's data is out, unless it says it was not (or a person's email address)."""
    if "@" in sentence and not _FAKE.search(sentence) and any(
            not _ROLE_MAIL.search(found.group(1)) and not _PUBLIC_DOMAIN.search(found.group(2))
            for found in _EMAIL.finditer(sentence)):
        return True
    found = _EN_STRONG.search(sentence)
    if found and not _NOT_EN.search(sentence[max(0, found.start() - 30):found.end()]):
        return True
    if _NOT_EN.search(sentence):
        return False
    person = _EN_PERSON.search(sentence)
    if person and _EN_DETAIL.search(sentence) and (_EN_VERB.search(sentence) or astray):
        return True
    if _EN_ADDRESS.search(sentence):
        return True
    return (astray and bool(person)) or (private and bool(_EN_CASE.search(sentence)))
