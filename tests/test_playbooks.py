"""Playbooks: faithful citations per profile × kind, rendering, drafts and load-time validation."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.ports import DraftView, InputSpec
from bot.triage.playbook import PlaybookError, PlaybookLibrary, load_library
from bot.triage.profiles import Profile, profile_from_dict

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOKS = ROOT / "playbooks"
JST = timezone(timedelta(hours=9))
KINDS = ["flaming", "impersonation", "misinformation", "leak", "account_takeover"]
PROFILES = ["asahikawa", "urausu", "iwaki", "chikugo"]

# The clauses each cell of the seeds README table names (trouble rules, who is told first, corrections,
# replies that take time, passwords). Every one must be cited by some applicable step.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("flaming", "asahikawa"): {"7(1)ア", "7(1)イ", "7(1)ウ", "7(1)エ", "6(1)", "6(2)"},
    ("flaming", "urausu"): {"7(2)①", "7(2)②", "7(2)③", "7(1)①", "7(1)②"},
    ("flaming", "iwaki"): {"第7", "第7 2(1)", "第7 2(2)", "第7 2(3)", "第5 3(2)", "第5 3(3)"},
    ("flaming", "chikugo"): {"6(2)", "6(1)"},
    ("impersonation", "asahikawa"): {"7(2)ア", "7(2)イ"},
    ("impersonation", "urausu"): {"7(3)①", "7(3)②", "5(3)", "8(3)④"},
    ("impersonation", "iwaki"): {"第7", "第7 3(1)", "第7 3(2)"},
    ("impersonation", "chikugo"): {"6(3)"},
    ("misinformation", "asahikawa"): {"7(3)ア", "7(3)イ"},
    ("misinformation", "urausu"): {"5(3)"},
    ("misinformation", "iwaki"): {"第7", "第7 4"},
    ("misinformation", "chikugo"): {"3"},  # the guideline is silent: 3 (consult 総務広報課長)
    ("leak", "asahikawa"): {"3", "8(2)ア", "8(2)イ", "8(2)ウ", "8(2)エ"},
    ("leak", "urausu"): {"6(2)", "8(2)①"},
    ("leak", "iwaki"): {"第7 1", "第5 2(2)"},
    ("leak", "chikugo"): {"4(3)"},
    ("account_takeover", "asahikawa"): {"6(8)"},
    ("account_takeover", "iwaki"): {"第4 3(1)", "第4 3(2)"},
    ("account_takeover", "urausu"): {"5(3)"},  # report: 町に関する重要な記述 (as for a leak); the rest is practice
    ("account_takeover", "chikugo"): {"3"},  # silent: 3 (consult 総務広報課長)
}
# Cells where the guideline has no rule: every step says so (general practice or clause 3).
SILENT = {("misinformation", "chikugo"), ("account_takeover", "chikugo")}
PREFIX = {"asahikawa": "旭川市", "urausu": "浦臼町", "iwaki": "いわき市", "chikugo": "筑後市"}
ALL_YES = {
    "is_own_error": "factual",
    "account_type": "official",
    "where_posted": "own_account",
    "use_impaired": "yes",
    "needs_time": "yes",
    "is_malicious": "yes",
    "spread": "large",
    "press": "yes",
    "personal_data": "yes",
}


def context(
    kind: str, answers: dict[str, str] | None = None, severity: str = "high", locale: str = "ja"
) -> dict[str, Any]:
    return {
        "incident": {
            "ref": "INC-0012",
            "kind": kind,
            "kind_label": kind,
            "severity": severity,
            "severity_label": severity,
            "source_url": "https://x.com/fake_city/status/98765",
            "platform": "X",
            "department": "観光課",
            "reported_at": datetime(2026, 11, 20, 14, 5, tzinfo=JST),
            "reporter_name": "山田 花子",
        },
        "answers": dict(ALL_YES if answers is None else answers),
        "severity": severity,
        "now": datetime(2026, 11, 20, 15, 30, tzinfo=JST),
        "locale": locale,
    }


def walk(
    library: PlaybookLibrary, kind: str, profile: Profile, ctx: dict[str, Any], locale: str = "ja"
) -> list:
    return [
        library.render_step(kind, s.id, profile, ctx, locale)
        for s in library.applicable_steps(kind, profile, ctx)
    ]


def test_library_kinds_and_restriction(library: PlaybookLibrary) -> None:
    assert library.kinds() == KINDS
    assert library.playbook("leak").restricted is True
    assert all(not library.playbook(k).restricted for k in KINDS if k != "leak")
    assert library.playbook("flaming").title("ja") == "炎上"
    assert library.playbook("impersonation").title("en") == "Impersonation"
    with pytest.raises(KeyError):
        library.playbook("earthquake")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("pid", PROFILES)
def test_citations_match_the_guideline_table(
    library: PlaybookLibrary, profiles: dict[str, Profile], kind: str, pid: str
) -> None:
    profile = profiles[pid]
    rendered = walk(library, kind, profile, context(kind))
    assert rendered, "no applicable steps"
    assert rendered[0].step_id == "intake"
    cited = [c for r in rendered for c in r.citations if not c.startswith("一般的な対応（")]
    prefix = f"{PREFIX[pid]}ガイドライン "
    assert all(c.startswith(prefix) for c in cited), cited
    keys = {c.removeprefix(prefix) for c in cited}
    assert EXPECTED[(kind, pid)] <= keys, f"missing {EXPECTED[(kind, pid)] - keys}"
    assert keys <= set(profile.clauses)
    notes = [r.fallback_note for r in rendered]
    if (kind, pid) in SILENT:
        assert all(notes), "every step of a silent guideline must say it falls back"
        assert all(
            note.startswith(f"この手順は{PREFIX[pid]}のガイドラインの定めではなく、一般的な対応です")
            or note.startswith(f"{PREFIX[pid]}のガイドラインには")
            for note in notes
        ), notes
    else:
        assert not all(notes), "a guideline with rules for this kind must not be all fallback"


def test_intake_collects_url_platform_screenshot_and_severity(
    library: PlaybookLibrary, profiles: dict[str, Profile]
) -> None:
    for kind in KINDS:
        for pid in PROFILES:
            intake = library.render_step(kind, "intake", profiles[pid], context(kind), "ja")
            by_id = {i.id: i for i in intake.inputs}
            assert all(isinstance(i, InputSpec) for i in intake.inputs)
            assert by_id["post_url"].type == "url" and by_id["post_url"].required
            assert by_id["platform"].type == "platform"
            assert by_id["screenshot_note"].type == "screenshot_note"
            assert [v for v, _ in by_id["spread"].choices] == ["small", "medium", "large"]
            assert {v for v, _ in by_id["press"].choices} == {"yes", "no", "unknown"}
            assert {v for v, _ in by_id["personal_data"].choices} == {"yes", "no", "unknown"}
            assert by_id["spread"].type == by_id["press"].type == by_id["personal_data"].type == "choice"


def test_flaming_asahikawa_is_faithful(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    steps = {r.step_id: r for r in walk(library, "flaming", profiles["asahikawa"], context("flaming"))}
    assert "旭川市ガイドライン 7(1)イ" in steps["correct_without_deleting"].citations
    assert any("削除" in d for d in steps["correct_without_deleting"].donts)
    assert [d.id for d in steps["correct_without_deleting"].drafts] == ["correction_notice"]
    assert [d.id for d in steps["holding_reply"].drafts] == ["holding_reply"]
    assert "広報広聴課" in steps["report"].instructions
    assert any("反論" in d for d in steps["stay_calm"].donts)
    assert "fix_and_apologise" not in steps  # 旭川市 asks to correct, not to apologise
    assert "旭川市ホームページ掲載事項審査委員会" in steps["review_committee"].instructions


def test_flaming_others_fix_and_apologise(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    for pid in ("urausu", "iwaki", "chikugo"):
        steps = {r.step_id: r for r in walk(library, "flaming", profiles[pid], context("flaming"))}
        assert "correct_without_deleting" not in steps
        assert [d.id for d in steps["fix_and_apologise"].drafts] == ["apology", "correction_notice"]
        assert "review_committee" not in steps
    iwaki = library.render_step("flaming", "fix_and_apologise", profiles["iwaki"], context("flaming"), "ja")
    assert "訂正したことを明記" in iwaki.instructions
    report = library.render_step("flaming", "report", profiles["urausu"], context("flaming"), "ja")
    assert "所属課局長及び総務課" in report.instructions


def test_when_conditions_select_steps(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    calm = {"is_own_error": "no", "needs_time": "no", "spread": "small", "press": "no", "personal_data": "no",
            "account_type": "official"}
    ids = [
        s.id
        for s in library.applicable_steps("flaming", profiles["asahikawa"], context("flaming", calm, "low"))
    ]
    assert ids == ["intake", "report", "stay_calm", "review_committee"]
    ids = [
        s.id for s in library.applicable_steps("flaming", profiles["iwaki"], context("flaming", {}, "medium"))
    ]
    # The holding reply comes before the correction (いわき市 第7 2(3) before 2(2) in time).
    assert ids == ["intake", "report", "stay_calm", "holding_reply", "fix_and_apologise"]
    private = context("flaming", {**ALL_YES, "account_type": "personal"})
    ids = [s.id for s in library.applicable_steps("flaming", profiles["urausu"], private)]
    assert ids[-1] == "own_private_post"  # 浦臼町 8(3)①③: the staff member's own private post


def test_impersonation_variants(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    asahikawa = [s.id for s in library.applicable_steps("impersonation", profiles["asahikawa"], context("x"))]
    assert "homepage_notice" not in asahikawa  # 旭川市 7(2) has no homepage notice
    for pid in PROFILES:
        steps = {
            r.step_id: r for r in walk(library, "impersonation", profiles[pid], context("impersonation"))
        }
        assert [d.id for d in steps["deletion_request"].drafts] == ["deletion_request"]
        assert [d.id for d in steps["press"].drafts] == ["press_release"]
        if pid != "asahikawa":
            assert [d.id for d in steps["homepage_notice"].drafts] == ["impersonation_warning"]


def test_misinformation_variants(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    urausu = {
        r.step_id: r for r in walk(library, "misinformation", profiles["urausu"], context("misinformation"))
    }
    assert "publish_correct_info" not in urausu  # 5(3): do not refute on the spot, report
    assert any("否定や反論" in d for d in urausu["report"].donts)
    assert "所属課局長及び総務課" in urausu["report"].instructions
    chikugo = walk(library, "misinformation", profiles["chikugo"], context("misinformation"))
    assert chikugo[0].fallback_note == "この手順は筑後市のガイドラインの定めではなく、一般的な対応です。"
    assert "総務広報課長に協議" in chikugo[1].fallback_note and chikugo[1].citations == ("筑後市ガイドライン 3",)
    iwaki = library.render_step(
        "misinformation", "publish_correct_info", profiles["iwaki"], context("m"), "ja"
    )
    assert "市公式ホームページ" in iwaki.instructions and iwaki.citations[0] == "いわき市ガイドライン 第7 4"
    # 第7 4 covers the city's own account only; elsewhere the guideline is silent (第10).
    elsewhere = context("misinformation", {**ALL_YES, "where_posted": "elsewhere"})
    ids = [s.id for s in library.applicable_steps("misinformation", profiles["iwaki"], elsewhere)]
    assert "publish_correct_info" not in ids and ids[-1] == "consult_elsewhere"
    # 旭川市 7(3)イ: asked second, since the first notice waits for it; 悪質 is not illustrated.
    asahikawa = walk(library, "misinformation", profiles["asahikawa"], context("misinformation"))
    assert [r.step_id for r in asahikawa][:2] == ["intake", "report_if_malicious"]
    assert "繰り返し" not in asahikawa[1].instructions and "意図的" not in asahikawa[1].instructions
    assert "holding_reply" in [r.step_id for r in asahikawa]  # 6(2) applies to misinformation too


def test_leak_and_takeover_specifics(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    iwaki = library.render_step("leak", "security_policy", profiles["iwaki"], context("leak"), "ja")
    assert "情報流出事案対応マニュアル" in iwaki.instructions and iwaki.fallback_note == ""
    assert iwaki.citations[0] == "いわき市ガイドライン 第7 1"
    for pid in PROFILES:
        steps = {r.step_id: r for r in walk(library, "leak", profiles[pid], context("leak"))}
        # No leak step falls back on the "correct, do not delete" general rule.
        assert all("削除せず" not in r.fallback_note for r in steps.values())
        assert steps["stop_spread"].fallback_note.startswith("この手順は")
        assert "個人情報保護委員会" in steps["affected_people"].instructions
    asahikawa = library.render_step("leak", "report", profiles["asahikawa"], context("leak"), "ja")
    assert "一般的な対応" in asahikawa.fallback_note
    assert asahikawa.citations == ("一般的な対応（旭川市のガイドラインの定めではありません）",)
    takeover = library.render_step(
        "account_takeover", "secure_account", profiles["iwaki"], context("a"), "ja"
    )
    assert "必要最小限" in takeover.instructions and takeover.fallback_note == ""


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("pid", PROFILES)
def test_drafts_render_with_incident_details(
    library: PlaybookLibrary, profiles: dict[str, Profile], pid: str, locale: str
) -> None:
    answers = {
        "wrong_text": "開催日は11月1日",
        "correction_text": "開催日は12月1日",
        "official_url": "https://x.com/city",
        "correct_info": "給付金の申請にSNSは使いません",
        "false_claim": "SNSで給付金を申請できる",
        **ALL_YES,
    }
    seen: set[str] = set()
    for kind in KINDS:
        ctx = context(kind, answers, locale=locale)
        for rendered in walk(library, kind, profiles[pid], ctx, locale):
            for draft in rendered.drafts:
                assert isinstance(draft, DraftView)
                seen.add(draft.id)
                assert draft.title
                assert "INC-0012" in draft.text
                assert "https://x.com/fake_city/status/98765" in draft.text
                assert ("令和8年11月20日" if locale == "ja" else "2026-11-20") in draft.text
                assert "{{" not in draft.text and "{%" not in draft.text and "}}" not in draft.text
    expected = {
        "correction_notice",
        "holding_reply",
        "deletion_request",
        "press_release",
        "leak_internal_report",
        "takeover_notice",
        "fact_notice",
        "apology",
        "impersonation_warning",
    }
    if pid == "urausu":
        expected.discard("fact_notice")  # 5(3): report, do not refute on the spot
    if pid == "asahikawa":
        expected -= {"apology", "impersonation_warning"}  # 7(1)イ corrects; 7(2) has no homepage notice
    assert seen == expected


def test_draft_contents_read_like_the_city(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    answers = {"correction_text": "開催日は12月1日です", "expected_by": "11月21日中", **ALL_YES}
    ctx = context("flaming", answers)
    rendered = library.render_step("flaming", "correct_without_deleting", profiles["asahikawa"], ctx, "ja")
    text = rendered.drafts[0].text
    assert "【訂正】旭川市からのお知らせ" in text and "（正）開催日は12月1日です" in text
    assert "（誤）（未入力: 誤っていた内容）" in text  # a missing answer is a visible placeholder
    holding = library.render_step("flaming", "holding_reply", profiles["urausu"], ctx, "ja").drafts[0].text
    assert "現在、確認しております" in holding and "11月21日中を目途" in holding
    en = (
        library.render_step(
            "impersonation",
            "deletion_request",
            profiles["iwaki"],
            context("impersonation", locale="en"),
            "en",
        )
        .drafts[0]
        .text
    )
    assert "Found on: Fri 2026-11-20 14:05 JST" in en
    ja = (
        library.render_step("impersonation", "deletion_request", profiles["iwaki"], context("x"), "ja")
        .drafts[0]
        .text
    )
    assert "確認日時: 令和8年11月20日（金）14:05" in ja and "いわき市観光課です" in ja


def test_user_text_is_never_evaluated(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    answers = {
        "correction_text": "{{ 7*7 }} {% if true %}x{% endif %}",
        "wrong_text": "{{ profile.clauses }}",
        **ALL_YES,
    }
    ctx = context("flaming", answers)
    ctx["incident"]["department"] = "{{ 6*7 }}課"
    rendered = library.render_step("flaming", "correct_without_deleting", profiles["asahikawa"], ctx, "ja")
    text = rendered.drafts[0].text
    assert "（正）{{ 7*7 }} {% if true %}x{% endif %}" in text
    assert "（誤）{{ profile.clauses }}" in text
    assert "{{ 6*7 }}課" in text
    assert "49" not in text and "42課" not in text


def test_missing_incident_fields_render_placeholders(
    library: PlaybookLibrary, profiles: dict[str, Profile]
) -> None:
    bare = {
        "incident": {"ref": "INC-0001", "source_url": "", "platform": None},
        "answers": {},
        "locale": "ja",
    }
    rendered = library.render_step("impersonation", "deletion_request", profiles["chikugo"], bare, "ja")
    text = rendered.drafts[0].text
    assert "（未入力: 投稿のURL）" in text and "（未入力: サービス名）" in text
    assert "（未入力: 本物の公式アカウントのURL）" in text
    en = (
        library.render_step("impersonation", "deletion_request", profiles["chikugo"], bare, "en")
        .drafts[0]
        .text
    )
    assert "(not provided: post URL)" in en
    answered = {**bare, "answers": {"post_url": "https://x.com/fake/1", "platform": "Instagram"}}
    step = library.render_step("impersonation", "deletion_request", profiles["chikugo"], answered, "ja")
    text = step.drafts[0].text
    assert "なりすましアカウント: https://x.com/fake/1" in text and "Instagram ご担当者様" in text


def test_english_rendering(library: PlaybookLibrary, profiles: dict[str, Profile]) -> None:
    rendered = walk(
        library, "misinformation", profiles["chikugo"], context("misinformation", locale="en"), "en"
    )
    assert rendered[0].title == "Record the false post"
    assert rendered[0].citations == ("general practice (not a rule of the Chikugo City guideline)",)
    assert rendered[1].citations == ("Chikugo City guideline 3",)
    assert rendered[0].fallback_note == "This step is general practice, not a rule of the Chikugo City guideline."
    assert all("（" not in r.instructions for r in rendered)


def test_custom_profile_uses_its_base_guideline(profiles: dict[str, Profile]) -> None:
    custom = profile_from_dict(
        {
            "id": "drill",
            "extends": "urausu",
            "name": {"ja": "浦臼町（訓練）"},
            "sections": {"pr_section": {"name": {"ja": "総務課 情報係"}}},
        },
        profiles,
        "app.yaml: custom_profiles.drill",
    )
    library = load_library(PLAYBOOKS, {**profiles, "drill": custom})
    rendered = library.render_step("flaming", "report", custom, context("flaming"), "ja")
    assert "所属課局長及び総務課 情報係" in rendered.instructions
    assert rendered.citations == ("浦臼町ガイドライン 5(3)",)


# -- validation ---------------------------------------------------------------------------------------------


@pytest.fixture()
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the playbooks directory, with the working directory at its parent."""
    target = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, target)
    monkeypatch.chdir(tmp_path)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture edit not applied: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def expect_error(work: Path, profiles: dict[str, Profile], pattern: str) -> None:
    with pytest.raises(PlaybookError, match="(?m)" + pattern):
        load_library(work, profiles)


