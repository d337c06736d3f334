"""Session 19 config walk (docs/qa/session19_walk_config.md): session 18's left-overs and set-ups by municipalities
nobody here configured. Each test failed before its fix."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from bot.config import ConfigError, load_config
from bot.i18n import Catalog
from bot.main import run
from bot.records.sentences import step_sources
from bot.wiring import build_runtime
from tests.test_qa_session18_configs import _copied_municipality


def _check(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    out = io.StringIO()
    code = run(["check", "--config", str(tmp_path / "app.yaml")], stdout=out, stderr=out)
    return code, out.getvalue()


def _own_step(tmp_path: Path, fallback: dict[str, object]) -> None:
    """名寄市 (a copied profile) adds 「市長公室へ報告する」 to its flaming playbook, a step of its own."""
    pb = _copied_municipality(tmp_path)
    for path in pb.glob("*.yaml"):  # the copied 筑後市 wording rewritten, as session 18 had to
        path.write_text(path.read_text(encoding="utf-8").replace("sections.pr_head", "sections.pr_section"),
                        encoding="utf-8")
    flaming = yaml.safe_load((pb / "flaming.yaml").read_text(encoding="utf-8"))
    flaming["steps"].insert(2, {
        "id": "tell_mayor", "title": {"ja": "市長公室へ報告する", "en": "Tell the Mayor's Office"},
        "profiles": ["nayoro"], "instructions": {"ja": "市長公室へ電話で報告してください。", "en": "Phone the office."},
        "fallback": {"nayoro": fallback}})
    (pb / "flaming.yaml").write_text(yaml.safe_dump(flaming, allow_unicode=True, sort_keys=False), encoding="utf-8")


APP_NAYORO = 'profile: nayoro\nplaybooks_dir: pb\naccess:\n  pr_members: ["console:console-pr"]\n'


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_municipal_own_step_is_labelled_its_own_setting_in_the_chat_and_the_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale: str) -> None:
    # Before: no way to say a step is the municipality's own: `practice: true` showed 「一般的な対応（…）」 in the
    # chat and the records, two-voiced with a note saying 自治体の運用設定 (session 18 #12); `own: true` was refused.
    _own_step(tmp_path, {"own": True})
    code, said = _check(tmp_path, APP_NAYORO + f"locale: {locale}\n", monkeypatch)
    assert code == 0, said
    settings = load_config(tmp_path / "app.yaml", environ={"DATABASE_URL": f"sqlite:///{tmp_path}/b.db"})
    runtime = build_runtime(settings)
    profile = runtime.profiles["nayoro"]
    step = runtime.library.render_step("flaming", "tell_mayor", profile, {}, locale)
    _, recorded = step_sources(runtime.library, profile, Catalog.load(locale, profile.terms(locale)), "flaming",
                               "tell_mayor")
    runtime.close()
    if locale == "ja":
        assert step.citations == ("自治体の運用設定（名寄市のガイドラインの定めではありません）",)
        assert "名寄市の運用で定めたもの（自治体の運用設定）" in step.fallback_note
        assert "一般的な対応" not in step.fallback_note
    else:
        assert step.citations == ("municipal setting (not a rule of the Nayoro City guideline)",)
        assert "Nayoro City's own setting" in step.fallback_note
    assert recorded == step.citations  # the timeline and report say what the chat said
    assert not any("ガイドライン 7" in c or "guideline 7" in c for c in step.citations)


@pytest.mark.parametrize(("extra", "field"), [({"clauses": ["7(1)エ"]}, "clauses"), ({"practice": True}, "practice")])
def test_an_own_step_citing_a_clause_or_called_general_practice_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: dict[str, object], field: str) -> None:
    # An own step cites no clause of the guideline and is not general practice: one label, never two.
    _own_step(tmp_path, {"own": True, **extra})
    code, said = _check(tmp_path, APP_NAYORO, monkeypatch)
    assert code == 2, said
    assert f"flaming.yaml: steps[2].fallback.nayoro.{field}: " in said and "自治体の運用設定" in said
    assert "Traceback" not in said
    # Nor 「このファイルを削除すると…組み込みのもの」: the file is 名寄市's own (the hint matched only `.nayoro:`).
    assert "置き換えています" not in said and "delete it" not in said


@pytest.mark.parametrize(("block", "field"), [
    ('access:\n  pr_members: ["console:console-pr", "slack:U0SOMU001", "console:console-pr"]\n',
     "access.pr_members[2]"),
    ('access:\n  pr_members: ["slack:U0SOMU001", U0SOMU001]\n', "access.pr_members[1]"),  # the same once namespaced
    ('access:\n  security_officers: ["console:a", "console:a"]\n', "access.security_officers[1]"),
    ('slack:\n  pr_members: [U0SOMU001, "slack:U0SOMU001"]\n', "slack.pr_members[1]"),
    ('teams:\n  pr_members: ["00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000a1"]\n',
     "teams.pr_members[1]"),
    ('lineworks:\n  security_officers: [kanri@town, kanri@town]\n', "lineworks.security_officers[1]"),
    ('console:\n  users:\n    kacho: {id: kanri, name: 課長 伊藤}\n    kanri: {id: kanri, name: 管理者 高橋}\n',
     "console.users.kanri.id"),
])
def test_a_person_listed_twice_is_refused_naming_the_file_and_field(tmp_path: Path, block: str, field: str) -> None:
    # Before: accepted without a word (session 18 #14); two console users with one id acted as one person.
    (tmp_path / "app.yaml").write_text("profile: urausu\n" + block, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "app.yaml", environ={})
    first = str(caught.value).splitlines()[0]
    assert first.startswith(f"{tmp_path / 'app.yaml'}: {field}: ") and "同じ" in first and "重複" in first, first
    assert "same" not in str(caught.value)  # the file's locale only (ja)


def test_a_person_listed_twice_is_said_in_english_when_the_locale_is_english(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text('locale: en\naccess:\n  pr_members: ["console:x", "console:x"]\n',
                                       encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "app.yaml", environ={})
    assert str(caught.value).startswith(f"{tmp_path / 'app.yaml'}: access.pr_members[1]: 'console:x' ")
    assert "same" in str(caught.value) and "同じ" not in str(caught.value)


@pytest.mark.parametrize(("locale", "said", "unsaid"), [
    ("ja", "プロファイル urausu に部署 'mayor' はありません", "unknown section"),
    ("en", "unknown section 'mayor' for profile urausu", "はありません"),
])
def test_an_unknown_escalation_section_is_said_in_the_configured_language_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale: str, said: str, unsaid: str) -> None:
    # Before: Japanese then English whatever app.yaml's locale (session 18 #13), Japanese first even with `en`.
    code, out = _check(tmp_path, f"locale: {locale}\nprofile: urausu\naccess:\n  pr_members: [\"console:p\"]\n"
                                 "escalation:\n  levels:\n    - {section: mayor}\n", monkeypatch)
    assert code == 2
    assert f"escalation.levels[0].section: {said}" in out and unsaid not in out, out


@pytest.mark.parametrize(("locale", "said", "unsaid"), [
    ("ja", "プロファイル 'nayorо' はありません", "unknown profile"),
    ("en", "unknown profile 'nayorо'", "はありません"),
])
def test_an_unknown_profile_is_said_in_the_configured_language_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale: str, said: str, unsaid: str) -> None:
    code, out = _check(tmp_path, f"locale: {locale}\nprofile: nayorо\n", monkeypatch)  # a Cyrillic о typed
    assert code == 2
    assert f"profile: {said}" in out and unsaid not in out, out


CITY = """profile: hamamatsu
custom_profiles:
  hamamatsu:
    extends: asahikawa
    name: {ja: 浜松市, en: Hamamatsu City}
    sections:
      pr_section: {name: {ja: 広報課, en: PR Division}}
      johoseisaku: {name: {ja: 情報政策課, en: Information Policy Division}}
      kikikanri: {name: {ja: 危機管理室, en: Crisis Management Office}}
