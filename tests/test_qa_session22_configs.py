"""Session 22 config walk (docs/qa/session22_walk_config.md): configurations written as municipalities nobody here
configured would write them (docs/qa/session22_configs/). Each test failed before its fix."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.config import load_config
from bot.main import run


def _run(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch, command: str = "check",
         lines: str = "") -> tuple[int, str]:
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/bot.db")
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    out = io.StringIO()
    args = [command, "--config", str(tmp_path / "app.yaml")] + (["--no-prompt"] if command == "chat" else [])
    code = run(args, stdin=io.StringIO(lines), stdout=out, stderr=out)
    return code, out.getvalue()


REPORT = "町の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/town/status/1\n"
CHANNELS = "slack:\n  report_channels: [C0TOWNREP]\n  pr_channel: C0TOWNPR1\n"


@pytest.mark.parametrize(("people", "field", "written", "said"), [
    ('access:\n  pr_members: ["slack:C0KOHOCH1"]\n', "access.pr_members[0]", "'slack:C0KOHOCH1'",
     "Slack のチャンネル ID"),
    ('access:\n  pr_members: ["slack:U0KOHO001"]\n  security_officers: ["slack:G0SECRET1"]\n',
     "access.security_officers[0]", "'slack:G0SECRET1'", "Slack のチャンネル ID"),
    ('access:\n  pr_members: ["slack:S0KOHOGRP"]\n', "access.pr_members[0]", "'slack:S0KOHOGRP'",
     "Slack のユーザーグループ ID"),
    ('access:\n  pr_members: ["teams:19:abc@thread.tacv2"]\n', "access.pr_members[0]",
     "'teams:19:abc@thread.tacv2'", "Teams のチャネル"),
    ('teams:\n  pr_channel: "19:pr@thread.tacv2"\n  pr_members: ["19:abc@thread.tacv2"]\n',
     "teams.pr_members[0]", "'19:abc@thread.tacv2'", "Teams のチャネル"),
    ('teams:\n  pr_channel: "19:pr@thread.tacv2"\n  pr_members: ["8f1c2a3b-1111-4a5b-9c0d-000000000001"]\n'
     '  mentions:\n    pr_section: {id: "19:abc@thread.tacv2", name: 広報課}\n',
     "teams.mentions.pr_section.id", "'19:abc@thread.tacv2'", "Teams のチャネル"),
])
def test_a_channel_id_written_where_a_person_belongs_is_refused_by_check_and_chat(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people: str, field: str, written: str, said: str) -> None:
    # Before: check OK (rc 0) and chat started; nobody real was PR, so no notice could be acknowledged.
    text = "profile: asahikawa\n" + people + CHANNELS
    code, out = _run(tmp_path, text, monkeypatch)
    assert code == 2, out
    assert f"app.yaml: {field}: {written} は {said}" in out
    assert "Traceback" not in out
    code, out = _run(tmp_path, text, monkeypatch, "chat", REPORT)
    assert code == 2 and f"{field}: {written} は {said}" in out and "INC-0001" not in out


def test_a_channel_id_in_slack_pr_members_is_named_as_written_in_english(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _run(tmp_path, "locale: en\nprofile: iwaki\n" + CHANNELS + "  pr_members: [C0KOHOCH1]\n",
                     monkeypatch)
    assert code == 2
    assert "app.yaml: slack.pr_members[0]: 'C0KOHOCH1' is a Slack channel id (C…, G…, D…)" in out


def test_people_ids_of_every_platform_are_still_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("profile: asahikawa\naccess:\n  pr_members: [slack:U0KOHO001, 'teams:29:1abc', "
            "'teams:8f1c2a3b-1111-4a5b-9c0d-000000000001', lineworks:koho@town, console:console-pr]\n" + CHANNELS)
    code, out = _run(tmp_path, text, monkeypatch)
    assert code == 0, out


NAMED_WITH_COMMENT = ("profile: kita\ncustom_profiles:\n  kita:\n    extends: urausu\n    sections:\n"
                      "      pr_section:\n        name: 総務課\u3000# 町では総務課が広報を担当\n"
                      "access:\n  pr_members: [console:console-pr]\n")


def test_a_full_width_space_before_a_comment_is_named_not_read_into_the_value(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: check OK; every notice and the timeline read 「所属課局長及び総務課　# 町では総務課が広報を担当」.
    code, out = _run(tmp_path, NAMED_WITH_COMMENT, monkeypatch)
    assert code == 2, out
    assert ("app.yaml: 7 行目 18 文字目: コメント（#）の前が全角スペースです。このままでは # から後も値として"
            "読まれます。# の前は半角スペースにしてください。") in out
    code, out = _run(tmp_path, NAMED_WITH_COMMENT, monkeypatch, "chat", REPORT)
    assert code == 2 and "7 行目 18 文字目" in out and "INC-0001" not in out


@pytest.mark.parametrize(("line", "column", "said"), [
    ("  security_officers: [slack:U0JOHO001]\t# 情報担当\n", 39, "タブです。YAML はタブを区切りとして読めません。"),
    ("  security_officers:\n    - slack:U0JOHO001\u3000\u3000# 情報担当\n", 22, "全角スペースです。"),
    ("\u3000\u3000# 全角で字下げしたコメント\n", 1, "全角スペースです。"),
])
def test_a_tab_or_full_width_space_before_a_comment_says_the_line_and_what_to_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, column: int, said: str) -> None:
    # Before: the tab 「タブ文字は使えません。字下げは半角スペースで」 (it was no indentation); the full-width space
    # made the comment the id (no PR could acknowledge) or pointed at the next line.
    text = "profile: urausu\naccess:\n  pr_members: [console:console-pr]\n" + line + CHANNELS
    code, out = _run(tmp_path, text, monkeypatch)
    number = 4 if line.startswith("  security_officers: [") or line.startswith("\u3000") else 5
    assert code == 2, out
    assert f"app.yaml: {number} 行目 {column} 文字目: コメント（#）の前が{said}" in out


def test_a_hash_in_a_quoted_value_or_after_ascii_spaces_is_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ('profile: kita\ncustom_profiles:\n  kita:\n    extends: urausu\n    sections:\n'
            '      pr_section: {name: "総務課\u3000#1"}  # 引用符の中はそのまま\n'
            "access:\n  pr_members: [console:console-pr]   # 半角スペースの後はコメント\n")
    code, out = _run(tmp_path, text, monkeypatch)
    assert code == 0, out


@pytest.mark.parametrize("text", [
    "profile: urausu\naccess:\n  pr_members: [slack:U0SOMU001\u3000]\n",
    "profile: urausu\naccess:\n  pr_members:\n    - slack:U0SOMU001\u3000\n",
    "profile: urausu\u3000\naccess:\n  pr_members\u3000: ['slack:U0SOMU001\u3000']\n",
])
def test_a_full_width_space_left_after_an_id_is_trimmed(tmp_path: Path, text: str) -> None:
    # Before: the PR member was 'slack:U0SOMU001\u3000', matching nobody; check said OK; nobody could acknowledge.
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    settings = load_config(tmp_path / "app.yaml", environ={})
    assert settings.file.access.pr_members == ["slack:U0SOMU001"]
    assert settings.file.profile == "urausu"


def test_an_english_locale_with_a_full_width_space_after_it_is_english(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 「locale: 'ja'・'en' のいずれかを指定してください（入力値: 'en\u3000'）」, in Japanese.
    code, out = _run(tmp_path, "locale: en\u3000\nprofile: iwaki\naccess:\n  pr_members: [console:console-pr]\n",
                     monkeypatch)
    assert code == 0, out
    assert out.startswith("OK:") and "who is told when" in out


def test_two_slack_people_in_one_mention_are_not_said_to_ping_nobody(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 「'U0SOMU001 U0SOMU002' は Slack のユーザー ID…でもありません…誰にも通知されません」 although the adapter
    # mentions both (space-separated, as README says).
    text = ("profile: urausu\naccess:\n  pr_members: [slack:U0SOMU001, slack:U0SOMU002]\nescalation:\n  levels:\n"
            "    - {section: department_head, mention: U0KACHO01}\n"
            "    - {section: pr_section, mention: U0SOMU001 U0SOMU002}\n" + CHANNELS)
    code, out = _run(tmp_path, text, monkeypatch)
    assert code == 0, out
    assert "でもありません" not in out


def test_two_slack_people_joined_by_a_comma_are_told_to_use_a_space(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("profile: urausu\naccess:\n  pr_members: [slack:U0SOMU001]\nescalation:\n  levels:\n"
            "    - {section: department_head, mention: 'U0KACHO01、U0SOMU001'}\n" + CHANNELS)
    code, out = _run(tmp_path, text, monkeypatch)
    assert "escalation.levels[0].mention: 注意: 'U0KACHO01、U0SOMU001' は Slack のユーザー ID" in out
    assert "複数の人は半角スペースで区切って書きます。" in out


@pytest.mark.parametrize(("written", "said"), [
    ('"slack:佐藤 太郎"', "'slack:佐藤 太郎' は Slack のユーザー ID ではありません（表示名・@名前・メールアドレスでは"),
    ('"slack:@sato"', "'slack:@sato' は Slack のユーザー ID ではありません"),
    ("slack:u0koho001", "'slack:u0koho001' は 英小文字を含みます。Slack の ID は英大文字と数字です。slack:U0KOHO001"),
    ('"teams:sato@city.lg.jp"', "'teams:sato@city.lg.jp' は メールアドレス（UPN）です。Teams はメールアドレスでは照合"),
])
def test_a_name_or_mail_address_written_as_a_person_s_id_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str, said: str) -> None:
    # Before: check OK; the id matched nobody, so nobody on that platform could acknowledge or close.
    code, out = _run(tmp_path, f"profile: asahikawa\naccess:\n  pr_members: [{written}]\n" + CHANNELS, monkeypatch)
    assert code == 2, out
    assert f"app.yaml: access.pr_members[0]: {said}" in out


def test_a_space_after_the_platform_s_colon_is_told_the_id_to_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 「access.pr_members[0]: 文字列で指定してください」 only: nothing said the space made it a pair.
    text = ("profile: asahikawa\naccess:\n  pr_members: [slack: U0KOHO001, console:console-pr]\n"
            "  security_officers:\n    - teams: 8f1c2a3b-1111-4a5b-9c0d-000000000001\n")
    code, out = _run(tmp_path, text, monkeypatch)
    assert code == 2
    assert ("app.yaml: access.pr_members[0]: 「slack: U0KOHO001」はコロンの後に空白があるため「名前: 値」の組として"
            "読まれます。slack:U0KOHO001 と空白なしで書いてください。") in out
    assert "access.security_officers[0]: 「teams: 8f1c2a3b-1111-4a5b-9c0d-000000000001」はコロンの後" in out
    code, out = _run(tmp_path, "locale: en\n" + text, monkeypatch)
    assert "access.pr_members[0]: 'slack: U0KOHO001' has a space after the colon" in out


@pytest.mark.parametrize(("written", "read"), [
    ("ｓｌａｃｋ:Ｕ０ＫＯＨＯ００１", "slack:U0KOHO001"),
    ("slack：U0KOHO001", "slack:U0KOHO001"),
    ("ｔｅａｍｓ：８ｆ１ｃ２ａ３ｂ-1111-4a5b-9c0d-000000000001", "teams:8f1c2a3b-1111-4a5b-9c0d-000000000001"),
    ('"console:広報 佐藤"', "console:広報 佐藤"),
])
def test_an_id_typed_with_the_ime_in_full_width_is_read_as_written(tmp_path: Path, written: str, read: str) -> None:
    # Before: 「…がどのチャットのユーザー ID か分かりません。先頭にプラットフォームを付けてください」 — it had one.
    (tmp_path / "app.yaml").write_text(f"profile: urausu\naccess:\n  pr_members: [{written}]\n", encoding="utf-8")
    assert load_config(tmp_path / "app.yaml", environ={}).file.access.pr_members == [read]