def test_unknown_field(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "flaming.yaml", "  - id: report\n", "  - id: report\n    colour: red\n")
    expect_error(
        work, profiles, r"^playbooks/flaming\.yaml: steps\[1\]\.colour: 使えない項目名です"
    )


def test_unknown_clause_key(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "flaming.yaml", 'iwaki: ["第7 2(1)", "第5 1(7)"]', 'iwaki: ["第7 9"]')
    expect_error(
        work,
        profiles,
        r"^playbooks/flaming\.yaml: steps\[2\]\.clauses\.iwaki: unknown clause '第7 9' "
        r"\(known: .*第7 2\(1\)",
    )


def test_unknown_profile_key(work: Path, profiles: dict[str, Profile]) -> None:
    edit(
        work / "misinformation.yaml",
        'iwaki: {practice: true}\n      chikugo: {practice: true}\n    actor: reporter',
        'iwaki: {practice: true}\n      chikugo: {practice: true}\n    clauses:\n      sapporo: ["1"]\n'
        '    actor: reporter',
    )
    expect_error(
        work,
        profiles,
        r"^playbooks/misinformation\.yaml: steps\[0\]\.clauses\.sapporo: unknown profile "
        r"'sapporo'",
    )


def test_step_without_clauses_or_fallback(work: Path, profiles: dict[str, Profile]) -> None:
    edit(
        work / "impersonation.yaml",
        '      chikugo: ["6(3)"]\n    drafts: [impersonation_warning]\n',
        "    drafts: [impersonation_warning]\n",
    )
    expect_error(work, profiles, r"^playbooks/impersonation\.yaml: steps\[3\]\.clauses\.chikugo: missing")


