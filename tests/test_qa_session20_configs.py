"""Session 20 config walk (docs/qa/session20_walk_config.md): session 19's left-overs and three municipalities
nobody here configured. Each test failed before its fix."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.main import run

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _check(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    out = io.StringIO()
    code = run(["check", "--config", str(tmp_path / "app.yaml")], stdout=out, stderr=out)
    return code, out.getvalue()


BROKEN = {
    "tab": ("access:\n\tpr_members: [a]\n", 4, 1),
    "bracket": ("access:\n  pr_members: [slack:U0AAA, slack:U0BBB\nslack: {}\n", 4, 15),
    "level": ("escalation:\n  levels:\n    - section: pr_head\n    after_minutes: 60\n", 6, 5),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_yaml_error_in_an_english_file_is_said_in_english_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    # Before: Japanese under an English file (the locale was read only once YAML parsed the file), header included.
    text, line, column = BROKEN[case]
    code, said = _check(tmp_path, "locale: en\nprofile: chikugo\n" + text, monkeypatch)
    assert code == 2
    assert said.startswith("Configuration error:\n")
    assert f"app.yaml: line {line}, column {column}: invalid YAML" in said
    assert not JAPANESE.search(said.replace("：", "")), said


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("head", ["locale: ja\n", "", "# 町の設定\n"])
def test_a_yaml_error_in_a_japanese_file_is_said_in_japanese_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, head: str) -> None:
    # Japanese when the file asks for it or names no language; no English parser line after it.
    text, line, column = BROKEN[case]
    line += head.count("\n") - 1
    code, said = _check(tmp_path, head + "profile: chikugo\n" + text, monkeypatch)
    assert code == 2
    assert said.startswith("設定エラー:\n")
    assert f"app.yaml: {line} 行目 {column} 文字目: YAML の書き方に誤りがあります" in said
    assert "invalid YAML" not in said and "parser" not in said


def test_a_yaml_error_says_what_to_fix_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 「字下げ（半角スペース）、…引用符の閉じ忘れを確認してください」 for every kind of mistake.
    code, said = _check(tmp_path, "profile: chikugo\n" + BROKEN["bracket"][0], monkeypatch)
    assert "3 行目 15 文字目" in said and "この行で開いた [ が ] で閉じていません" in said
    assert "（この行: 「pr_members: [slack:U0AAA, slack:U0BBB」）" in said
    code, said = _check(tmp_path, "profile: chikugo\n" + BROKEN["level"][0], monkeypatch)
    assert "字下げがそろっていません" in said and "（この行: 「after_minutes: 60」）" in said
    assert "    - section: pr_section\n      after_minutes: 30" in said


def test_an_ime_slip_in_an_english_file_is_said_in_english_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, said = _check(tmp_path, "locale: en\nprofile: chikugo\naccess:\n  pr_members：[a]\n", monkeypatch)
    assert code == 2 and "line 4, column 13: a full-width colon" in said
    assert "行目" not in said


TWO = "      - section: pr_head\n        after_minutes: 60\n      - section: department_head\n        after_minutes: "


@pytest.mark.parametrize(("chain", "shown"), [
    # session 19 #11's shapes, each refused before with no example of the right one
    ("  levels: {pr_head: 60, department_head: 120}\n",
     TWO + "120"),
    ("  levels:\n    - pr_head 60分\n    - department_head 2時間\n",
     TWO + "120"),
    ("  levels:\n    - {section: [pr_head, department_head], after_minutes: 60}\n",
     TWO + "60"),
    ("  levels:\n    - 総務広報課長: 60\n", "      - section: pr_head\n        after_minutes: 60"),
    ("  levels:\n    - {section: pr_head, after: 60}\n", "      - section: pr_head\n        after_minutes: 60"),
    ("  levels:\n    - section: pr_head\n  after_minutes: 60\n", "      - section: pr_head\n        after_minutes: 60"),
    ("  levels:\n    - section: pr_head\n    - after_minutes: 60\n    - mention: U0HEAD1\n",
     "      - section: pr_head\n        after_minutes: 60\n        mention: U0HEAD1"),
])
def test_an_odd_chain_is_refused_with_the_right_shape_made_from_what_was_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chain: str, shown: str) -> None:
    code, said = _check(tmp_path, "profile: chikugo\nescalation:\n" + chain, monkeypatch)
    assert code == 2, said
    assert "app.yaml: escalation.levels: 段階は一つずつ「- section: 部署のキー」と書き" in said
    assert "  escalation:\n    levels:\n" + shown in said, said
    assert "Traceback" not in said


def test_an_odd_chain_in_an_english_file_gets_the_example_in_english(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, said = _check(tmp_path, "locale: en\nprofile: chikugo\nescalation:\n  levels: {pr_head: 60}\n",
                        monkeypatch)
    assert code == 2 and "write each level as '- section: KEY'" in said
    assert "      - section: pr_head\n        after_minutes: 60" in said and "段階" not in said


def test_a_wrong_wait_in_the_right_shape_gets_no_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = "escalation:\n  levels:\n    - {section: pr_head, after_minutes: 0}\n"
    code, said = _check(tmp_path, "profile: chikugo\n" + chain, monkeypatch)
    assert code == 2 and "after_minutes: 1 以上の値" in said and "段階は一つずつ" not in said


def _chat(tmp_path: Path, text: str, lines: str, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/bot.db")
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    out = io.StringIO()
    code = run(["chat", "--no-prompt", "--config", str(tmp_path / "app.yaml")], stdin=io.StringIO(lines),
               stdout=out, stderr=out)
    assert code == 0, out.getvalue()
    return out.getvalue()


LINE_WORKS_TOWN = ("profile: urausu\naccess:\n  pr_members: [\"lineworks:kikaku-sato\"]\n"
                   "  security_officers: [\"lineworks:joho-abe\"]\n"
                   "lineworks:\n  pr_channel: \"ch-pr\"\n  report_channels: [\"ch-report\"]\n")
REPORT = "町の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/town/status/1\n"


def test_the_console_says_how_to_act_as_pr_when_pr_people_have_line_works_ids_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: /as pr switched silently; /ack then said only 「確認できるのは総務課として登録された職員だけです」.
    # The console never acts as app.yaml's person (the records would name someone who did not act): it says how.
    said = _chat(tmp_path, LINE_WORKS_TOWN, REPORT + "/as pr\n/ack\n", monkeypatch)
    note = said.split("/as pr", 1)[-1] if "/as pr" in said else said
    assert "access.pr_members" in note and "console:console-pr" in note, said
    assert "さんが確認しました" not in said and "kikaku-sato" not in said, said


def test_the_console_says_how_to_act_as_security_when_security_people_have_line_works_ids_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    said = _chat(tmp_path, LINE_WORKS_TOWN, REPORT + "/as security\n", monkeypatch)
    assert "access.security_officers" in said and "console:console-security" in said, said


def test_no_role_note_when_the_console_user_holds_the_role(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    town = LINE_WORKS_TOWN.replace('["lineworks:kikaku-sato"]', '["lineworks:kikaku-sato", "console:console-pr"]')
    said = _chat(tmp_path, town, REPORT + "/as pr\n/ack\n", monkeypatch)
    assert "access.pr_members" not in said and "さんが確認しました" in said, said


def test_a_wrong_key_beside_the_levels_gets_no_levels_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Walk (c): `再通知の上限: 6` under escalation got the levels example, though the levels were right.
    chain = "escalation:\n  levels:\n    - {section: pr_head, after_minutes: 30}\n  再通知の上限: 6\n"
    code, said = _check(tmp_path, "profile: chikugo\n" + chain, monkeypatch)
    assert code == 2 and "escalation.再通知の上限: " in said and "段階は一つずつ" not in said


@pytest.mark.parametrize(("where", "written", "meant"), [
    ("escalation:\n  再通知の上限: 6\n", "escalation.再通知の上限", "renotice_limit"),
    ("escalation:\n  levels:\n    - {部署: pr_head, 待ち時間: 30}\n", "escalation.levels[0].待ち時間", "after_minutes"),
    ("言語: ja\n", "言語", "locale"),
    ("escalation:\n  開庁時間:\n    start: 9:00\n", "escalation.開庁時間", "office_hours"),
])
def test_a_key_written_in_japanese_is_told_the_key_to_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, written: str, meant: str) -> None:
    # Walk (c): 「使えない項目名です（書き誤りか、別の場所に書く項目です）」 and nothing about what to write.
    code, said = _check(tmp_path, "profile: chikugo\n" + where, monkeypatch)
    assert code == 2
    line = next(line for line in said.splitlines() if f"app.yaml: {written}: " in line)
    assert f"「{meant}」" in line and "項目名は英字" in line, line


OGAWA = ("profile: ogawa\ncustom_profiles:\n  ogawa: {extends: urausu, name: {ja: 小川町, en: Ogawa Town}}\n"
         "access:\n  pr_members: [\"slack:U0SOMU001\"]\n"
         "slack:\n  report_channels: [C0REPORT1]\n  pr_channel: C0SOMU001\n"
         "escalation:\n  levels:\n    - {section: department_head, after_minutes: 30分, mention: U0KACHO01}\n")


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_slack_person_pinged_to_acknowledge_but_no_pr_member_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale: str) -> None:
    # Walk (c): 総務課's mention U0SOMUKA9 (a typo of U0SOMU001) is in no list of people: check said nothing, and on
    # Slack the notice's 「確認しました（総務課）」 refuses the very person it pings. Teams was warned, Slack not.
    wrong = OGAWA + "    - {section: pr_section, after_minutes: 30分, mention: U0SOMUKA9}\n"
    code, said = _check(tmp_path, wrong + f"locale: {locale}\n", monkeypatch)
    assert code == 0, said
    [line] = [line for line in said.splitlines() if "escalation.levels[1].mention" in line]
    assert "U0SOMUKA9" in line and ("slack:U0SOMUKA9 を加え" in line if locale == "ja" else "no PR member" in line)
    assert "U0KACHO01" not in said  # 所属課局長 is told, not asked to acknowledge
    code, said = _check(tmp_path, wrong.replace("U0SOMUKA9", "U0SOMU001"), monkeypatch)
    assert code == 0 and "escalation.levels[1].mention" not in said, said


@pytest.mark.parametrize(("dropped", "field", "home"), [
    ("access:\n", "custom_profiles.pr_members", "access"),
    ("escalation:\n", "access.levels", "escalation"),
])
def test_a_block_whose_heading_line_is_missing_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dropped: str, field: str, home: str) -> None:
    # Walk (c): without its `access:` line, pr_members fell into custom_profiles: 「custom_profiles.pr_members:
    # 「名前: 値」の組（マッピング）で指定してください」, nothing about the missing line.
    text = ("profile: ogawa\ncustom_profiles:\n  ogawa: {extends: urausu}\n"
            "access:\n  pr_members: [\"slack:U0SOMU001\"]\n"
            "escalation:\n  levels:\n    - {section: pr_section, after_minutes: 30}\n")
    code, said = _check(tmp_path, text.replace(dropped, "", 1), monkeypatch)
    assert code == 2
    line = next(line for line in said.splitlines() if f"app.yaml: {field}: " in line)
    assert f"は {home}" in line and f"の項目です（「{home}:」の行がないか" in line, line


def test_a_mistyped_level_section_is_told_the_key_it_most_likely_meant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Walk (a): 山並県's 情報政策課 written jouhouseisaku: the known keys listed, the near one left to spot.
    text = ("profile: yamanami\ncustom_profiles:\n  yamanami:\n    extends: asahikawa\n    sections:\n"
            "      johoseisaku: {name: {ja: 情報政策課, en: Information Policy Division}}\n"
            "escalation:\n  levels:\n    - {section: pr_section}\n    - {section: jouhouseisaku}\n")
    code, said = _check(tmp_path, text, monkeypatch)
    assert code == 2 and "escalation.levels[1].section: " in said and "「johoseisaku」のことですか？" in said, said


def test_check_says_who_is_told_when_so_a_level_s_wait_is_seen_to_follow_the_level_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Walk (a): 山並県 wrote 情報政策課 `after_minutes: 60` meaning an hour after the report; it is told 30 min after
    # the first notice (the first level's wait) and its 60 is the re-notice interval. check said only OK.
    text = ("profile: yamanami\ncustom_profiles:\n  yamanami:\n    extends: asahikawa\n    sections:\n"
            "      pr_section: {name: {ja: 広報課, en: PR Division}}\n"
            "      johoseisaku: {name: {ja: 情報政策課, en: Information Policy Division}}\n"
            "escalation:\n  renotice_limit: 3\n  levels:\n    - {section: pr_section, after_minutes: 30}\n"
            "    - {section: johoseisaku, after_minutes: 60}\n")
    code, said = _check(tmp_path, text, monkeypatch)
    assert code == 0, said
    assert ("app.yaml: escalation: 通知の順序: 報告と同時に 広報課 → 確認がなければ 30 分後（開庁時間）に 情報政策課 → "
            "その後 60 分ごとに 情報政策課 へ再通知（最大 3 回）") in said, said
    code, said = _check(tmp_path, "locale: en\n" + text, monkeypatch)
    assert "who is told when: with the report: PR Division → 30 min later" in said, said
