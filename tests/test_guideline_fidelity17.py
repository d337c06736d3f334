"""Session 17 fidelity audit: steps say only what their cited clause says, in Japanese and English alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile
from bot.triage.templating import sample_context

PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"
EVERY_BRANCH = {
    "is_own_error": "factual",
    "needs_time": "yes",
    "account_type": "personal",
    "where_posted": "own_account",
    "is_malicious": "yes",
    "personal_data": "yes",
    "leak_category": "personal_data",
}


def _step(
    library: PlaybookLibrary, profiles: dict[str, Profile], pid: str, kind: str, step_id: str, locale: str = "ja"
):
    context = sample_context(kind, library.playbook(kind).title(locale), EVERY_BRANCH) | {"locale": locale}
    return library.render_step(kind, step_id, profiles[pid], context, locale)


def test_asahikawa_private_post_in_english_adds_no_duty_of_8_1_ka(library, profiles) -> None:
    """#1: 8(1)カ says 誠実に対応…正しく理解されるよう努める; 'admit it frankly, respond promptly' is 浦臼町 8(3)①."""
    en = _step(library, profiles, "asahikawa", "flaming", "own_private_post", "en").instructions
    assert "frankly" not in en and "promptly" not in en
    assert "sincerely" in en and "understood correctly" in en
    urausu = _step(library, profiles, "urausu", "flaming", "own_private_post", "en").instructions
    assert "frankly" in urausu and "promptly" in urausu


@pytest.mark.parametrize("kind", ["flaming", "impersonation"])
def test_chikugo_report_title_says_only_consult(library, profiles, kind: str) -> None:
    """#2: 筑後市 3 says 総務広報課長に協議する — no 報告; the other kinds' titles already say 協議する."""
    assert _step(library, profiles, "chikugo", kind, "report").title == "協議する"
    assert _step(library, profiles, "chikugo", kind, "report", "en").title == "Consult"


@pytest.mark.parametrize("pid", ["asahikawa", "urausu", "iwaki", "chikugo"])
@pytest.mark.parametrize("kind", ["misinformation", "leak", "account_takeover"])
def test_report_sentences_are_apart_in_english(library, profiles, pid: str, kind: str) -> None:
    """#3: 'Report it to the … at once.The bot notifies them as well.' — two sentences run together."""
    base = profiles[pid].base or pid
    if not library.playbook(kind).step("report").applies_to(base):
        pytest.skip("no report step")
    en = _step(library, profiles, pid, kind, "report", "en").instructions
    assert ".The bot" not in en and "The bot notifies" in en


def test_chikugo_leak_identify_cites_a_principle_not_a_prohibition(library, profiles) -> None:
    """#4: 筑後市 4(3) is a 基本原則 (権利を侵害しない・法令を遵守する), not a list of what may not be posted."""
    for locale, banned in (("ja", "発信が禁じられている"), ("en", "forbids posting")):
        text = _step(library, profiles, "chikugo", "leak", "identify", locale).instructions
        assert banned not in text, locale
    ja = _step(library, profiles, "chikugo", "leak", "identify").instructions
    assert "4(3)" in ja and "個人情報保護" in ja and "権利を侵害" in ja
    assert "法令に反する情報" not in ja


def test_asahikawa_leak_identify_keeps_8_2_e_a_duty_of_care(library, profiles) -> None:
    """#5: 8(2)ア–ウ say 発信してはならない, 8(2)エ only 留意しなければならない."""
    ja = _step(library, profiles, "asahikawa", "leak", "identify").instructions
    assert "発信が禁じられているどの情報" not in ja
    assert "取扱いに留意" in ja
    en = _step(library, profiles, "asahikawa", "leak", "identify", "en").instructions
    assert "forbids posting the leaked" not in en and "care" in en


@pytest.mark.parametrize(
    ("kind", "step_id"), [("flaming", "fix_and_apologise"), ("misinformation", "publish_correct_info")]
)
def test_iwaki_account_manager_is_not_told_to_ask_itself(library, profiles, kind: str, step_id: str) -> None:
    """#6: the step is the アカウント管理者's (第7); 第5 1(4) binds the 職員 who post, and 第5 3(1) has an exception."""
    step = _step(library, profiles, "iwaki", kind, step_id)
    assert step.actor_label == "アカウント管理者"
    assert "アカウント管理者の許可を得て行い" not in step.instructions
    assert "アカウント管理者以外の職員が発信する場合" in step.instructions
    assert "特定のキャラクター" in step.instructions
    en = _step(library, profiles, "iwaki", kind, step_id, "en").instructions
    assert "other than the account manager" in en and "character" in en


def test_chikugo_holding_reply_labels_the_post_as_general_practice(library, profiles) -> None:
    """#7: neither 6(2) nor 5(3) says the explanation goes in a post; that reconciliation is general practice."""
    ja = _step(library, profiles, "chikugo", "flaming", "holding_reply").instructions
    assert "説明は公式アカウントからの投稿で行ってください" not in ja
    assert "（一般的な対応）" in ja
    en = _step(library, profiles, "chikugo", "flaming", "holding_reply", "en").instructions
    assert "(General practice)" in en