access:
  pr_members: ["teams:11111111-1111-1111-1111-111111111111"]
escalation:
  levels:
    - {section: pr_section, after_minutes: 20}
    - {section: johoseisaku, after_minutes: 40}
    - {section: KIKI, after_minutes: 60}
teams:
  report_channels: ["19:report@thread.tacv2"]
  pr_channel: "19:koho@thread.tacv2"
  mentions:
    pr_section: {id: "33333333-3333-3333-3333-333333333333", name: 広報課, type: tag}
    johoseisaku: {id: "22222222-2222-2222-2222-222222222222", name: 情報政策課 鈴木, type: person}
    MENTION: {id: "44444444-4444-4444-4444-444444444444", name: 危機管理室, type: tag}
"""


def test_a_section_written_by_its_name_is_told_which_key_to_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 「部署 '危機管理室' はありません（使える部署: department_head, johoseisaku, kikikanri, …）」: the IT
    # person wrote the name the profile gives; the message lists keys without saying which one it is.
    code, said = _check(tmp_path, CITY.replace("KIKI", "危機管理室").replace("MENTION", "kikikanri"), monkeypatch)
    assert code == 2
    assert "escalation.levels[2].section: " in said and "'危機管理室' は部署 kikikanri の名前です" in said
    assert "section: kikikanri" in said, said


def test_a_mistyped_platform_mention_key_is_named_when_a_level_has_nobody_to_mention(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: only 「第 3 段階: 危機管理室 (kikikanri): 通知先がいません」 — the `teams.mentions.kikikanr` the IT person
    # did write (one letter short) went unnamed, as the failing check stopped before its warnings.
    code, said = _check(tmp_path, CITY.replace("KIKI", "kikikanri").replace("MENTION", "kikikanr"), monkeypatch)
    assert code == 2
    assert "第 3 段階: 危機管理室 (kikikanri): 通知先がいません" in said
    assert "teams.mentions.kikikanr: " in said, said


@pytest.mark.parametrize(("written", "meant"), [("1時間", "60"), ("2時間", "120"), ("１時間半", None), ("1日", "1440")])
def test_a_wait_written_in_hours_is_told_to_be_minutes_with_the_number_to_write(
        tmp_path: Path, written: str, meant: str | None) -> None:
    # Before: 「escalation.levels[0].after_minutes: 整数で指定してください（入力値: '1時間'）」 — an IT person of a
    # village wrote hours for a field that takes minutes; the message named neither the unit nor what to write.
    (tmp_path / "app.yaml").write_text(f"profile: chikugo\nescalation:\n  levels:\n    - section: pr_head\n"
                                       f"      after_minutes: {written}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "app.yaml", environ={})
    first = str(caught.value).splitlines()[0]
    assert "escalation.levels[0].after_minutes: " in first and "分" in first, first
    if meant:
        assert f"{meant} と書きます" in first, first


VILLAGE = """profile: okawa
custom_profiles:
  okawa:
    extends: chikugo
    name: {ja: 大川村, en: Okawa Village}
    sections:
      pr_head: {name: {ja: 総務課長, en: Director of General Affairs}}
      fukusoncho: {name: {ja: 副村長, en: Deputy Mayor}}
