"""Session 6 QA walk: answers kept across a kind correction, いわき市's report addressee, short inputs typed in
full-width forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings
from bot.ports import Actor, ReportInput
from bot.records.model import load_record
from bot.records.report import addressee_name, build_report
from bot.triage.playbook import answers_alike
from bot.triage.playbook_models import InputDef
from bot.triage.short_input import choice_value, incident_number, kind_value, url_value
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.helpers import POST_URL

ROOT = Path(__file__).resolve().parents[1]
SEEDS = next((p for p in (ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds") if p.is_dir()),
             ROOT.parent / "shared" / "seeds")
REPORTER = Actor(STAFF, "山田 花子", "test")
PR_OFFICER = Actor(PR, "広報 佐藤", "test")
REPORTS = {
    "flaming": f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {POST_URL}",
    "impersonation": f"市の公式アカウントのなりすましがいます {POST_URL}",
    "misinformation": f"市についてのデマが拡散されています。事実と異なる情報です {POST_URL}",
    "leak": f"職員が個人情報を漏えいした投稿があります {POST_URL}",
    "account_takeover": f"市の公式アカウントが乗っ取られました {POST_URL}",
}


# -- いわき市: the report goes where 第7 says, for every kind ------------------------------------------------
@pytest.mark.parametrize("kind", list(REPORTS))
def test_iwaki_reports_go_to_the_account_manager_for_every_kind(runtime_factory: Callable[..., Runtime],
                                                                sqlite_url: str, kind: str) -> None:
    """第7: 重要な情報の漏えいや…炎上、アカウントの成りすましなどの問題 → 職員は直ちにアカウント管理者に報告. The report
    (報告書) was addressed to 情報管理者（部等の長）, whom the guideline names only for approving a new account
    (第4 1(2))."""
    runtime = runtime_factory(sqlite_url, profile="iwaki", escalation={})
    outcome = runtime.triage.incidents.report(ReportInput(REPORTS[kind], REPORTER, kind_hint=kind))
    assert outcome.incident is not None
    [notice] = outcome.notifications
    assert notice.section_name == "アカウント管理者（課等の長）" and "いわき市ガイドライン 第7" in notice.body
    deps = runtime.triage.deps
    report = build_report(deps, load_record(deps, outcome.incident.id, None))
    assert report.addressee == "アカウント管理者（課等の長）　様" and "情報管理者" not in report.addressee
    assert addressee_name(deps, "ja") == "アカウント管理者（課等の長）"


def test_iwaki_clause_7_is_quoted_in_the_guidelines_own_words(runtime_factory: Callable[..., Runtime],
                                                              sqlite_url: str) -> None:
    seed = re.sub(r"[\s\u3000]+", "", (SEEDS / "002_5536b3df847376cc.txt").read_text(encoding="utf-8"))
    profile = runtime_factory(sqlite_url, profile="iwaki", escalation={}).triage.deps.profile
    quote = profile.clause_text("第7")
    assert "ソーシャルメディア特有の脅威である炎上" in quote and quote in seed


# -- answers kept across a kind correction ---------------------------------------------------------------------
INTAKE = {"post_url": "https://x.com/asahikawa_fake/status/999", "platform": "Instagram", "spread": "large",
          "press": "yes", "personal_data": "no", "department": "観光課", "screenshot_note": "共有フォルダ/0001",
          "false_claim": "市が給付金を配るという投稿"}


def test_answers_given_before_a_kind_correction_are_prefilled_in_the_new_playbook(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, escalation={})
    triage = runtime.triage
    outcome = triage.incidents.report(ReportInput(REPORTS["misinformation"], REPORTER, kind_hint="misinformation"))
    assert outcome.incident is not None and outcome.step is not None
    incident_id = outcome.incident.id
    triage.steps.complete(incident_id, outcome.step.step_id, REPORTER, answers=INTAKE)
    corrected = triage.incidents.correct_kind(incident_id, "flaming", REPORTER)
    step = corrected.step
    assert step is not None and step.step_id == "intake"
    shown = {item.id: item.value for item in step.inputs}
    # Same meaning: the typed answer (not the report's URL), the service, the department, same-option choices.
    assert shown["post_url"] == INTAKE["post_url"] and shown["platform"] == "Instagram"
    assert shown["department"] == "観光課" and shown["screenshot_note"] == "共有フォルダ/0001"
    assert (shown["spread"], shown["press"], shown["personal_data"]) == ("large", "yes", "no")
    assert shown["account_type"] == ""  # flaming asks this; misinformation never did
    assert "false_claim" not in shown
    # Confirming the step takes the carried values as this playbook's answers.
    done = triage.steps.complete(incident_id, "intake", REPORTER)
    assert done.completed_step is not None and done.completed_step.answers["department"] == "観光課"
    assert done.incident is not None and done.incident.severity == "critical"  # spread large + press: assessed


def test_an_answer_is_never_carried_into_a_question_that_asks_something_else(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, escalation={})
    library, profile = runtime.library, runtime.triage.deps.profile
    label = {"ja": "x", "en": "x"}
    yes_no = [{"value": "yes", "label": label}, {"value": "no", "label": label}]

    def item(**kw: object) -> InputDef:
        return InputDef.model_validate({"id": "q", "label": label, **kw})

    assert answers_alike(item(type="text"), item(type="textarea"))
    assert not answers_alike(item(type="text"), item(type="url"))
    assert not answers_alike(item(type="choice", choices=yes_no), item(type="choice", choices=yes_no[:1]))
    assert not answers_alike(InputDef.model_validate({"id": "p", "label": label, "type": "text"}), item(type="text"))
    # leak's spread_stopped or is_malicious have no twin in flaming; ids only in the old playbook stay behind.
    carried = library.carried("flaming", profile, [("misinformation", {"is_malicious": "yes", "spread": "small",
                                                                       "correct_info": "正しい情報"})])
    assert carried == {"spread": "small"}


# -- short inputs typed in full-width or half-width forms ---------------------------------------------------------
def test_short_values_read_the_same_in_any_width() -> None:
    for typed in ("INC-0001", "inc-1", "#1", "＃１", "ＩＮＣ－０００１", "ＩＮＣー１", " 1　", "No.1"):
        assert incident_number(typed) == 1, typed
    assert incident_number("abc") is None and incident_number("") is None and incident_number("INC-") is None
    spread = (("small", "小"), ("medium", "中"), ("large", "大"))
    assert [choice_value(spread, t) for t in ("中", "中 ", "中　", "ｍｅｄｉｕｍ", "MEDIUM")] == ["medium"] * 5
    assert choice_value((("yes", "あり"), ("no", "なし")), "ｙｅｓ") == "yes"
    assert choice_value((("yes", "あり"), ("no", "なし")), "ナシ") == "no"
    kinds = ["flaming", "misinformation", "leak"]
    assert [kind_value(t, kinds, {}) for t in ("ﾃﾞﾏ", "ＬＥＡＫ", "漏えい　", "ﾘｰｸ")] == [
        "misinformation", "leak", "leak", "リーク"]  # an unknown name comes back folded, for the refusal
    for typed in ("「https://x.com/a/status/1」", "（https://x.com/a/status/1）", "https://x.com/a/status/1　",
                  "ｈｔｔｐｓ：／／ｘ．ｃｏｍ／ａ／ｓｔａｔｕｓ／１", "https://x.com/a/status/1です", "【https://x.com/a/status/1】"):
        assert url_value(typed) == "https://x.com/a/status/1", typed


def test_every_platform_gets_full_width_step_answers_read(runtime_factory: Callable[..., Runtime],
                                                          sqlite_url: str) -> None:
    """The core reads them (Slack modals, Teams cards and LINE WORKS replies send the text as typed)."""
    runtime = runtime_factory(sqlite_url, escalation={})
    outcome = runtime.triage.incidents.report(ReportInput(REPORTS["flaming"], REPORTER))
    assert outcome.incident is not None and outcome.step is not None
    typed_url = "「ｈｔｔｐｓ：／／ｘ．ｃｏｍ／ａｓａｈｉｋａｗａ＿ｆａｋｅ／ｓｔａｔｕｓ／１」"
    done = runtime.triage.steps.complete(outcome.incident.id, outcome.step.step_id, REPORTER, answers={
        "ｐｏｓｔ＿ｕｒｌ": typed_url, "spread": "中 ", "press": "ｎｏ", "personal_data": "なし", "platform": "Ｘ",
        "screenshot_note": "ﾌｫﾙﾀﾞ ① に保存"})
    assert done.completed_step is not None
    answers = done.completed_step.answers
    assert answers["post_url"] == "https://x.com/asahikawa_fake/status/1" and answers["platform"] == "X"
    assert (answers["spread"], answers["press"], answers["personal_data"]) == ("medium", "no", "no")
    assert answers["screenshot_note"] == "ﾌｫﾙﾀﾞ ① に保存"  # free text stays as written


def test_the_console_reads_full_width_commands_numbers_and_answers(runtime_factory: Callable[..., Runtime],
                                                                   sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, escalation={}, access={"pr_members": ["console:console-pr"]})
    chat = ConsoleChat(runtime.triage, ConsoleSettings())
    chat.handle(REPORTS["flaming"])
    answer = chat.handle("／ｄｏｎｅ　ｐｏｓｔ＿ｕｒｌ＝「https://x.com/asahikawa_fake/status/1234567890」"
                         "　spread＝中　press＝ｎｏ　personal_data=ナシ")
    assert "【手順 2/" in answer, answer
    assert "INC-0001 を操作対象にしました" in chat.handle("/open ＩＮＣ－０００１")
    assert "INC-0001 を操作対象にしました" in chat.handle("／ｏｐｅｎ　＃１")
    assert "「デマ・事実と反する投稿」に訂正しました" in chat.handle("/kind ﾃﾞﾏ")
    assert "「情報漏えい」に訂正しました" in chat.handle("/kind 漏えい　")
    assert "広報" in chat.handle("/as ｐｒ")
    assert "確認しました" in chat.handle("/ack inc-1")


@pytest.mark.parametrize(("profile", "kind", "verb", "title"), [
    ("chikugo", "leak", "総務広報課長に協議してください", "協議する"),  # 3: 総務広報課長に協議するものとする
    ("chikugo", "account_takeover", "総務広報課長に協議してください", "協議する"),
    ("urausu", "account_takeover", "所属課局長及び総務課まで速やかに連絡してください", "速やかに連絡する"),  # 5(3)
    ("iwaki", "leak", "直ちにアカウント管理者（課等の長）に報告してください", "直ちに報告する"),  # 第7
])
def test_the_report_step_uses_the_guidelines_own_verb(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                      profile: str, kind: str, verb: str, title: str) -> None:
    runtime = runtime_factory(sqlite_url, profile=profile, escalation={})
    outcome = runtime.triage.incidents.report(ReportInput(REPORTS[kind], REPORTER, kind_hint=kind))
    assert outcome.incident is not None
    [report] = [v for v in runtime.triage.steps.views(outcome.incident.id, STAFF) if v.step_id == "report"]
    assert verb in report.instructions and report.title == title
