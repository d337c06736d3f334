"""Session 18 config walk (docs/qa/session18_walk_config.md): set-ups by municipalities nobody here configured.
Each test failed before its fix."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.main import run


def _check(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    out = io.StringIO()
    code = run(["check", "--config", str(tmp_path / "app.yaml")], stdout=out, stderr=out)
    return code, out.getvalue()


@pytest.mark.parametrize("url", ["postgresql:/bot@db.example.lg.jp/townbot", "postgresql//bot@db.example.lg.jp/x",
                                 "postgres:bot@db.example.lg.jp/x", "sqlite:/data/bot.db",
                                 "postgresql:/bot:s3cret@db.example.lg.jp/x", "postgresql//bot:s3cret@db/x"])
def test_a_database_url_missing_its_slashes_is_named_as_such(tmp_path: Path, url: str) -> None:
    # Before: 「ファイルのパスは URL の形で sqlite:///postgresql:/bot@… のように書いてください」 — a PostgreSQL URL
    # with one slash too few was taken for a file path.
    (tmp_path / "app.yaml").write_text("profile: iwaki\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "app.yaml", environ={"DATABASE_URL": url})
    message = str(caught.value)
    assert "sqlite:///postgres" not in message and "sqlite:///sqlite" not in message
    assert message.startswith("DATABASE_URL: ") and "://" in message and "「/」" in message
    assert "s3cret" not in message  # the password is a secret, as everywhere else


def test_a_database_url_with_a_wrong_port_is_refused_without_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 「予期しないエラーで終了しました（ValueError）」 for `…@127.0.0.1:543a/x`, nothing about the port.
    code, said = _check(tmp_path, "profile: iwaki\ndatabase_url: postgresql://bot@127.0.0.1:543a/townbot\n",
                        monkeypatch)
    assert code == 2
    assert "database_url" in said and "ポート" in said and "'543a'" in said and "ValueError" not in said


def test_check_says_which_municipality_runs_when_app_yaml_names_no_profile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: app.yaml without `profile:` (the line deleted or mistyped as a comment) passed as 旭川市 without a word:
    # another municipality's notices went to 広報広聴課 citing 旭川市's guideline.
    code, said = _check(tmp_path, 'access:\n  pr_members: ["console:console-pr"]\n', monkeypatch)
    assert code == 0
    assert "profile: 注意" in said and "asahikawa（旭川市）" in said
    code, said = _check(tmp_path, 'profile: asahikawa\naccess:\n  pr_members: ["console:console-pr"]\n', monkeypatch)
    assert code == 0 and "profile: 注意" not in said


def test_check_says_a_later_first_recipient_is_told_at_once_and_its_wait_unused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 浦臼町 5(3) tells 所属課局長 and 総務課 together. An operator who wrote 総務課 first (15 min) and then 所属課局長
    # (45 min), meaning a chain, got `check` OK: both are told at once and the 45 minutes are never used.
    code, said = _check(tmp_path, (
        "profile: urausu\naccess:\n  pr_members: [\"console:console-pr\"]\nescalation:\n  levels:\n"
        "    - {section: pr_section, after_minutes: 15, mention: U0SOUMU01}\n"
        "    - {section: department_head, after_minutes: 45, mention: U0KACHO01}\n"), monkeypatch)
    assert code == 0
    assert "escalation.levels[1].after_minutes: 注意" in said
    assert "所属課局長" in said and "同時に" in said and "15 分" in said
    code, said = _check(tmp_path, (
        "profile: urausu\naccess:\n  pr_members: [\"console:console-pr\"]\nescalation:\n  levels:\n"
        "    - {section: pr_section, after_minutes: 15, mention: U0SOUMU01}\n"
        "    - {section: department_head, mention: U0KACHO01}\n"), monkeypatch)
    assert "escalation.levels[1].after_minutes" not in said  # no wait written: nothing is lost


def _copied_municipality(tmp_path: Path) -> Path:
    """playbooks_dir `pb` as README says: 旭川市's profile copied as 名寄市 and the five playbooks with its entries."""
    import yaml

    from tests.conftest import REPO

    (tmp_path / "pb" / "profiles").mkdir(parents=True)
    profile = yaml.safe_load((REPO / "playbooks" / "profiles" / "asahikawa.yaml").read_text(encoding="utf-8"))
    profile.update(id="nayoro", name={"ja": "名寄市", "en": "Nayoro City"})
    profile["guideline"].update(title="名寄市ソーシャルメディアガイドライン", citation_prefix="名寄市",
                                citation_prefix_en="Nayoro City", source="nayoro.pdf")
    profile["sections"]["pr_section"]["name"] = {"ja": "広報広聴係", "en": "PR Section"}
    (tmp_path / "pb" / "profiles" / "nayoro.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True),
                                                            encoding="utf-8")

    def add(node: object) -> None:
        if isinstance(node, dict):
            if "asahikawa" in node:
                node.setdefault("nayoro", node["asahikawa"])
            for key, value in list(node.items()):
                if key == "profiles" and isinstance(value, list) and "asahikawa" in value:
                    value.append("nayoro")
                add(value)
        elif isinstance(node, list):
            for value in node:
                add(value)

    for kind in ("flaming", "impersonation", "misinformation", "leak", "account_takeover"):
        playbook = yaml.safe_load((REPO / "playbooks" / f"{kind}.yaml").read_text(encoding="utf-8"))
        add(playbook)
        (tmp_path / "pb" / f"{kind}.yaml").write_text(yaml.safe_dump(playbook, allow_unicode=True, sort_keys=False),
                                                      encoding="utf-8")
    return tmp_path / "pb"


