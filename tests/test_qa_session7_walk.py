"""Session 7 QA walk (docs/qa/session7_walk.md): what an installer, reporters in the four municipalities, a
mischief-maker and a section chief reading the records met, kept fixed."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings, ConsoleUser
from bot.main import run
from bot.ports import Actor, ReportInput
from bot.triage.core import InvalidRequest
from bot.wiring import Runtime
from tests.conftest import PR, STAFF

PROFILES = ["asahikawa", "urausu", "iwaki", "chikugo"]
REPORTER = Actor(STAFF, "山田 花子", "test")
PR_OFFICER = Actor(PR, "広報 佐藤", "test")


def _console(runtime: Runtime) -> ConsoleChat:
    users = ConsoleSettings(users={"staff": ConsoleUser(id=STAFF, name="山田 花子"),
                                   "pr": ConsoleUser(id=PR, name="広報 佐藤")}, default_user="staff")
    return ConsoleChat(runtime.triage, users)


# -- the leak's internal report: each numbered item on its own line ------------------------------------------
@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("department", ["", "市民課"])
def test_the_leak_report_keeps_finder_and_place_on_their_own_lines(runtime_factory: Callable[..., Runtime],
                                                                   sqlite_url: str, profile: str, locale: str,
                                                                   department: str) -> None:
    """The internal leak report read 「2 発見者　山田 花子（市民課）3 場所　Instagram …」: the block tag closing item 2
    ate its line break (trim_blocks), in every municipality, with or without a department."""
    runtime = runtime_factory(sqlite_url, profile=profile, locale=locale, escalation={"levels": []})
    chat = _console(runtime)
    chat.handle("/report --kind leak 職員が住民の個人情報を含む写真を投稿しました https://www.instagram.com/p/abc444")
    if department:
        chat.handle(f"/done leak_summary=氏名3名 spread=small press=no personal_data=yes department={department}")
    drafts = chat.handle("/drafts")
    finder, place = ("2 発見者", "3 場所") if locale == "ja" else ("2. Found by:", "3. Where:")
    lines = drafts.splitlines()
    assert any(line.startswith(finder) for line in lines), drafts
    assert any(line.startswith(place) for line in lines), drafts
    assert not re.search(re.escape(finder) + ".*" + re.escape(place), drafts), drafts


# -- /grant: a role goes to someone, never to an empty or meaningless id ----------------------------------------
@pytest.mark.parametrize("typed", ["", "   ", ";;;", "console:", "slack:", "「」"])
def test_a_role_is_not_granted_to_an_id_that_names_nobody(runtime_factory: Callable[..., Runtime],
                                                          sqlite_url: str, typed: str) -> None:
    """PR typing `/grant` with nothing after it was told 「INC-0001 の報告者として console: に閲覧・操作の権限を
    付与しました」, and `/grant ;;;` granted the role to 「console:;;;」: any non-empty string was taken as an id."""
    runtime = runtime_factory(sqlite_url)
    outcome = runtime.triage.incidents.report(
        ReportInput("職員が個人情報を投稿してしまいました https://x.com/a/status/1", REPORTER, kind_hint="leak"))
    assert outcome.incident is not None
    with pytest.raises(InvalidRequest):
        runtime.triage.roles.grant_reporter(outcome.incident.id, typed, PR_OFFICER)
    chat = _console(runtime)
    chat.handle("/as pr")
    chat.handle(f"/open {outcome.incident.id}")
    answer = chat.handle(f"/grant {typed}")
    assert "付与しました" not in answer, answer
    timeline = chat.handle(f"/timeline {outcome.incident.id}")
    assert "権限" not in timeline or "付与" not in timeline, timeline


def test_a_role_is_still_granted_to_a_real_id(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """The check above refuses nothing a chat platform really sends."""
    runtime = runtime_factory(sqlite_url)
    outcome = runtime.triage.incidents.report(
        ReportInput("職員が個人情報を投稿してしまいました https://x.com/a/status/1", REPORTER, kind_hint="leak"))
    assert outcome.incident is not None
    for user in ("slack:U0123ABCD", "teams:29:1abc-DEF_g", "lineworks:user@example.lg.jp", "console:console-other"):
        done = runtime.triage.roles.grant_reporter(outcome.incident.id, user, PR_OFFICER)
        assert any(user in m for m in done.messages), done.messages


# -- the department a reporter answers is the incident's ---------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_the_department_answered_in_a_step_signs_the_report_and_fills_the_list(
        runtime_factory: Callable[..., Runtime], database_url: str, profile: str) -> None:
    """Step 1 asks 担当課; the drafts used it, but the Word report was still signed 「旭川市　（所属）」, the incident
    list's 所管課 column stayed empty and the weekly summary counted it under no department."""
    from bot.records.model import load_record
    from bot.records.report import build_report
    runtime = runtime_factory(database_url, profile=profile, escalation={"levels": []})
    chat = _console(runtime)
    chat.handle("/report --kind flaming 市の投稿が炎上しています https://x.com/city/status/111")
    chat.handle("/done spread=medium press=no personal_data=no department=観光課 account_type=official")
    deps = runtime.triage.deps
    record = load_record(deps, 1, PR)
    report = build_report(deps, record)
    assert "観光課" in report.author and "（所属）" not in report.author, report.author
    assert record.view.department == "観光課"  # what the incident list (Excel) and the weekly summary read


