"""Session 10 QA walk (docs/qa/session10_walk_config.md): an operator configuring a municipality the team never
configured — custom profiles, an own guideline in playbooks_dir and the mistakes made on the way — kept fixed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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
    report = build_report(deps, record)
    rows = [row for section in report.sections if section.table for row in section.table.rows
            if len(row) == 4 and "企画広報課 広報係" in str(row[2])]  # 6. 通知・確認
    assert rows and all("自治体の運用設定" in " ".join(map(str, row)) for row in rows), rows
