"""Session 21 fidelity audit: titles, conditions and drafts say only what their cited clause says."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.triage.playbook import PlaybookLibrary
from bot.triage.profiles import Profile

PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"
JST = timezone(timedelta(hours=9))


def _context(**answers: str) -> dict[str, Any]:
    return {
        "incident": {"ref": "INC-0001", "source_url": "https://x.com/a/status/1", "platform": "X",
                     "department": "観光課", "reported_at": datetime(2026, 12, 5, 10, 0, tzinfo=JST),
                     "reporter_name": "山田 花子"},
        "answers": answers, "severity": "high", "now": datetime(2026, 12, 5, 11, 0, tzinfo=JST),
    }


def _shown(library: PlaybookLibrary, profile: Profile, kind: str, locale: str = "ja", **answers: str):
    context = _context(**answers)
    return {step.id: library.render_step(kind, step.id, profile, context, locale)
            for step in library.applicable_steps(kind, profile, context)}


def test_asahikawa_wording_is_not_corrected_as_wrong_information(library, profiles) -> None:
    """#18 (s17): 7(1)イ is for 誤った情報を発信した場合; 不適切な表現 falls under 8(1)カ (誠実に対応…)."""
    shown = _shown(library, profiles["asahikawa"], "flaming", is_own_error="wording", account_type="official",
                   needs_time="no")
    assert "correct_without_deleting" not in shown
    texts = [t for view in shown.values() for t in (view.title, view.instructions, *(d.text for d in view.drafts))]
    assert not any("誤りがありました" in t for t in texts)
    sincere = [v for v in shown.values() if "旭川市ガイドライン 8(1)カ" in v.citations]
    assert len(sincere) == 1
    assert "誠実に対応するとともに、正しく理解されるよう努めて" in sincere[0].instructions
    assert "所属長" in sincere[0].instructions and "旭川市ガイドライン 5(2)ア" in sincere[0].citations
    factual = _shown(library, profiles["asahikawa"], "flaming", is_own_error="factual", account_type="official")
    assert "correct_without_deleting" in factual


def test_asahikawa_private_post_is_not_corrected_under_the_divisions_approval(library, profiles) -> None:
    """#18 (s17): chapter 7 is about the official account; a private post is 8(1)カ (the poster), not 所属長の決裁."""
    shown = _shown(library, profiles["asahikawa"], "flaming", is_own_error="factual", account_type="personal")
    assert "correct_without_deleting" not in shown and "own_private_post" in shown


def test_urausu_private_post_gets_no_apology_from_the_official_account(library, profiles) -> None:
    """New #4: 7(2)② is for the town's accounts; a private post is 8(3)① — no 「浦臼町の公式アカウント…お詫び」."""
    shown = _shown(library, profiles["urausu"], "flaming", is_own_error="factual", account_type="personal")
    assert "fix_and_apologise" not in shown and "own_private_post" in shown
    official = _shown(library, profiles["urausu"], "flaming", is_own_error="factual", account_type="official")
    assert "fix_and_apologise" in official


def test_impersonation_warning_title_names_no_single_place(library, profiles) -> None:
    """#16 (s17): いわき市 第7 3(1) 「市公式ホームページや当該ソーシャルメディアで周知」 — not the website only."""
    for locale, website in (("ja", "ホームページ掲載用"), ("en", "for the website")):
        view = library.render_draft("impersonation", "impersonation_warning", profiles["iwaki"], _context(), locale)
        assert website not in view.title
    step = _shown(library, profiles["iwaki"], "impersonation")["homepage_notice"]
    assert "当該ソーシャルメディア" in step.title


def test_urausu_takeover_reads_5_3_as_its_leak_does(library, profiles) -> None:
    """#17 (s17): 5(3) 町に関する重要な記述 is read alike for a leak, flaming and a takeover: the notice cites it."""
    profile = profiles["urausu"]
    for kind in ("flaming", "leak", "account_takeover"):
        assert library.first_notice_basis(kind, profile) == (["5(3)"], True), kind
    step = _shown(library, profile, "account_takeover")["report"]
    assert "浦臼町ガイドライン 5(3)" in step.citations


@pytest.mark.parametrize(("pid", "ja", "en"), [
    ("asahikawa", "必要に応じて報道機関などへの情報提供を検討する", "consider"),
    ("urausu", "必要に応じて報道機関に資料提供などを行い、注意喚起する", "warn"),
    ("chikugo", "必要に応じて報道機関に資料提供などを行い、注意喚起する", "warn"),
])
def test_press_title_is_the_clauses_own(library, profiles, pid: str, ja: str, en: str) -> None:
    """New #1: 旭川市 7(2)イ says 情報提供を検討する; 浦臼町 7(3)② / 筑後市 6(3) 資料提供…注意喚起を行う."""
    assert _shown(library, profiles[pid], "impersonation")["press"].title == ja
    assert en in _shown(library, profiles[pid], "impersonation", "en")["press"].title.lower()


