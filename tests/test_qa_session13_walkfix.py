"""Session 13 walk leftovers (docs/qa/session13_walkfix.md): notice titles of app.yaml's levels, an acknowledged
notice without its re-notice promise, `pr_role` following a renamed section, `check` on sections nobody is
mentioned for."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.main import run
from bot.ports import Actor, Notification, ReportInput
from bot.triage.core import load_incident, notification, transaction
from bot.triage.profiles import load_profiles, profile_from_dict
from bot.wiring import Runtime
from tests.conftest import PR, REPO, STAFF
from tests.helpers import POST_URL

FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {POST_URL}"
ALWAYS = {"always_for_severities": ["low", "medium", "high", "critical"]}  # the clock runs on any day


def _report(runtime: Runtime) -> int:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, Actor(STAFF, "山田 花子", "test")))
    assert outcome.incident is not None
    return outcome.incident.id


def _notices(runtime: Runtime, clock: FixedClock, count: int) -> list[Notification]:
    delivered: list[Notification] = []
    for _ in range(count):
        clock.advance(minutes=61)
        runtime.triage.escalations.fire_due(delivered.append, "w")
    return delivered


def test_the_first_notice_of_a_level_app_yaml_adds_is_no_renotice(runtime_factory: Callable[..., Runtime],
                                                                    sqlite_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(sqlite_url, escalation={"levels": [
        {"section": "pr_section", "after_minutes": 30}, {"section": "department_head", "after_minutes": 60}],
        "renotice_limit": 2, "office_hours": ALWAYS})
    _report(runtime)
    level2, renotice1, renotice2 = _notices(runtime, clock, 3)
    assert level2.title.startswith("【上位への通知】INC-0001（炎上）"), level2.title  # was 【再通知 2】
    assert "自治体の運用設定" in level2.title and "再通知" not in level2.title
    assert renotice1.title.startswith("【再通知 1/2】") and renotice2.title.startswith("【再通知 2/2】")


def test_several_added_levels_are_numbered_among_themselves(runtime_factory: Callable[..., Runtime],
                                                            sqlite_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(sqlite_url, escalation={"levels": [
        {"section": "pr_section", "after_minutes": 30}, {"section": "department_head", "after_minutes": 60},
        {"section": "review_committee", "after_minutes": 60}], "renotice_limit": 1, "office_hours": ALWAYS})
    _report(runtime)
    second, third, renotice = _notices(runtime, clock, 3)
    assert second.title.startswith("【上位への通知 1/2】") and third.title.startswith("【上位への通知 2/2】")
    assert renotice.title.startswith("【再通知 1/1】")


def test_an_acknowledged_incidents_notices_drawn_again_promise_no_renotice(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, escalation={"levels": [{"section": "pr_section", "after_minutes": 30}],
                                                      "renotice_limit": 3})
    incident_id = _report(runtime)
    deps = runtime.triage.deps

    def drawn(session) -> Notification | None:  # type: ignore[no-untyped-def]
        return notification(deps, load_incident(session, incident_id), 1)

    before = transaction(deps, drawn)
    assert before is not None and "再通知します" in before.body and before.renotice in before.body
    runtime.triage.incidents.acknowledge(incident_id, Actor(PR, "広報 太郎", "test"))
    after = transaction(deps, drawn)
    assert after is not None and "再通知" not in after.body and after.renotice == ""


def test_renaming_a_section_renames_pr_role_as_it_renames_the_acknowledger() -> None:
    builtins = load_profiles(REPO / "playbooks" / "profiles")
    soma = profile_from_dict({"id": "soma", "extends": "iwaki", "sections": {"pr_section": {"name": "秘書広報課長"}}},
                             builtins, "app.yaml")
    assert soma.acknowledger.ja == "秘書広報課長"
    assert soma.pr_role is not None and soma.pr_role.ja == "秘書広報課長"  # was アカウント管理者
    assert soma.terms("ja")["pr_role"] == "秘書広報課長"
    own = profile_from_dict({"id": "soma", "extends": "iwaki", "pr_role": "広報係",
                             "sections": {"pr_section": {"name": "秘書広報課長"}}}, builtins, "app.yaml")
    assert own.pr_role is not None and own.pr_role.ja == "広報係"  # written in app.yaml: kept


SOMA = """locale: ja
profile: soma
custom_profiles:
  soma:
    extends: iwaki
    name: 相馬市
    first_report_to: [pr_section, department_head]
slack:
  pr_channel: C_PR
  report_channels: [C_REPORT]
access:
  pr_members: ["slack:U_PR"]
escalation:
  levels:
    - {section: pr_section, after_minutes: 30, mention: U_KACHO}
"""


def _check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[int, str]:
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = io.StringIO()
    code = run(["check", "--config", str(tmp_path / "app.yaml")], stdout=out, stderr=out)
    return code, out.getvalue()


def test_check_warns_of_a_first_recipient_nobody_is_mentioned_for_on_slack(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, said = _check(tmp_path, monkeypatch, SOMA)
    assert code == 0, said  # a warning, as for the acknowledger: the notice still reaches PR's channel
    line = next((line for line in said.splitlines() if "department_head" in line and "メンション" in line), "")
    assert "custom_profiles.soma.first_report_to" in line and "情報管理者" in line and "Slack" in line, said
    assert "ユーザーグループ" in line
    assert "pr_section）を" not in said  # PR's own section: its members read the PR channel


def test_check_says_nothing_when_every_first_recipient_is_mentioned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    grouped = SOMA.replace("mention: U_KACHO", "mention: S_BOTH")  # a user group may hold both sections
    assert "first_report_to:" not in _check(tmp_path, monkeypatch, grouped)[1].replace(
        "first_report_to: [", "")
    teams = SOMA.replace("slack:\n  pr_channel: C_PR\n  report_channels: [C_REPORT]\n", (
        'teams:\n  pr_channel: "19:pr@thread.tacv2"\n  report_channels: ["19:r@thread.tacv2"]\n'))
    code, said = _check(tmp_path, monkeypatch, teams)
    assert "teams.mentions.department_head" in said and "Teams" in said, said


def test_the_console_says_a_grantee_is_told_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app.yaml").write_text('access:\n  pr_members: ["console:console-pr"]\n', encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    leak = "個人情報が漏えいしています。住民の名簿が投稿されました https://x.com/leaker/status/1"
    stdin = io.StringIO(f"{leak}\n/as pr\n/grant slack:U0TAKAHASHI\n/grant slack:U0TAKAHASHI\n/incident #3\n/quit\n")
    out = io.StringIO()
    assert run(["chat", "--config", str(tmp_path / "app.yaml"), "--no-prompt"], stdin=stdin, stdout=out,
               stderr=io.StringIO()) == 0
    text = out.getvalue()
    assert text.count("に通知しました: 【権限の付与】INC-0001（情報漏えい）") == 1, text  # the console's line, once
    assert "既に INC-0001 の報告者としての権限があります" in text
    assert "案件の番号の前に、操作" in text and "インシデントとして報告しますか" not in text


def test_check_is_content_when_each_first_recipient_has_its_own_leading_slack_level(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Session 14: the first notice pings every leading first-recipient level's mention (it pinged the first only).
    both = SOMA.replace("mention: U_KACHO}", "mention: U_KACHO}\n    - {section: department_head, after_minutes: 30, "
                        "mention: U_JOHO}")
    code, said = _check(tmp_path, monkeypatch, both)
    assert code == 0 and "first_report_to:" not in said.replace("first_report_to: [", ""), said
