"""Built-in municipality profiles and custom profiles built from app.yaml dicts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.triage.profiles import Profile, ProfileError, load_profiles, profile_from_dict

ROOT = Path(__file__).resolve().parents[1]
PROFILES_DIR = ROOT / "playbooks" / "profiles"
SEEDS = ROOT.parent / "shared" / "seeds"
SEED_FILES = {
    "asahikawa": "000_373f101702ae1cef.txt",
    "urausu": "001_791005d55497bbce.txt",
    "iwaki": "002_5536b3df847376cc.txt",
    "chikugo": "003_daf300a419214f62.txt",
}
TITLES = {
    "asahikawa": "旭川市ソーシャルメディアの利用に関するガイドライン",
    "urausu": "浦臼町ソーシャルメディア活用ガイドライン",
    "iwaki": "いわき市ソーシャルメディア運用ガイドライン",
    "chikugo": "筑後市ソーシャルメディア等の利用に関するガイドライン",
}
# Clauses the playbooks cite, per the seeds README's table; every one must be in the catalogue.
REQUIRED_CLAUSES = {
    "asahikawa": [
        "7(1)ア",
        "7(1)イ",
        "7(1)ウ",
        "7(1)エ",
        "6(1)",
        "6(2)",
        "7(2)ア",
        "7(2)イ",
        "7(3)ア",
        "7(3)イ",
        "3",
        "8(2)ア",
        "8(2)イ",
        "8(2)ウ",
        "8(2)エ",
        "6(8)",
        "9",
    ],
    "urausu": [
        "7(1)①",
        "7(1)②",
        "7(1)③",
        "7(2)①",
        "7(2)②",
        "7(2)③",
        "7(3)①",
        "7(3)②",
        "5(3)",
        "8(3)④",
        "6(2)",
        "8(2)①",
    ],
    "iwaki": [
        "第7",
        "第7 1",
        "第7 2(1)",
        "第7 2(2)",
        "第7 2(3)",
        "第7 3(1)",
        "第7 3(2)",
        "第7 4",
        "第5 2(2)",
        "第5 3(2)",
        "第5 3(3)",
        "第4 3(1)",
        "第4 3(2)",
        "第10",
    ],
    "chikugo": ["3", "4(3)", "6(1)", "6(2)", "6(3)"],
}


@pytest.fixture(scope="module")
def builtins() -> dict[str, Profile]:
    return load_profiles(PROFILES_DIR)


def test_four_builtin_profiles(builtins: dict[str, Profile]) -> None:
    assert sorted(builtins) == ["asahikawa", "chikugo", "iwaki", "urausu"]
    assert builtins["asahikawa"].name.ja == "旭川市"
    assert builtins["asahikawa"].name.en == "Asahikawa City"
    assert builtins["urausu"].name_for("ja") == "浦臼町"
    assert builtins["iwaki"].name_for("en") == "Iwaki City"
    assert builtins["chikugo"].name_for("ja") == "筑後市"
    for pid, profile in builtins.items():
        assert profile.base == pid
        assert profile.guideline.title == TITLES[pid]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed guidelines not available")
@pytest.mark.parametrize("pid", sorted(SEED_FILES))
def test_guideline_titles_and_dates_are_in_the_seed(builtins: dict[str, Profile], pid: str) -> None:
    text = (SEEDS / SEED_FILES[pid]).read_text(encoding="utf-8")
    normalised = text.translate(str.maketrans("０１２３４５６７８９", "0123456789", " \u3000"))
    assert builtins[pid].guideline.title in text
    for date in (builtins[pid].guideline.date, builtins[pid].guideline.revised):
        if date:
            assert date in normalised, date


def test_guideline_dates(builtins: dict[str, Profile]) -> None:
    assert builtins["asahikawa"].guideline.date is None
    assert builtins["urausu"].guideline.date == "令和3年7月15日"
    assert builtins["iwaki"].guideline.date == "平成26年7月1日"
    assert builtins["iwaki"].guideline.revised == "平成28年4月1日"
    assert builtins["chikugo"].guideline.revised == "令和4年4月1日"


@pytest.mark.parametrize("pid", sorted(REQUIRED_CLAUSES))
def test_clause_catalogue_has_every_cited_clause(builtins: dict[str, Profile], pid: str) -> None:
    missing = [key for key in REQUIRED_CLAUSES[pid] if key not in builtins[pid].clauses]
    assert missing == []


def test_clause_quotes_are_faithful(builtins: dict[str, Profile]) -> None:
    assert "削除するのではなく" in builtins["asahikawa"].clause_text("7(1)イ")
    assert "広報広聴課へ報告" in builtins["asahikawa"].clause_text("7(1)エ")
    assert "所属課局長及び総務課" in builtins["urausu"].clause_text("5(3)")
    assert "否定や反論することは避ける" in builtins["urausu"].clause_text("5(3)")
    assert "情報流出事案対応マニュアル" in builtins["iwaki"].clause_text("第7 1")
    assert "訂正したことを明記" in builtins["iwaki"].clause_text("第5 3(3)")
    assert "総務広報課長に協議" in builtins["chikugo"].clause_text("3")


def test_sections_named_by_each_guideline(builtins: dict[str, Profile]) -> None:
    asahikawa, urausu, iwaki, chikugo = (builtins[k] for k in ("asahikawa", "urausu", "iwaki", "chikugo"))
    assert asahikawa.section_name("pr_section", "ja") == "広報広聴課"
    assert asahikawa.section_name("department_head", "ja") == "所属長"
    assert asahikawa.section_name("review_committee", "ja") == "旭川市ホームページ掲載事項審査委員会"
    assert urausu.section_name("pr_section", "ja") == "総務課"
    assert urausu.section_name("department_head", "ja") == "所属課局長"
    assert iwaki.section_name("pr_section", "ja") == "アカウント管理者（課等の長）"
    assert iwaki.section_name("security_officer", "ja") == "情報統括管理者（総務部長）"
    assert iwaki.section_name("furusato_section", "ja") == "ふるさと発信課長"
    assert iwaki.section_name("policy_director", "ja") == "総合政策部長"
    enquiries = "総務広報課 総務広報係 広報・広聴担当（ガイドラインに関する問合せ先）"
    assert chikugo.section_name("pr_section", "ja") == enquiries
    assert chikugo.section_name("pr_head", "ja") == "総務広報課長"
    assert chikugo.sections["pr_section"].contact == "0942-65-7004（内線 142）"
    # Guidelines that name no security officer / no head of division get none invented.
    for pid in ("asahikawa", "urausu", "chikugo"):
        assert "security_officer" not in builtins[pid].sections
    assert "department_head" not in chikugo.sections


def test_first_recipients_are_every_section_the_guideline_names(builtins: dict[str, Profile]) -> None:
    # 旭川市 7(1)エ・7(2)ア・7(3)イ; 浦臼町 5(3) 所属課局長及び総務課 (both at once); いわき市 第7; 筑後市 3.
    assert builtins["asahikawa"].first_recipients("ja") == "広報広聴課"
    assert builtins["urausu"].first_recipients("ja") == "所属課局長及び総務課"
    assert builtins["iwaki"].first_recipients("ja") == "アカウント管理者（課等の長）"
    assert builtins["chikugo"].first_recipients("ja") == "総務広報課長"  # 3, not the enquiry desk of 7
    assert builtins["urausu"].first_report_clauses == ["5(3)"]
    assert builtins["chikugo"].first_report_clauses == ["3"]
    for profile in builtins.values():
        assert not hasattr(profile, "escalation_chain")  # no guideline defines a chain beyond the first report
        assert all(c in profile.clauses for c in profile.first_report_clauses)
        assert profile.date_style == "wareki"
    assert builtins["urausu"].residents.ja == "町民" and builtins["asahikawa"].residents.ja == "市民"
    assert builtins["iwaki"].actor_name("account_manager", "ja") == "アカウント管理者"
    assert builtins["iwaki"].acknowledger.ja == "アカウント管理者"
    assert builtins["urausu"].acknowledger.ja == "総務課"


def test_escalation_chain_is_not_a_profile_setting(builtins: dict[str, Profile]) -> None:
    with pytest.raises(ProfileError, match=r"escalation_chain: cannot be set.*app\.yaml escalation\.levels"):
        profile_from_dict({"id": "x", "extends": "iwaki", "escalation_chain": []}, builtins, "app.yaml: x")


def test_general_rule_cites_its_clauses(builtins: dict[str, Profile]) -> None:
    assert builtins["chikugo"].general_rule.clauses == ["3", "6(1)"]
    assert "総務広報課長に協議" in builtins["chikugo"].general_rule.ja
    assert "ふるさと発信課長" in builtins["iwaki"].general_rule.get("ja")
    assert builtins["urausu"].general_rule.get("en").startswith("report")


def test_citation_strings(builtins: dict[str, Profile]) -> None:
    assert builtins["asahikawa"].cite("7(1)イ") == "旭川市ガイドライン 7(1)イ"
    assert builtins["iwaki"].cite("第7 2(3)", "ja") == "いわき市ガイドライン 第7 2(3)"
    assert builtins["urausu"].cite("5(3)", "en") == "Urausu Town guideline 5(3)"


def test_custom_profile_extends_a_builtin(builtins: dict[str, Profile]) -> None:
    data = {
        "id": "asahikawa_drill",
        "extends": "asahikawa",
        "name": {"ja": "旭川市（訓練）"},
        "sections": {
            "pr_section": {"name": {"ja": "広報広聴課 SNS担当"}},
            "duty_officer": {"name": {"ja": "当直", "en": "Duty officer"}},
        },
    }
    custom = profile_from_dict(data, builtins, "app.yaml: custom_profiles.asahikawa_drill")
    assert custom.id == "asahikawa_drill"
    assert custom.base == "asahikawa"
    # A name given in one language names the profile in both (the parent's English name is another city's).
    assert custom.name.ja == "旭川市（訓練）" and custom.name.en == "旭川市（訓練）"
    assert custom.section_name("pr_section", "ja") == "広報広聴課 SNS担当"
    assert custom.section_name("pr_section", "en") == "広報広聴課 SNS担当"  # renamed: not the old English name
    assert custom.section_name("department_head", "ja") == "所属長"
    assert custom.clauses == builtins["asahikawa"].clauses
    assert custom.cite("7(1)イ") == "旭川市ガイドライン 7(1)イ"
    # The built-in is untouched.
    assert builtins["asahikawa"].section_name("pr_section", "ja") == "広報広聴課"


def test_custom_profile_with_builtin_id_overrides_in_place(builtins: dict[str, Profile]) -> None:
    custom = profile_from_dict(
        {"id": "iwaki", "first_report_to": ["pr_section", "security_officer"]},
        builtins,
        "app.yaml: custom_profiles.iwaki",
    )
    assert custom.base == "iwaki"
    assert custom.first_report_to == ["pr_section", "security_officer"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"id": "x"}, "app.yaml: custom_profiles.x: extends: required"),
        (
            {"id": "x", "extends": "sapporo"},
            "app.yaml: custom_profiles.x: extends: unknown built-in profile 'sapporo'",
        ),
        (
            {"id": "x", "extends": "iwaki", "clauses": {"1": "..."}},
            "app.yaml: custom_profiles.x: clauses: cannot be set",
        ),
        (
            {"id": "x", "extends": "iwaki", "colour": "red"},
            "app.yaml: custom_profiles.x: colour: cannot be set",
        ),
        (
            {"id": "x", "extends": "iwaki", "first_report_clauses": ["第10"]},
            "app.yaml: custom_profiles.x: first_report_clauses: cannot be set",
        ),
        (
            {"id": "x", "extends": "iwaki", "sections": {"pr_section": {"nmae": "typo"}}},
            "app.yaml: custom_profiles.x: sections.pr_section.nmae: 使えない項目名です",
        ),
        (
            {"id": "x", "extends": "urausu", "first_report_to": ["security_officer"]},
            "app.yaml: custom_profiles.x: first_report_to[0]: unknown section 'security_officer'",
        ),
        (
            {"id": "Bad Id", "extends": "urausu"},
            "app.yaml: custom_profiles.x: id: 書式が正しくありません",
        ),
    ],
)
def test_custom_profile_errors_name_source_and_field(
    builtins: dict[str, Profile], data: dict, expected: str
) -> None:
    with pytest.raises(ProfileError) as info:
        profile_from_dict(data, builtins, "app.yaml: custom_profiles.x")
    assert expected in str(info.value)


def _copy_profiles(tmp_path: Path) -> Path:
    target = tmp_path / "profiles"
    shutil.copytree(PROFILES_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture edit not applied: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_builtin_profile_errors_name_file_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = _copy_profiles(tmp_path)
    monkeypatch.chdir(tmp_path)
    _edit(
        directory / "chikugo.yaml", 'clauses: ["3"]\n  # 7 is only', 'clauses: ["99"]\n  # 7 is only'
    )
    with pytest.raises(
        ProfileError, match=r"(?m)^profiles/chikugo\.yaml: sections\.pr_head\.clauses\[0\]: unknown clause '99'"
    ):
        load_profiles(directory)


def test_builtin_profile_unknown_field_and_id_mismatch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _copy_profiles(tmp_path)
    monkeypatch.chdir(tmp_path)
    _edit(directory / "urausu.yaml", "id: urausu\n", "id: urausu\ncolour: blue\n")
    with pytest.raises(ProfileError, match=r"profiles/urausu\.yaml: colour: 使えない項目名です"):
        load_profiles(directory)
    _edit(directory / "urausu.yaml", "id: urausu\ncolour: blue\n", "id: urasu\n")
    with pytest.raises(ProfileError, match=r"profiles/urausu\.yaml: id: must equal the file name 'urausu'"):
        load_profiles(directory)


def test_builtin_profile_invalid_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = _copy_profiles(tmp_path)
    monkeypatch.chdir(tmp_path)
    (directory / "iwaki.yaml").write_text("id: iwaki\nname: {ja: [\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"profiles/iwaki\.yaml: line \d+, column \d+: invalid YAML"):
        load_profiles(directory)


@pytest.mark.parametrize(("written", "kept"), [("western", "gregorian"), ("gregorian", "gregorian"),
                                               ("wareki", "wareki")])
def test_date_style_takes_the_report_commands_word_too(builtins: dict[str, Profile], written: str,
                                                       kept: str) -> None:
    """`report --calendar` says `western`; a profile written with that word means the same calendar (QA walk #15)."""
    custom = profile_from_dict({"id": "x", "extends": "iwaki", "date_style": written}, builtins, "app.yaml: x")
    assert custom.date_style == kept


def test_an_unknown_date_style_is_still_refused(builtins: dict[str, Profile]) -> None:
    with pytest.raises(ProfileError, match="date_style"):
        profile_from_dict({"id": "x", "extends": "iwaki", "date_style": "seireki"}, builtins, "app.yaml: x")
