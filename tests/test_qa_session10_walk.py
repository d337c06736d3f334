"""Session 10 QA walk (docs/qa/session10_walk_config.md): an operator configuring a municipality the team never
configured — custom profiles, an own guideline in playbooks_dir and the mistakes made on the way — kept fixed."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.main import run
from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from tests.conftest import PR, STAFF

REPORTER = Actor(STAFF, "山田 花子", "test")
PR_OFFICER = Actor(PR, "広報 佐藤", "test")
# 大川市 on 筑後市's guideline: its 総務広報課長 is called 企画広報課長, and the PR unit is told too.
OKAWA: dict[str, Any] = {"okawa": {
    "extends": "chikugo", "name": {"ja": "大川市", "en": "Okawa City"},
    "sections": {"pr_head": {"name": {"ja": "企画広報課長", "en": "Head of Planning and PR"}},
                 "pr_section": {"name": {"ja": "企画広報課 広報係", "en": "PR Unit"}}},
    "first_report_to": ["pr_head", "pr_section"]}}


def _okawa(runtime_factory: Callable[..., Runtime], url: str, **overrides: Any) -> Runtime:
    return runtime_factory(url, profile="okawa", custom_profiles=OKAWA, escalation={"levels": []}, **overrides)


# -- a renamed section acknowledges under its new name --------------------------------------------------------
def test_a_renamed_section_acknowledges_and_acts_under_its_new_name(runtime_factory: Callable[..., Runtime],
                                                                     database_url: str) -> None:
    """大川市 renamed 総務広報課長 to 企画広報課長, yet the timeline's acknowledgement read 「総務広報課長確認」
    and steps done by the head said 「実施者: 総務広報課長」: the acknowledger and actors
    kept the guideline town's words."""
    from bot.records.model import load_record
    from bot.records.sentences import Describer

    runtime = _okawa(runtime_factory, database_url)
    profile = runtime.triage.deps.profile
    assert profile.acknowledger.ja == "企画広報課長"
    assert profile.actor_name("head", "ja") == "企画広報課長"
    assert profile.actor_name("head", "en") == "Head of Planning and PR"
    outcome = runtime.triage.incidents.report(
        ReportInput("市の公式Xの投稿が炎上しています https://x.com/city/status/8", REPORTER, kind_hint="flaming"))
    assert outcome.incident is not None
    runtime.triage.incidents.acknowledge(outcome.incident.id, PR_OFFICER)
    record = load_record(runtime.triage.deps, outcome.incident.id, PR)
    words = " ".join(f"{line.event} {line.text}" for line in Describer.for_deps(runtime.triage.deps)
                     .describe(record.entries))
    assert "総務広報課長" not in words, words
    assert "企画広報課長確認" in words, words


@pytest.mark.parametrize(("base", "section", "old", "actor"), [
    ("asahikawa", "pr_section", "広報広聴課", "pr"), ("urausu", "pr_section", "総務課", "pr"),
    ("iwaki", "pr_section", "アカウント管理者", "account_manager")])
def test_each_guideline_towns_acknowledger_follows_the_rename(runtime_factory: Callable[..., Runtime],
                                                             sqlite_url: str, base: str, section: str, old: str,
                                                             actor: str) -> None:
    """The same for the other three guidelines; a name app.yaml gives itself is kept."""
    custom = {"mytown": {"extends": base, "sections": {section: {"name": {"ja": "広報戦略室", "en": "PR Office"}}}}}
    profile = runtime_factory(sqlite_url, profile="mytown", custom_profiles=custom,
                              escalation={"levels": []}).triage.deps.profile
    assert (profile.acknowledger.ja, profile.actor_name(actor, "ja")) == ("広報戦略室", "広報戦略室")
    custom["mytown"]["acknowledger"] = {"ja": "広報戦略室長", "en": "Head of PR Office"}
    profile = runtime_factory(sqlite_url, profile="mytown", custom_profiles=custom,
                              escalation={"levels": []}).triage.deps.profile
    assert profile.acknowledger.ja == "広報戦略室長"
    assert old not in profile.actor_name("reporter", "ja")