def test_broken_template(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "flaming.yaml", "状況を{{ report_to }}へ報告し", "状況を{% if report_to %}へ報告し")
    expect_error(
        work, profiles, r"^playbooks/flaming\.yaml: steps\[1\]\.instructions\.ja: template error at line"
    )


def test_unknown_template_variable(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "flaming.yaml", "状況を{{ report_to }}へ報告し", "状況を{{ repot_to }}へ報告し")
    expect_error(
        work,
        profiles,
        r"^playbooks/flaming\.yaml: steps\[1\]\.instructions\.ja: unknown name\(s\) "
        r"\['repot_to'\]",
    )


def test_template_that_fails_for_one_profile(work: Path, profiles: dict[str, Profile]) -> None:
    edit(
        work / "flaming.yaml",
        "状況を{{ report_to }}へ報告し",
        "状況を{{ sections.security_officer }}へ報告し",
    )
    expect_error(
        work,
        profiles,
        r"^playbooks/flaming\.yaml: steps\[1\]\.instructions\.ja: cannot render for "
        r"profile 'asahikawa' \(ja\)",
    )


def test_missing_draft_file(work: Path, profiles: dict[str, Profile]) -> None:
    (work / "drafts" / "holding_reply.en.j2").unlink()
    expect_error(
        work,
        profiles,
        r"^playbooks/flaming\.yaml: steps\[3\]\.drafts\[0\]: draft 'holding_reply' has "
        r"no template file playbooks/drafts/holding_reply\.en\.j2",
    )


