"""The command line: timeline export, incident list, chain verification, classification."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from bot.main import run
from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from storage.models import TimelineEvent
from tests.conftest import REPO, STAFF


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app.yaml in a temp dir and DATABASE_URL pointing at a temp SQLite file."""
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    config = tmp_path / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return config


def _cli(config: Path, *argv: str, stdin: str = "") -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--config", str(config), *argv], stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue() + err.getvalue()


def _seed(config: Path) -> None:
    code, _ = _cli(config, "chat", stdin="市の公式Xの投稿が炎上しています。苦情が殺到 https://x.com/c/status/1\n"
                                         "/done post_url=https://x.com/c/status/1 spread=medium press=no "
                                         "personal_data=no\n/as pr\n/ack\n/quit\n")
    assert code == 0


def test_chat_reads_stdin_and_writes_answers(cli_env: Path) -> None:
    code, out = _cli(cli_env, "chat", stdin="市の公式アカウントのなりすましを発見しました https://x.com/fake\n")
    assert code == 0 and "INC-0001" in out and "なりすまし" in out


def test_timeline_export_formats(cli_env: Path) -> None:
    _seed(cli_env)
    code, md = _cli(cli_env, "timeline", "1", "--format", "md")
    assert code == 0 and md.startswith("# INC-0001") and "| 広報広聴課確認 |" in md and "2026年" not in md[:0]
    code, raw = _cli(cli_env, "timeline", "INC-0001", "--format", "json")
    data = json.loads(raw)
    assert data["incident"]["ref"] == "INC-0001"
    types = [e["type"] for e in data["events"]]
    assert types[:3] == ["reported", "classified", "notified"] and "acknowledged" in types
    assert all(e["at"].endswith("+09:00") for e in data["events"])
    code, text = _cli(cli_env, "timeline", "1", "--format", "csv")
    assert text.startswith("\ufeff")  # UTF-8 with BOM, for Excel on Japanese Windows
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["日時", "種別", "実施者", "内容"] and len(rows) == len(types) + 1


def test_timeline_errors(cli_env: Path) -> None:
    _seed(cli_env)
    assert _cli(cli_env, "timeline", "42")[0] == 1
    code, out = _cli(cli_env, "timeline", "latest")
    assert code == 2 and "インシデントの番号を指定してください" in out and "latest" in out


def test_incidents_json(cli_env: Path) -> None:
    _seed(cli_env)
    code, out = _cli(cli_env, "incidents", "--json")
    [item] = json.loads(out)
    assert item["ref"] == "INC-0001" and item["kind"] == "flaming" and item["status"] == "responding"
    assert item["acknowledged_at"].endswith("+09:00")


def test_verify_catches_edits_and_deletions(cli_env: Path, runtime_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _seed(cli_env)
    code, out = _cli(cli_env, "timeline", "verify")
    assert code == 0 and "改ざんされていません" in out
    runtime: Runtime = runtime_factory(f"sqlite:///{tmp_path / 'cli.db'}")
    with runtime.triage.deps.sessions.begin() as session:
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == 2).values(actor="someone-else"))
        session.execute(delete(TimelineEvent).where(TimelineEvent.seq == 4))
    code, out = _cli(cli_env, "timeline", "verify")
    assert code == 1
    assert "seq 2: イベントの種類・日時・実行者などが書き換えられています" in out
    assert "seq 4: 記録が削除されています" in out
    runtime.triage.incidents.report(ReportInput("なりすましアカウントを発見 https://x.com/f", Actor(STAFF)))


def test_classify_text_and_jsonl(cli_env: Path) -> None:
    code, out = _cli(cli_env, "classify", "市の公式アカウントのなりすましを見つけました")
    assert code == 0 and json.loads(out)["kind"] == "impersonation"
    code, out = _cli(cli_env, "classify", "--jsonl",
                     stdin="炎上しないための研修資料です\n{\"text\": \"Our official account was hacked\"}\n")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["kind"] for line in lines] == ["none", "account_takeover"]
    assert all(0.0 <= line["confidence"] <= 1.0 for line in lines)


def test_check_command(cli_env: Path) -> None:
    code, out = _cli(cli_env, "check")
    assert code == 0 and "profile asahikawa" in out


# -- packaging, config location, options anywhere ----------------------------------------------------------------
def test_config_option_before_or_after_the_subcommand(cli_env: Path) -> None:
    for argv in (["--config", str(cli_env), "check"], ["check", "--config", str(cli_env)]):
        out = io.StringIO()
        assert run(argv, stdout=out, stderr=io.StringIO()) == 0 and "profile asahikawa" in out.getvalue()
    out = io.StringIO()
    assert run(["incidents", "--json", "--config", str(cli_env)], stdout=out, stderr=io.StringIO()) == 0
    assert json.loads(out.getvalue()) == []