# -- records cite a notice's clauses as the notice did -----------------------------------------------------------
@pytest.mark.parametrize(("kind", "specific"), [("leak", False), ("account_takeover", False), ("flaming", True)])
def test_records_say_when_the_notice_cited_clauses_about_other_trouble(runtime_factory: Callable[..., Runtime],
                                                                       database_url: str, kind: str,
                                                                       specific: bool) -> None:
    """旭川市 names 広報広聴課 for flaming, impersonation and misinformation (7(1)エ, 7(2)ア, 7(3)イ) but for no
    leak or takeover. The notice says so (「ほかのトラブルについての報告先…」); the timeline and the Word report cited
    the three clauses bare, as if the guideline sent leaks to 広報広聴課."""
    from bot.records.model import load_record
    from bot.records.report import build_report
    from bot.records.sentences import Describer

    runtime = runtime_factory(database_url, escalation={"levels": []})
    outcome = runtime.triage.incidents.report(
        ReportInput("市の公式アカウントの件です https://x.com/city/status/7", REPORTER, kind_hint=kind))
    assert outcome.incident is not None
    [notice] = outcome.notifications
    assert ("ほかのトラブル" not in notice.body) is specific, notice.body
    deps = runtime.triage.deps
    record = load_record(deps, outcome.incident.id, PR)
    [line] = [line for line in Describer.for_deps(deps).describe(record.entries) if line.type == "notified"]
    assert "7(1)エ" in line.clauses
    assert ("ほかのトラブル" not in line.clauses) is specific, line.clauses
    assert "通知先の根拠" not in line.clauses  # shown after the records' own 「根拠:」 label: not labelled twice
    report = build_report(deps, record)
    cells = [cell for section in report.sections if section.table for row in section.table.rows for cell in row]
    assert any("7(1)エ" in str(cell) for cell in cells)
    assert (not any("ほかのトラブル" in str(cell) for cell in cells)) is specific


# -- an administrator's mistakes in app.yaml are told in Japanese, naming the file and the field ------------------
def _check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes,
           database_url: str | None = None) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url or f"sqlite:///{tmp_path / 'bot.db'}")
    config = tmp_path / "city.yaml"
    config.write_bytes(content)
    out = io.StringIO()
    code = run(["check", "--config", str(config)], stdout=out, stderr=out)
    return code, out.getvalue()


@pytest.mark.parametrize(("content", "database_url", "field", "japanese"), [
    ("profile: asahikwa\n", None, "profile", "プロファイル 'asahikwa' はありません"),
    ("profile: asahikawa\nescalation:\n  renotice_limit: 6\n tick_seconds: 60\n", None, "4 行目",
     "YAML の書き方に誤りがあります"),
    ("- profile: asahikawa\n", None, "(最上位)", "「項目名: 値」の形で"),
    ("# 旭川市\nprofile: asahikawa\n", None, "city.yaml", "UTF-8"),
    ("profile: asahikawa\n", "mysql://db/bot", "DATABASE_URL", "sqlite:///ファイルのパス または postgresql://"),
    ("profile: asahikawa\nescalation:\n  levels:\n    - {section: somu, after_minutes: 30}\n", None,
     "escalation.levels[0].section", "部署 'somu' はありません"),
    ("profile: mycity\ncustom_profiles:\n  mycity: {extends: sapporo}\n", None, "extends",
     "組み込みプロファイル 'sapporo' はありません"),
    ("profile: mycity\ncustom_profiles:\n  mycity: {extends: asahikawa, nmae: 例市}\n", None, "nmae",
     "独自のプロファイルには書けない項目です"),
])
def test_app_yaml_mistakes_are_told_in_japanese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str,
                                                database_url: str | None, field: str, japanese: str) -> None:
    """These were English only (「unknown profile 'asahikwa'」「invalid YAML: expected <block end>」「cannot read:
    'utf-8' codec can't decode」…) while every other mistake in app.yaml is told in Japanese first."""
    raw = content.encode("cp932" if "UTF-8" in japanese else "utf-8")  # Shift_JIS: saved by a Windows editor
    code, said = _check(tmp_path, monkeypatch, raw, database_url)
    assert code == 2 and "Traceback" not in said, said
    first = said.split("\n")[1]  # the line after 「設定エラー:」
    assert japanese in first and field in first, said