# -- records say 自治体の運用設定 where the notice did ----------------------------------------------------------
@pytest.mark.parametrize("kind", ["flaming", "leak"])
def test_records_label_first_recipients_the_guideline_does_not_name(runtime_factory: Callable[..., Runtime],
                                                                    database_url: str, kind: str) -> None:
    """With first_report_to changed in app.yaml the notice said 「通知先の根拠: 自治体の運用設定」, but the timeline and
    the Word report's 通知・確認 table cited 筑後市ガイドライン 3 bare, as if the guideline named 企画広報課 広報係."""
    from bot.records.model import load_record
    from bot.records.report import build_report
    from bot.records.sentences import Describer

    runtime = _okawa(runtime_factory, database_url)
    outcome = runtime.triage.incidents.report(
        ReportInput("市の公式アカウントの件です https://x.com/city/status/9", REPORTER, kind_hint=kind))
    assert outcome.incident is not None
    [notice] = outcome.notifications
    assert "自治体の運用設定" in notice.body, notice.body
    deps = runtime.triage.deps
    record = load_record(deps, outcome.incident.id, PR)
    [line] = [line for line in Describer.for_deps(deps).describe(record.entries) if line.type == "notified"]
    assert "自治体の運用設定" in line.clauses and "ガイドライン 3" not in line.clauses, line.clauses
    assert "通知先の根拠" not in line.clauses  # after the records' own 「根拠:」: not labelled twice
    report = build_report(deps, record)
    rows = [row for section in report.sections if section.table for row in section.table.rows
            if len(row) == 4 and "企画広報課 広報係" in str(row[2])]  # 6. 通知・確認
    assert rows and all("自治体の運用設定" in " ".join(map(str, row)) for row in rows), rows


# -- an own guideline in playbooks_dir: the operator's mistakes are told in Japanese, naming file and field -----
REPO = Path(__file__).resolve().parent.parent


def _own_guideline(tmp_path: Path) -> Path:
    """八女市 on a copy of 筑後市's profile and the five playbooks, each step citing what 筑後市's does."""
    book = tmp_path / "pb"
    (book / "profiles").mkdir(parents=True)
    text = (REPO / "playbooks" / "profiles" / "chikugo.yaml").read_text(encoding="utf-8")
    (book / "profiles" / "yame.yaml").write_text(
        text.replace("id: chikugo", "id: yame").replace("citation_prefix: 筑後市", "citation_prefix: 八女市"),
        encoding="utf-8")

    def add(node: Any) -> Any:
        if isinstance(node, dict):
            out = {key: add(value) for key, value in node.items()}
            if "chikugo" in out:
                out["yame"] = out["chikugo"]
            return out
        if isinstance(node, list):
            return [add(item) for item in node] + (["yame"] if "chikugo" in node else [])
        return node

    for path in (REPO / "playbooks").glob("*.yaml"):
        data = add(yaml.safe_load(path.read_text(encoding="utf-8")))
        (book / path.name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000),
                                      encoding="utf-8")
    (tmp_path / "app.yaml").write_text("profile: yame\nplaybooks_dir: pb\n"
                                       "access: {pr_members: ['console:console-pr']}\n", encoding="utf-8")
    return book


def _check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    out = io.StringIO()
    code = run(["check", "--config", str(tmp_path / "app.yaml")], stdout=out, stderr=out)
    return code, out.getvalue()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


MISTAKES: list[tuple[str, str, str, str, str, str]] = [
    # file, old, new, where the message points, Japanese that must be in it
    ("profiles/yame.yaml", "first_report_to: [pr_head]", "first_report_to: [pr_haed]",
     "yame.yaml: first_report_to[0]", "部署 'pr_haed' は sections にありません", "typo in a section id"),
    ("profiles/yame.yaml", "  reporter: ", "\treporter: ", "yame.yaml: ", "タブ文字は使えません", "a tab"),
    ("profiles/yame.yaml", "id: yame", "id: yamee", "yame.yaml: id", "ファイル名と同じ 'yame' にしてください",
     "id unlike the file"),
    ("profiles/yame.yaml", "first_report_clauses: [\"3\"]", "first_report_clauses: [\"3(1)\"]",
     "yame.yaml: first_report_clauses[0]", "条項 '3(1)' がこのプロファイルの clauses にありません",
     "missing clause in the profile"),
    ("flaming.yaml", "yame:", "yamee:", "flaming.yaml: steps[0]", "プロファイル 'yamee' はありません",
     "a profile id that does not exist"),
]