def test_iwaki_press_step_title_says_what_3_2_says(library, profiles) -> None:
    """#8: いわき市 第7 3(2): 信用できる機関やメディアを通じ…注意喚起 — not 報道機関へ情報提供."""
    step = _step(library, profiles, "iwaki", "impersonation", "press")
    assert step.title == "必要に応じて信用できる機関やメディアを通じて注意喚起する"
    assert "trustworthy" in _step(library, profiles, "iwaki", "impersonation", "press", "en").title


def test_asahikawa_takeover_note_names_the_clauses_the_notice_rests_on(library, profiles) -> None:
    """#9: the notice cites 7(1)エ、7(2)ア、7(3)イ (first_notice_basis); the step's note named only two."""
    clauses, _ = library.first_notice_basis("account_takeover", profiles["asahikawa"])
    note = _step(library, profiles, "asahikawa", "account_takeover", "report").fallback_note
    assert "、".join(clauses) in note
    en = _step(library, profiles, "asahikawa", "account_takeover", "report", "en").fallback_note
    assert ", ".join(clauses) in en


@pytest.mark.parametrize(
    ("pid", "clause"), [("asahikawa", "7(1)ア"), ("urausu", "7(2)①"), ("iwaki", "第7 2(1)"), ("chikugo", "6(2)")]
)
def test_flaming_donts_say_refrain_as_all_four_clauses_do(library, profiles, pid: str, clause: str) -> None:
    """#10: every guideline says 反論や抗弁は控え(る); the bot said 反論や抗弁はしない / はせず."""
    step = _step(library, profiles, pid, "flaming", "stay_calm")
    assert f"反論や抗弁は控える（{clause}）。" in step.donts
    assert "反論や抗弁はせず" not in step.instructions and "反論や抗弁は控え" in step.instructions
    en = _step(library, profiles, pid, "flaming", "stay_calm", "en")
    assert f"Refrain from rebutting or arguing back ({clause})." in en.donts


def test_urausu_misinformation_dont_says_avoid_as_5_3_does(library, profiles) -> None:
    """#11: 5(3): その場の判断で否定や反論することは避ける."""
    step = _step(library, profiles, "urausu", "misinformation", "report")
    assert "その場の判断で否定や反論することは避ける（5(3)）。" in step.donts


def test_asahikawa_leak_report_draft_says_the_guideline_names_no_recipient(library, profiles) -> None:
    """#12: 旭川市 names no one for a leak; the internal report's 報告先 read as the guideline's addressee."""
    context = sample_context("leak", "情報漏えい", EVERY_BRANCH) | {"locale": "ja"}
    text = library.render_draft("leak", "leak_internal_report", profiles["asahikawa"], context, "ja").text
    assert "報告先: 広報広聴課（ガイドラインには情報漏えいの報告先の定めがありません）" in text
    en = library.render_draft(
        "leak", "leak_internal_report", profiles["asahikawa"], context | {"locale": "en"}, "en"
    ).text
    assert "the guideline names no one to report a leak to" in en
    urausu = library.render_draft("leak", "leak_internal_report", profiles["urausu"], context, "ja").text
    assert "定めがありません" not in urausu


def test_chikugo_publishing_correct_information_is_labelled_general_practice(library, profiles) -> None:
    """#13: 筑後市 has no rule on third parties' false posts; 3 says 協議, the publishing is general practice."""
    ja = _step(library, profiles, "chikugo", "misinformation", "publish_correct_info").instructions
    assert "（一般的な対応）" in ja and "総務広報課長に協議してください" in ja
    assert (
        "(General practice)"
        in _step(library, profiles, "chikugo", "misinformation", "publish_correct_info", "en").instructions
    )


@pytest.mark.parametrize(
    ("pid", "clause", "words"),
    [
        ("asahikawa", "8(1)カ", ["意図せずに他者を傷つけたり", "正しく理解されるよう努めなければならない"]),
        ("urausu", "8(3)①", ["正しく理解されるよう努める"]),
    ],
)
def test_profile_clause_text_keeps_the_duty_the_step_relies_on(
    profiles, pid: str, clause: str, words: list[str]
) -> None:
    """#14: the profiles' clause texts dropped the duty own_private_post states (正しく理解されるよう努める)."""
    text = profiles[pid].clause_text(clause)
    for word in words:
        assert word in text, word


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_asahikawa_press_material_is_information_as_7_2_i_says(library, profiles, locale: str) -> None:
    """#15: 旭川市 7(2)イ: 報道機関などへの情報提供を検討する — no 注意喚起, which is 浦臼町 7(3)② and 筑後市 6(3)."""
    context = sample_context("impersonation", "なりすまし", EVERY_BRANCH) | {"locale": locale}
    text = library.render_draft("impersonation", "press_release", profiles["asahikawa"], context, locale).text
    urausu = library.render_draft("impersonation", "press_release", profiles["urausu"], context, locale).text
    if locale == "ja":
        assert "注意喚起" not in text and "（情報提供）" in text
        assert "（注意喚起）" in urausu
    else:
        assert "warn" not in text.lower() and "for your information" in text
        assert "help warn" in urausu


def test_flaming_stay_calm_title_says_refrain_as_the_clauses_do(library, profiles) -> None:
    """Fidelity s17 #19: the title said 「反論せず」 (do not) where every clause says 控える (refrain)."""
    for pid in ("asahikawa", "urausu", "iwaki", "chikugo"):
        step = _step(library, profiles, pid, "flaming", "stay_calm")
        assert "控え" in step.title and "反論せず" not in step.title