def test_a_copied_step_naming_a_section_the_new_profile_lacks_is_said_in_japanese(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: 「pb/misinformation.yaml: steps[4].instructions.ja: cannot render for profile 'nayoro' (ja):
    # UndefinedError: 'dict object' has no attribute 'pr_head'」 — English only, nothing on what to change.
    _copied_municipality(tmp_path)
    code, said = _check(tmp_path, 'profile: nayoro\nplaybooks_dir: pb\naccess:\n  pr_members: ["console:console-pr"]\n',
                        monkeypatch)
    assert code == 2
    first = said.splitlines()[1]  # after 「設定エラー:」
    assert "pb/misinformation.yaml: steps[4].instructions.ja: " in first
    assert "「pr_head」" in first and "nayoro" in first and "pr_section" in first and "書き直して" in first
    # Nor the advice for an outdated copy of a built-in (「このファイルを削除すると…」): the copy is the new city's own.
    assert "置き換えています" not in said and "delete it" not in said


def test_a_municipal_own_step_with_a_note_and_no_clauses_is_refused_not_cited_to_the_general_rule(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: a step the municipality added (「市長公室へ報告する」) with
    # `fallback: {nayoro: {note: …自治体の運用設定…}}`
    # passed `check` and was shown with 「根拠: 名寄市ガイドライン 7(1)エ / 6(1) / 8(1)カ / 7(1)イ」 — the general
    # rule's clauses, which say nothing of the step, under a note saying it is no rule of the guideline.
    import yaml

    pb = _copied_municipality(tmp_path)
    for path in pb.glob("*.yaml"):  # the copied 筑後市 wording 「{{ sections.pr_head }}に協議」 rewritten
        path.write_text(path.read_text(encoding="utf-8").replace("sections.pr_head", "sections.pr_section"),
                        encoding="utf-8")
    flaming = yaml.safe_load((pb / "flaming.yaml").read_text(encoding="utf-8"))
    note = {"ja": "この手順は名寄市の運用で定めたものです（自治体の運用設定）。", "en": "Nayoro City's own setting."}
    flaming["steps"].insert(2, {
        "id": "tell_mayor", "title": {"ja": "市長公室へ報告する", "en": "Tell the Mayor's Office"},
        "profiles": ["nayoro"], "instructions": {"ja": "市長公室へ電話で報告してください。", "en": "Phone the office."},
        "fallback": {"nayoro": {"note": note}}})
    (pb / "flaming.yaml").write_text(yaml.safe_dump(flaming, allow_unicode=True, sort_keys=False), encoding="utf-8")
    app = 'profile: nayoro\nplaybooks_dir: pb\naccess:\n  pr_members: ["console:console-pr"]\n'
    code, said = _check(tmp_path, app, monkeypatch)
    assert code == 2
    assert "flaming.yaml: steps[2].fallback.nayoro.clauses: " in said and "practice: true" in said
    flaming["steps"][2]["fallback"]["nayoro"]["practice"] = True  # what the message says to write
    (pb / "flaming.yaml").write_text(yaml.safe_dump(flaming, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, said = _check(tmp_path, app, monkeypatch)
    assert code == 0, said


@pytest.mark.parametrize(("text", "line", "what"), [
    ("escalation:\n  renotice_limit：3\n", 2, "全角のコロン"),  # read as the string 'renotice_limit：3'
    ("profile: iwaki\nescalation:\n  renotice_limit：3\nsummary:\n  time: \"09:00\"\n", 3, "全角のコロン"),
    ("profile: iwaki\nescalation:\n  renotice_limit: 3\n\u3000tick_seconds: 60\nsummary: {}\n", 4, "全角スペース"),
    ("profile: iwaki\nslack:\n  pr_channel：\"C0PR00001\"\n", 3, "全角のコロン"),
    ("profile: iwaki\nescalation:\n  renotice_limit:\u30006\n  tick_seconds: 60\n", 3, "全角スペース"),
])
def test_a_full_width_colon_or_space_is_named_on_its_own_line(tmp_path: Path, text: str, line: int,
                                                               what: str) -> None:
    # Before: the line after the mistake (「10 行目」 for line 9), or, when the key was a block's last, a schema error
    # 「escalation: 「名前: 値」の組（マッピング）で指定してください（入力値: 'renotice_limit：3'）」 naming neither.
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "app.yaml", environ={})
    first = str(caught.value).splitlines()[0]
    assert f"app.yaml: {line} 行目" in first and what in first, first


def test_check_warns_when_the_restricted_channel_is_a_report_channel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A village with no separate security channel set restricted_channel to its report channel: `check` said OK,
    # and leak notices and the daily verification went to the channel every member of staff reads.
    base = ('profile: chikugo\naccess:\n  pr_members: ["slack:U0PR00001"]\nescalation:\n  levels:\n'
            '    - {section: pr_head, mention: U0PR00001}\nslack:\n  report_channels: [C0REPORT1]\n'
            '  pr_channel: C0PR00001\n')
    code, said = _check(tmp_path, base + "  restricted_channel: C0REPORT1\n", monkeypatch)
    assert code == 0
    assert "slack.restricted_channel: 注意" in said and "報告チャンネル" in said
    code, said = _check(tmp_path, base + "  restricted_channel: C0SECRET1\n", monkeypatch)
    assert code == 0 and "restricted_channel" not in said


def test_check_warns_when_a_platform_in_use_has_no_pr_member_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The init file's `pr_members: ["console:console-pr"]` kept while Slack channels were added: `check` said OK, yet
    # on Slack nobody may acknowledge (the notice's button refuses everyone) and the re-notices run to the limit.
    slack = 'profile: iwaki\nslack:\n  report_channels: [C0REPORT1]\n  pr_channel: C0PR00001\n'
    code, said = _check(tmp_path, slack + 'access:\n  pr_members: ["console:console-pr"]\n', monkeypatch)
    assert code == 0
    assert "slack.pr_members: 注意" in said and "access.pr_members" in said and "slack:U" in said
    for fixed in (slack + 'access:\n  pr_members: ["console:console-pr", "slack:U0PR00001"]\n',
                  slack + '  pr_members: [U0PR00001]\naccess:\n  pr_members: ["console:console-pr"]\n'):
        code, said = _check(tmp_path, fixed, monkeypatch)
        assert code == 0 and "slack.pr_members: 注意" not in said, said


@pytest.mark.parametrize(("start", "end"), [("18:00", "17:15"), ("8:30", "8:30"), ("17時15分", "8時30分")])
def test_office_hours_ending_before_they_start_are_refused(tmp_path: Path, start: str, end: str) -> None:
    # Before: accepted without a word and counted on the wall clock: re-notices at night, at weekends and on
    # holidays (a start and end written the wrong way round, as 「18:00」 for 「8:00」).
    (tmp_path / "app.yaml").write_text(
        f"profile: chikugo\nescalation:\n  office_hours:\n    start: {start}\n    end: {end}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "app.yaml", environ={})
    message = str(caught.value)
    assert "escalation.office_hours" in message and "end" in message and "start" in message and "後" in message


@pytest.mark.parametrize("detail", ['connection is bad: invalid sslmode value: "requir"',
                                    'invalid connection option "sslmod"'])
def test_a_mistyped_connection_option_is_named_not_a_server_down(detail: str) -> None:
    # Before: `?sslmode=requir` read 「データベースに接続できません … サーバーが動いているか…を確認してください」.
    from sqlalchemy.exc import OperationalError

    from bot.cli_errors import database_problem, say

    key = database_problem(OperationalError("connect", None, Exception(detail)))
    said = say(key, "ja", url="postgresql://bot@db/townbot?sslmode=requir", detail=detail)
    assert "サーバーが動いているか" not in said and "?" in said and detail in said and "何も保存していません" in said