@pytest.mark.parametrize(("name", "old", "new", "where", "japanese", "mistake"), MISTAKES,
                         ids=[m[-1] for m in MISTAKES])
def test_own_guideline_mistakes_are_told_in_japanese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                                     old: str, new: str, where: str, japanese: str,
                                                     mistake: str) -> None:
    """Every mistake in playbooks_dir's profile and playbooks stopped start-up with English only (「unknown section
    'pr_haed' (known: …)」「invalid YAML: found character '\\t'…」), after a Japanese 「設定エラー:」."""
    book = _own_guideline(tmp_path)
    assert _check(tmp_path, monkeypatch)[0] == 0
    _edit(book / name, old, new)
    code, said = _check(tmp_path, monkeypatch)
    assert code == 2, said
    first = said.split("設定エラー:", 1)[-1].strip().splitlines()[0]
    assert where in first and japanese in first, said
    assert "Traceback" not in said


def test_a_step_without_the_new_towns_clause_is_told_in_japanese(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile put in playbooks_dir without copying the playbooks: README promises the step is named; it was,
    in English only (「missing; give the 'yame' guideline's clauses or a fallback.yame saying it is silent」)."""
    book = _own_guideline(tmp_path)
    (book / "flaming.yaml").unlink()
    code, said = _check(tmp_path, monkeypatch)
    assert code == 2
    assert "flaming.yaml: steps[0].clauses.yame: この手順の 'yame' の根拠条項がありません" in said, said


@pytest.mark.parametrize(("line", "typed", "japanese"), [
    (3, "{{ incident.ref }", "3 行目: テンプレート（Jinja2）の書き方に誤りがあります"),
    (3, "{{ incidnet.ref }}", "テンプレートに使えない名前 ['incidnet']"),
])
def test_a_draft_template_mistake_names_the_files_line_in_japanese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   line: int, typed: str, japanese: str) -> None:
    """A Jinja error in a copied draft was told in English, at the template's line (the file's minus the title)."""
    book = _own_guideline(tmp_path)
    (book / "drafts").mkdir()
    for locale in ("ja", "en"):
        source = (REPO / "playbooks" / "drafts" / f"apology.{locale}.j2").read_text(encoding="utf-8")
        (book / "drafts" / f"apology.{locale}.j2").write_text(source, encoding="utf-8")
    path = book / "drafts" / "apology.ja.j2"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].rstrip("\n") + typed + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    code, said = _check(tmp_path, monkeypatch)
    assert code == 2
    assert f"pb/drafts/apology.ja.j2: {japanese}" in said, said