access:
  pr_members: ["lineworks:somu-kacho@okawa"]
escalation:
  levels:
    - {section: pr_head, after_minutes: 60}
    - {section: fukusoncho, after_minutes: 120}
lineworks:
  report_channels: ["ch-report-1"]
  pr_channel: "ch-somu-1"
"""


def test_a_line_works_village_is_not_asked_for_mentions_line_works_never_sends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: `check` failed with 「第 2 段階: 副村長 (fukusoncho): 通知先がいません。escalation.levels[].mention
    # （Teams は teams.mentions…）を設定してください」 — but LINE WORKS notices mention nobody (bot/adapters/lineworks
    # posts every level to pr_channel); a village would write any text there to pass. README: Slack・Teams only.
    code, said = _check(tmp_path, VILLAGE, monkeypatch)
    assert code == 0, said
    assert "lineworks.pr_channel: 注意" in said and "副村長" in said and "トークルーム" in said, said
    assert "mention" not in said
    # With Slack channels too, a level without a mention still stops the check.
    code, said = _check(tmp_path, VILLAGE + "slack:\n  pr_channel: C0SOMU001\n", monkeypatch)
    assert code == 2 and "第 2 段階: 副村長 (fukusoncho): 通知先がいません" in said


def test_check_says_when_a_level_names_a_section_an_earlier_level_already_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: `check` OK without a word for 総務課長 → 村長 → 副村長 → 村長: 村長 got 【上位への通知】 twice as if
    # each were a step up (a chain written out of order, or a level pasted twice).
    levels = ("    - {section: pr_head, after_minutes: 60}\n    - {section: fukusoncho, after_minutes: 120}\n"
              "    - {section: soncho}\n    - {section: fukusoncho}\n")
    text = (VILLAGE.replace("      fukusoncho: {name: {ja: 副村長, en: Deputy Mayor}}\n",
                            "      fukusoncho: {name: {ja: 副村長, en: Deputy Mayor}}\n"
                            "      soncho: {name: {ja: 村長, en: Mayor}}\n")
            .replace("    - {section: pr_head, after_minutes: 60}\n    - {section: fukusoncho, after_minutes: 120}\n",
                     levels))
    code, said = _check(tmp_path, text, monkeypatch)
    assert code == 0, said
    assert "escalation.levels[3].section: 注意" in said and "escalation.levels[1]" in said and "副村長" in said, said
    code, said = _check(tmp_path, VILLAGE, monkeypatch)
    assert code == 0 and "section: 注意" not in said


def test_a_wait_in_hours_is_said_in_english_units_when_the_locale_is_english(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("locale: en\nescalation:\n  levels:\n    - {section: pr_section, "
                                       "after_minutes: 1時間}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "app.yaml", environ={})
    assert "write it in minutes as a number: 1時間 is 60" in str(caught.value)