def test_unknown_draft_id(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "leak.yaml", "drafts: [leak_internal_report]", "drafts: [leak_report]")
    expect_error(
        work,
        profiles,
        r"^playbooks/leak\.yaml: steps\[4\]\.drafts\[0\]: draft 'leak_report' has no "
        r"template file playbooks/drafts/leak_report\.ja\.j2",
    )


def test_broken_draft_template(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "drafts" / "apology.ja.j2", "{{ answers.wrong_text }}", "{{ answers.wrong_text }")
    expect_error(work, profiles, r"^playbooks/drafts/apology\.ja\.j2: template error at line \d+")


def test_draft_without_title(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "drafts" / "apology.en.j2", "{# title: Apology #}\n", "")
    expect_error(work, profiles, r"^playbooks/drafts/apology\.en\.j2: line 1: expected a title comment")


@pytest.mark.parametrize(
    ("when", "pattern"),
    [
        ("answers.is_own_error ==", r"steps\[4\]\.when: bad expression"),
        ("severityy in ['high']", r"steps\[4\]\.when: unknown name\(s\) \['severityy'\]"),
        ("answers.is_own_eror != 'no'", r"steps\[4\]\.when: answers \['is_own_eror'\] are not inputs"),
        ("severity.nope > 1", r"steps\[4\]\.when: cannot evaluate for profile 'asahikawa'"),
    ],
)
def test_bad_when(work: Path, profiles: dict[str, Profile], when: str, pattern: str) -> None:
    old = "    when: \"answers.is_own_error not in ('no', 'wording') and answers.account_type != 'personal'\""
    edit(work / "flaming.yaml", old, f'    when: "{when}"')
    expect_error(work, profiles, r"^playbooks/flaming\.yaml: " + pattern)