def test_chikugo_misinformation_title_does_not_state_publishing_as_a_rule(library, profiles) -> None:
    """New #2: 筑後市 has no rule on third parties' false posts; the step body is 3 協議 + 一般的な対応."""
    step = _shown(library, profiles["chikugo"], "misinformation")["publish_correct_info"]
    assert step.title != "正しい情報を発信する"
    assert "協議" in step.title and "一般的な対応" in step.title


def test_urausu_general_rule_avoids_rather_than_forbids(profiles) -> None:
    """New #3: 5(3) 「その場の判断で否定や反論することは避ける」, as s17 #11 fixed in the step."""
    rule = profiles["urausu"].general_rule
    assert "否定や反論することは避け" in rule.get("ja") and "せず" not in rule.get("ja")
    assert "avoid" in rule.get("en")


def test_asahikawa_flaming_report_title_keeps_where_needed(library, profiles) -> None:
    """New #5: 7(1)エ 「状況を広報広聴課へ報告し、必要に応じて対応を協議する」 — the title dropped 必要に応じて."""
    assert "必要に応じて" in _shown(library, profiles["asahikawa"], "flaming")["report"].title
    assert "where needed" in _shown(library, profiles["asahikawa"], "flaming", "en")["report"].title.lower()


def test_asahikawa_deletion_request_title_is_agreed_first(library, profiles) -> None:
    """New #6: 7(2)ア 「運用者・管理者に削除依頼を行うなどの対応を協議する」 — a response agreed, not a step alone."""
    title = _shown(library, profiles["asahikawa"], "impersonation")["deletion_request"].title
    assert "協議" in title and "運用者・管理者" in title


def test_urausu_private_finding_is_not_said_to_go_to_both(library, profiles) -> None:
    """New #7: 8(3)④ 私的利用中のなりすまし → 所属課局長; the step said 「私的な利用中に見つけた場合も同じです」."""
    text = _shown(library, profiles["urausu"], "impersonation")["report"].instructions
    assert "も同じです" not in text
    assert "8(3)④" in text and "所属課局長に報告" in text


@pytest.mark.parametrize("pid", ["urausu", "iwaki", "chikugo"])
def test_correction_notice_for_wording_does_not_say_error(library, profiles, pid: str) -> None:
    """New #8: 不適切な表現 is 問題となった部分 (7(2)② / 第7 2(2) / 6(2)); the 訂正文 said 誤りがありました."""
    step = _shown(library, profiles[pid], "flaming", is_own_error="wording", account_type="official")[
        "fix_and_apologise"]
    [notice] = [d for d in step.drafts if d.id == "correction_notice"]
    assert "誤り" not in notice.text and "（誤）" not in notice.text and "不適切な表現" in notice.text
    factual = _shown(library, profiles[pid], "flaming", is_own_error="factual", account_type="official")[
        "fix_and_apologise"]
    assert any("（誤）" in d.text for d in factual.drafts)


def test_asahikawa_takeover_names_the_review_committee(library, profiles) -> None:
    """New #9: 9 「ソーシャルメディアの利用に支障を来す場合は…審査委員会に諮り…協議することができる」 — unused for a
    takeover, the plainest case of impaired use."""
    shown = _shown(library, profiles["asahikawa"], "account_takeover")
    assert any("旭川市ガイドライン 9" in v.citations and "できます" in v.instructions for v in shown.values())


@pytest.mark.parametrize(("pid", "clause", "whom"), [("iwaki", "いわき市ガイドライン 第10", "ふるさと発信課長"),
                                                     ("chikugo", "筑後市ガイドライン 3", "総務広報課長")])
def test_private_post_where_the_guideline_covers_only_work_use(library, profiles, pid: str, clause: str,
                                                               whom: str) -> None:
    """L1 → fixed: いわき市 (第3) and 筑後市 (前文) cover work use only; a private post got the official account's
    お詫び文. Matters the guideline does not cover go to 第10 / 3."""
    shown = _shown(library, profiles[pid], "flaming", is_own_error="factual", account_type="personal")
    assert "fix_and_apologise" not in shown
    step = shown["private_post_consult"]
    assert clause in step.citations and whom in step.instructions and "私的な投稿" in step.instructions
    official = _shown(library, profiles[pid], "flaming", is_own_error="factual", account_type="official")
    assert "fix_and_apologise" in official and "private_post_consult" not in official


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_iwaki_press_material_is_addressed_to_bodies_and_media_as_3_2_says(library, profiles, locale: str) -> None:
    """いわき市 第7 3(2): 信用できる機関やメディアを通じ注意喚起 — the draft was addressed to the press alone."""
    context = _context(official_url="https://x.com/city", actions_taken="削除依頼")
    iwaki = library.render_draft("impersonation", "press_release", profiles["iwaki"], context, locale).text
    urausu = library.render_draft("impersonation", "press_release", profiles["urausu"], context, locale).text
    if locale == "ja":
        assert "関係機関・報道機関各位" in iwaki and "関係機関" not in urausu and "報道機関各位" in urausu
    else:
        assert "To trusted organisations and the press" in iwaki and "To the press" in urausu