def test_a_misspelt_section_of_a_custom_profile_is_pointed_out(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`sections: {pr_sectoin: {name: 広報課}}` added an unused section and kept 広報広聴課 as the name everywhere,
    without a word from `incident-bot check`."""
    content = ("profile: mycity\naccess: {pr_members: ['console:console-pr']}\ncustom_profiles:\n  mycity:\n"
               "    extends: asahikawa\n    sections:\n      pr_sectoin: {name: {ja: 広報課, en: PR Division}}\n")
    code, said = _check(tmp_path, monkeypatch, content.encode("utf-8"))
    assert code == 0, said
    assert "sections.pr_sectoin: 注意:" in said and "pr_section" in said.split("pr_sectoin: 注意:")[1], said
    fixed = content.replace("pr_sectoin", "pr_section")
    code, said = _check(tmp_path, monkeypatch, fixed.encode("utf-8"))
    assert code == 0 and "注意: asahikawa にない部署" not in said, said


# -- console commands with bad arguments -------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["-1", "--1", "- 1"])
def test_a_negative_number_is_no_incident_number(typed: str) -> None:
    """`incident-bot timeline -1` exported INC-0001 and `/open -1` opened it: the dash was read as INC-'s."""
    from bot.triage.short_input import incident_number

    assert incident_number(typed) is None
    assert incident_number("INC-0001") == incident_number("ＩＮＣ－０００１") == incident_number("inc 1") == 1


@pytest.mark.parametrize(("argv", "japanese"), [
    (["report", "1", "--format", "pdf"], "--format: 「pdf」は指定できません"),
    (["timeline"], "必須の引数がありません: target"),
    (["retention", "--bad"], "使えない引数です: --bad"),
    (["teams", "--port", "abc"], "--port: 「abc」は指定できない値です"),
    (["frobnicate"], "「frobnicate」は指定できません"),
])
def test_bad_command_arguments_are_told_in_japanese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str], argv: list[str],
                                                    japanese: str) -> None:
    """argparse's own English (「invalid choice」「unrecognized arguments」) was all a clerk got."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        run(argv)
    said = capsys.readouterr().err
    assert stopped.value.code == 2
    assert japanese in said and said.index(japanese) < said.index("error:"), said


def test_a_bad_week_is_told_in_japanese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`summary --week bad` said only 「expected an ISO week such as 2026-W47, got 'bad'」."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    (tmp_path / "app.yaml").write_text("profile: asahikawa\n", encoding="utf-8")
    for week in ("bad", "2026-W60"):
        out = io.StringIO()
        assert run(["summary", "--week", week], stdout=out, stderr=out) == 2
        said = "summary: --week: 週は、その週の日付（例 2026-11-23）か ISO 週番号（例 2026-W47）で指定してください"
        assert out.getvalue().startswith(said), out.getvalue()
    out = io.StringIO()
    assert run(["summary", "--week", "bad"], stdout=out, stderr=out) == 2
    assert "(2026-11-23) or an ISO week" in out.getvalue()  # the English line says both forms too


def test_the_account_type_is_answered_with_its_short_word(runtime_factory: Callable[..., Runtime],
                                                          sqlite_url: str) -> None:
    """`account_type=公式` was refused although `spread=中` and `press=なし` are read (README)."""
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    chat = _console(runtime)
    chat.handle("/report --kind flaming 市の投稿が炎上しています https://x.com/city/status/111")
    answer = chat.handle("/done spread=中 press=なし personal_data=なし account_type=公式")
    assert "【手順 2/" in answer, answer


def test_the_app_yaml_init_writes_is_japanese_throughout() -> None:
    """The rate_limit block of the generated app.yaml opened with two English-only comment lines."""
    from bot.paths import builtin_playbooks_dir

    template = (builtin_playbooks_dir().parent / "bot" / "templates" / "app.example.yaml").read_text(encoding="utf-8")
    comments = [line for line in template.splitlines() if line.lstrip().startswith("#")]
    english_only = [line for line in comments if re.search(r"[a-z]{3,} [a-z]{3,} [a-z]{3,}", line)
                    and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", line)]
    assert not english_only, english_only


# -- guided questions: a command ends them and runs, it is never taken as an answer -----------------------------
@pytest.mark.parametrize("command", ["/skip", "／skip", "/as pr"])
def test_a_command_during_the_questions_ends_them_and_runs(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                            command: str) -> None:
    """After `/done` with no answers, 「/as pr」 or 「/skip」 was checked as the answer to the current question
    (「対象の投稿のURL は http:// で始まる…（入力: /as pr）」) until /cancel."""
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    chat = _console(runtime)
    chat.handle("/report --kind flaming 市の公式Xの投稿に批判が殺到しています")
    first = chat.handle("/done")
    assert chat.guided is not None, first
    answer = chat.handle(command)
    assert chat.guided is None
    assert "入力を中止しました" in answer
    assert "（入力:" not in answer and "must be one of" not in answer, answer
    if command == "/as pr":
        assert chat.actor.user_id == PR
    else:  # step 1 skipped: the next step is shown
        assert "【手順 2/" in answer, answer


def test_cancel_during_the_questions_still_only_stops_them(runtime_factory: Callable[..., Runtime],
                                                           sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, escalation={"levels": []})
    chat = _console(runtime)
    chat.handle("/report --kind flaming 市の公式Xの投稿に批判が殺到しています")
    chat.handle("/done")
    assert chat.handle("/cancel") == "入力を中止しました。手順はそのままです。"
    assert chat.guided is None