# -- check: an escalation level that names nobody, a report channel list left empty -----------------------------
def test_a_blank_mention_is_an_escalation_level_that_names_nobody(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`mention: "  "` on an added level passed `check` (only a warning that Slack shows it as text); the level
    then pinged nobody at all, which `check` exists to stop."""
    _own_guideline(tmp_path)
    with (tmp_path / "app.yaml").open("a", encoding="utf-8") as handle:
        handle.write("escalation:\n  levels:\n    - {section: pr_head, after_minutes: 30, mention: U0PRHEAD}\n"
                     "    - {section: pr_section, after_minutes: 60, mention: \"  \"}\n"
                     "slack: {report_channels: [C0REPORT], pr_channel: C0PR}\n")
    code, said = _check(tmp_path, monkeypatch)
    assert code == 2, said
    assert "第 2 段階" in said and "通知先がいません" in said, said


@pytest.mark.parametrize("platform", ["slack", "teams", "lineworks"])
def test_an_empty_report_channel_list_is_pointed_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     platform: str) -> None:
    """A PR channel with `report_channels: []` passed `check` silently: staff posting in the channel they were
    told to use would get no answer and no incident."""
    _own_guideline(tmp_path)
    with (tmp_path / "app.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"{platform}: {{report_channels: [], pr_channel: C0PR}}\n")
    code, said = _check(tmp_path, monkeypatch)
    assert code == 0, said
    assert f"app.yaml: {platform}.report_channels: 注意: 報告を受け付けるチャンネルがありません" in said, said


# -- 旭川市 7(3)イ under app.yaml's own first recipients: the clause gives the condition, not the recipients --------
KITAMI: dict[str, Any] = {"kitami": {
    "extends": "asahikawa", "sections": {"pr_section": {"name": {"ja": "広報課", "en": "PR Division"}},
                                         "department_head": {"name": {"ja": "所属課長", "en": "Head of Division"}}},
    "first_report_to": ["pr_section", "department_head"]}}


def test_a_held_notice_does_not_put_own_recipients_in_the_clauses_mouth(runtime_factory: Callable[..., Runtime],
                                                                         sqlite_url: str) -> None:
    """北見市 (旭川市's guideline, 広報課 and 所属課長 told first) read 「旭川市ガイドライン 7(3)イ では、広報課及び
    所属課長（自治体の運用設定）への報告は「悪質な場合」に行うこととされています」, and the step said the bot would tell
    広報課 alone, though it tells both."""
    from bot.adapters.console import ConsoleChat
    from bot.config import ConsoleSettings, ConsoleUser

    runtime = runtime_factory(sqlite_url, profile="kitami", custom_profiles=KITAMI, escalation={"levels": []})
    users = ConsoleSettings(users={"staff": ConsoleUser(id=STAFF, name="山田 花子")}, default_user="staff")
    chat = ConsoleChat(runtime.triage, users)
    said = chat.handle("/report --kind misinformation 市が水道料金を3倍にするというデマが拡散しています "
                       "https://x.com/a/status/5")
    assert "7(3)イ では、報告は「悪質な場合」に行うこととされています" in said, said
    assert "該当する場合に広報課及び所属課長（自治体の運用設定）へ通知します" in said, said
    assert "広報課及び所属課長（自治体の運用設定）への報告は" not in said, said
    step = chat.handle("/skip")  # step 2 asks whether it is malicious
    assert "ボットが広報課及び所属課長（自治体の運用設定）に通知します" in step, step


def test_renaming_a_section_of_an_own_guideline_profile_is_not_called_a_typo(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """広川町 extends 八女市's own profile (playbooks_dir) and renames its pr_section: `check` said 「yame にない部署で
    …元の部署の名前（pr_head）で書いてください」, looking for yame among the packaged profiles only."""
    _own_guideline(tmp_path)
    (tmp_path / "app.yaml").write_text(
        "profile: hirokawa\nplaybooks_dir: pb\naccess: {pr_members: ['console:console-pr']}\n"
        "custom_profiles:\n  hirokawa:\n    extends: yame\n    sections:\n"
        "      pr_section: {name: {ja: 協働推進課 広報係, en: PR Unit}}\n"
        "      pr_sectoin: {name: {ja: 広報係, en: PR Unit}}\n", encoding="utf-8")
    code, said = _check(tmp_path, monkeypatch)
    assert code == 0, said
    assert "sections.pr_section:" not in said, said
    assert "sections.pr_sectoin: 注意: yame にない部署" in said, said  # a real typo is still pointed out


def test_a_custom_profile_takes_a_plain_name(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """`acknowledger: 広報課長`, `actors: {head: 所属課長}`, `sections: {pr_section: {name: 広報課}}` — names as
    an operator writes them — stopped start-up with 「「名前: 値」の組（マッピング）で指定してください」."""
    custom = {"kitami": {"extends": "asahikawa", "name": "北見市", "acknowledger": "広報課長",
                         "actors": {"head": "所属課長"}, "sections": {"pr_section": {"name": "広報課"}}}}
    profile = runtime_factory(sqlite_url, profile="kitami", custom_profiles=custom,
                              escalation={"levels": []}).triage.deps.profile
    assert (profile.name_for("ja"), profile.acknowledger.ja, profile.actor_name("head", "ja"),
            profile.section_name("pr_section", "ja")) == ("北見市", "広報課長", "所属課長", "広報課")
    assert profile.section_name("pr_section", "en") == "広報課"  # one language given: used for both