def test_duplicate_step_id(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "leak.yaml", "  - id: identify\n", "  - id: report\n")
    expect_error(work, profiles, r"^playbooks/leak\.yaml: steps\[4\]\.id: duplicate step id 'report'")


def test_duplicate_input_id(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "leak.yaml", "      - id: actions_taken\n", "      - id: leak_summary\n")
    expect_error(
        work,
        profiles,
        r"^playbooks/leak\.yaml: steps\[4\]\.inputs\[2\]\.id: duplicate input id "
        r"'leak_summary'",
    )


def test_severity_questions_are_required(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "misinformation.yaml", "      - id: press\n", "      - id: press_coverage\n")
    expect_error(work, profiles, r"^playbooks/misinformation\.yaml: steps: no choice input 'press'")


def test_kind_must_match_file_name(work: Path, profiles: dict[str, Profile]) -> None:
    edit(work / "leak.yaml", "kind: leak\n", "kind: leaks\n")
    expect_error(work, profiles, r"^playbooks/leak\.yaml: kind: must equal the file name 'leak'")


def test_invalid_yaml(work: Path, profiles: dict[str, Profile]) -> None:
    (work / "flaming.yaml").write_text("kind: flaming\nsteps: [\n", encoding="utf-8")
    expect_error(work, profiles, r"^playbooks/flaming\.yaml: line \d+, column \d+: invalid YAML")


def test_step_inputs_are_labelled_once_and_valued_per_incident(
    library: PlaybookLibrary, profiles: dict[str, Profile]
) -> None:
    """Labels and choices of a step's inputs are built once per locale; each incident gets only its own values."""
    profile = profiles["asahikawa"]
    first = context("flaming", answers={"spread": "large"})
    second = context("flaming", answers={})
    second["incident"] = {**second["incident"], "source_url": "", "platform": ""}
    a = {i.id: i for i in library.render_step("flaming", "intake", profile, first, "ja").inputs}
    b = {i.id: i for i in library.render_step("flaming", "intake", profile, second, "ja").inputs}
    assert (a["spread"].value, a["post_url"].value, a["platform"].value) == (
        "large", "https://x.com/fake_city/status/98765", "X")
    assert (b["spread"].value, b["post_url"].value, b["platform"].value) == ("", "", "")
    assert a["spread"].label == b["spread"].label and a["spread"].choices == b["spread"].choices
    assert b["press"] is a["press"]  # the same unanswered input: built once, not per rendering
    english = {i.id: i for i in library.render_step("flaming", "intake", profile, second, "en").inputs}
    assert english["press"].label != b["press"].label