def test_help_is_bilingual(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run(["--help"])
    text = capsys.readouterr().out
    assert info.value.code == 0
    assert "コンソールチャット" in text and "console chat" in text and "設定ファイル" in text and "Config:" in text
    with pytest.raises(SystemExit):
        run(["serve", "--help"])
    text = capsys.readouterr().out
    assert "--config" in text and "Slack アプリ" in text and "Slack app over HTTP" in text


def test_init_writes_the_commented_example_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    target = tmp_path / "etc" / "app.yaml"
    target.parent.mkdir()
    out, err = io.StringIO(), io.StringIO()
    assert run(["init", "--config", str(target)], stdout=out, stderr=err) == 0
    text = target.read_text(encoding="utf-8")
    assert "を作成しました" in out.getvalue() and "# データベース。省略すると" in text
    assert "restricted_channel" in text and "有料プラン" in text
    assert run(["init", str(target)], stdout=out, stderr=err) == 2 and "--force" in err.getvalue()
    out = io.StringIO()
    assert run(["check", "--config", str(target)], stdout=out, stderr=err) == 0
    assert f"database: {target.parent / 'incident-bot.db'}" in out.getvalue()


def test_shipped_app_yaml_is_the_init_example() -> None:
    from bot.paths import example_config

    assert (REPO / "app.yaml").read_text(encoding="utf-8") == example_config()


def test_the_database_sits_beside_the_config_not_in_the_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    conf, cwd = tmp_path / "conf", tmp_path / "cwd"
    conf.mkdir()
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    config = conf / "app.yaml"
    config.write_text((REPO / "app.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    err = io.StringIO()
    assert run(["chat", "--config", str(config)], stdin=io.StringIO("/list\n"), stdout=io.StringIO(),
               stderr=err) == 0
    assert f"設定: {config}" in err.getvalue() and f"データベース: {conf / 'incident-bot.db'}" in err.getvalue()
    assert (conf / "incident-bot.db").is_file() and list(cwd.iterdir()) == []


def test_teams_manifest_subcommand(tmp_path: Path) -> None:
    import zipfile

    out_zip = tmp_path / "teams.zip"
    err = io.StringIO()
    assert run(["teams", "manifest", "--out", str(out_zip)], stdout=io.StringIO(), stderr=err) == 2
    assert "--app-id" in err.getvalue()
    assert run(["teams", "manifest", "--app-id", "00000000-0000-0000-0000-000000000001", "--out", str(out_zip)],
               stdout=io.StringIO(), stderr=err) == 0
    manifest = json.loads(zipfile.ZipFile(out_zip).read("manifest.json"))
    assert manifest["id"] == "00000000-0000-0000-0000-000000000001"


# -- check --------------------------------------------------------------------------------------------------------
def test_check_fails_when_escalation_has_nobody_to_mention(cli_env: Path) -> None:
    text = cli_env.read_text(encoding="utf-8").replace("  pr_channel: null", "  pr_channel: C0PR")
    cli_env.write_text(text, encoding="utf-8")
    code, out = _cli(cli_env, "check")
    # The built-in chain is the first report and its re-notice: the PR members answer both.
    assert code == 0, out
    municipal = "escalation:\n  levels:\n    - {section: pr_section}\n    - {section: department_head}\n"
    cli_env.write_text(text.replace("escalation:\n", municipal, 1), encoding="utf-8")
    code, out = _cli(cli_env, "check")
    assert code == 2 and "所属長 (department_head)" in out and "通知先がいません" in out
    assert "第 1 段階: " not in out and "第 2 段階: " in out  # the PR members answer the first level
    levels = ("escalation:\n  levels:\n    - {section: pr_section, mention: S0PR}\n"
              "    - {section: department_head, mention: U0HEAD}\n")
    cli_env.write_text(text.replace("escalation:\n", levels, 1), encoding="utf-8")
    assert _cli(cli_env, "check")[0] == 0


def test_check_warns_of_a_slack_mention_that_would_ping_nobody(cli_env: Path) -> None:
    text = cli_env.read_text(encoding="utf-8").replace("  pr_channel: null", "  pr_channel: C0PR")
    levels = ("escalation:\n  levels:\n    - {section: pr_section, mention: '@広報担当'}\n"
              "    - {section: department_head, mention: 'slack:U0HEAD'}\n")
    cli_env.write_text(text.replace("escalation:\n", levels, 1), encoding="utf-8")
    code, out = _cli(cli_env, "check")
    assert code == 0 and "escalation.levels[0].mention: 注意: '@広報担当' は Slack のユーザー ID" in out
    assert "levels[1]" not in out  # a namespaced user id is a ping
    cli_env.write_text(text.replace("escalation:\n", levels.replace("'@広報担当'", "S0PR"), 1), encoding="utf-8")
    assert "mention: 注意" not in _cli(cli_env, "check")[1]


def test_check_sees_line_works_channels(cli_env: Path) -> None:
    municipal = "escalation:\n  levels:\n    - {section: pr_section}\n    - {section: department_head}\n"
    text = cli_env.read_text(encoding="utf-8").replace("escalation:\n", municipal, 1)
    cli_env.write_text(text, encoding="utf-8")
    assert _cli(cli_env, "check")[0] == 0  # no chat platform set up: only a note
    cli_env.write_text(text + "\nlineworks:\n  pr_channel: room-pr\n", encoding="utf-8")
    code, out = _cli(cli_env, "check")
    # LINE WORKS posts every level to its PR room and mentions nobody (docs: the check fails for Slack and Teams
    # only): the levels' people are named as to be members of that room (session 19 config walk).
    assert code == 0 and "department_head" in out and "lineworks.pr_channel: 注意" in out


def test_start_up_fails_when_a_kind_has_no_playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from bot.config import ConfigError, load_config
    from bot.wiring import build_runtime

    builtin = tmp_path / "builtin"
    shutil.copytree(REPO / "playbooks", builtin)
    (builtin / "leak.yaml").unlink()
    config = tmp_path / "app.yaml"
    config.write_text("profile: asahikawa\n", encoding="utf-8")
    settings = load_config(config, environ={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    with pytest.raises(ConfigError) as info:
        build_runtime(settings.model_copy(update={"playbooks_dir": builtin}))
    assert "leak: プレイブック leak.yaml がありません" in str(info.value) and str(builtin) in str(info.value)


def test_playbooks_dir_adds_and_overrides_by_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    own = tmp_path / "own"
    (own / "profiles").mkdir(parents=True)
    flaming = yaml.safe_load((REPO / "playbooks" / "flaming.yaml").read_text(encoding="utf-8"))
    flaming["title"] = {"ja": "炎上（本市の手順）", "en": "Flaming (our own)"}
    (own / "flaming.yaml").write_text(yaml.safe_dump(flaming, allow_unicode=True), encoding="utf-8")
    config = tmp_path / "app.yaml"
    config.write_text("playbooks_dir: own\n", encoding="utf-8")
    code, out = _cli(config, "check")
    assert code == 0 and f"playbooks_dir: 組み込み（{REPO / 'playbooks'}） + {own}" in out
    from bot.config import load_config
    from bot.wiring import build_runtime

    runtime = build_runtime(load_config(config))
    try:
        assert runtime.library.playbook("flaming").title("ja") == "炎上（本市の手順）"
        assert runtime.library.playbook("leak").title("ja") != ""
    finally:
        runtime.close()
    config.write_text("playbooks_dir: nowhere\n", encoding="utf-8")
    code, out = _cli(config, "check")
    assert code == 2 and f"フォルダー {tmp_path / 'nowhere'} がありません" in out and "相対パス" in out


def test_start_up_fails_when_no_step_of_a_kind_applies_to_the_profile(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    (tmp_path / "own").mkdir()
    playbook = yaml.safe_load((REPO / "playbooks" / "account_takeover.yaml").read_text(encoding="utf-8"))
    playbook["steps"] = [s for s in playbook["steps"] if "urausu" in s.get("profiles", ["urausu"])]  # 旭川市 9
    for step in playbook["steps"]:
        step["profiles"] = ["urausu"]
    (tmp_path / "own" / "account_takeover.yaml").write_text(yaml.safe_dump(playbook, allow_unicode=True),
                                                             encoding="utf-8")
    config = tmp_path / "app.yaml"
    config.write_text("playbooks_dir: own\n", encoding="utf-8")
    code, out = _cli(config, "check")
    assert code == 2 and "account_takeover: プロファイル asahikawa 向けの手順がありません" in out
    assert str(tmp_path / "own") in out and "Traceback" not in out
    config.write_text("playbooks_dir: own\nprofile: urausu\n", encoding="utf-8")
    assert _cli(config, "check")[0] == 0
