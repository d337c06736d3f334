"""What a first-time user and an IT administrator found in session 5 (playbooks, locales, docs), kept fixed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.config import ConfigError, load_config
from bot.ports import Actor, ReportInput
from bot.wiring import Runtime, build_runtime
from tests.conftest import REPO, STAFF

URL = "https://x.com/city/status/9"


def _report(text: str, kind: str | None = None) -> ReportInput:
    return ReportInput(text=text, reporter=Actor(user_id=STAFF, display_name="山田 花子", platform="slack"),
                       source_url=URL, kind_hint=kind)


@pytest.mark.parametrize(("locale", "wrong", "right"), [
    ("ja", "詳細はスレッドで", "報告者とボットの個別の会話"),
    ("en", "visible in the thread", "the reporter's private chat with the bot"),
])
def test_a_leak_notice_does_not_send_pr_to_the_thread(runtime_factory: Callable[..., Runtime], database_url: str,
                                                      locale: str, wrong: str, right: str) -> None:
    """A leak runs in the reporter's private conversation; the public thread holds one line 「詳細は個別に案内
    します。」. The PR notice said the details were in the thread, so PR staff looked there and found nothing."""
    runtime = runtime_factory(database_url, locale=locale, escalation={"levels": []})
    outcome = runtime.triage.incidents.report(_report(f"職員の住所が投稿され情報漏えいしています {URL}", kind="leak"))
    (note,) = outcome.notifications
    assert wrong not in note.body and right in note.body, note.body
    assert "住所" not in note.body  # the report text stays out, as before



KIND_REPORTS = {
    "flaming": "市の公式Xの投稿が炎上しています。批判が殺到しています",
    "impersonation": "公式アカウントを装った偽アカウントがあります",
    "misinformation": "給付金が明日締め切りというデマが広がっています",
    "leak": "職員が個人情報を誤って投稿し情報漏えいしています",
    "account_takeover": "公式アカウントが乗っ取られてスパムを投稿しています",
}


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("profile", ["asahikawa", "urausu", "iwaki", "chikugo"])
def test_a_draft_without_a_department_has_no_doubled_brackets(runtime_factory: Callable[..., Runtime],
                                                              sqlite_url: str, profile: str, locale: str) -> None:
    """The department is optional. Left empty, the leak report read 「山田 花子（（未入力: 担当課））」 and the
    holding reply closed with 「（令和8年11月18日 いわき市 （未入力: 担当課））」."""
    from bot.adapters.console import ConsoleChat
    from bot.config import ConsoleSettings, ConsoleUser

    users = ConsoleSettings(users={"staff": ConsoleUser(id=STAFF, name="山田 花子")}, default_user="staff")
    runtime = runtime_factory(sqlite_url, profile=profile, locale=locale, escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, users)
    shown: list[str] = []
    for number, (kind, text) in enumerate(KIND_REPORTS.items(), 1):
        chat.handle(f"/report --new --kind {kind} {text} https://x.com/qa{number}/status/{number}")
        for _ in range(10):  # every step skipped: every draft shown with nothing filled in
            shown.append(chat.handle("/skip"))
        shown.append(chat.handle("/drafts"))
    everything = "\n".join(shown)
    assert "----- " in everything  # the drafts were shown
    for doubled in ("（（未入力", "((not provided", "（未入力: 担当課））", "(not provided: department))"):
        assert doubled not in everything, doubled


def _own_guideline_folder(tmp_path: Path, *, with_playbooks: bool) -> Path:
    """app.yaml and a playbooks_dir holding a municipality with its own guideline (a copy of 浦臼町's, renamed)."""
    profile = (REPO / "playbooks" / "profiles" / "urausu.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "pb"
    (folder / "profiles").mkdir(parents=True)
    (folder / "profiles" / "mytown.yaml").write_text(
        profile.replace("id: urausu", "id: mytown").replace("浦臼町", "例町"), encoding="utf-8")
    if with_playbooks:  # as README says: every step gets the new id's clauses, or says the guideline is silent
        for path in (REPO / "playbooks").glob("*.yaml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for step in data["steps"]:
                if "profiles" in step and "urausu" not in step["profiles"]:
                    continue
                if "profiles" in step:
                    step["profiles"].append("mytown")
                if "urausu" in (step.get("clauses") or {}):
                    step["clauses"]["mytown"] = step["clauses"]["urausu"]
                else:
                    step.setdefault("fallback", {})["mytown"] = {"practice": True}
            (folder / path.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = tmp_path / "app.yaml"
    config.write_text("profile: mytown\nplaybooks_dir: pb\naccess: {pr_members: ['console:console-pr']}\n",
                      encoding="utf-8")
    return config


def test_a_municipality_with_its_own_guideline_is_added_as_the_readme_says(tmp_path: Path) -> None:
    """README: a profile file alone stops `check` at the first step without the new id's clauses; with the five
    playbooks copied and every step given clauses or a fallback, the bot starts and cites the new guideline."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "`clauses: {<id>: [...]}`" in readme and "`fallback: {<id>: {practice: true}}`" in readme
    alone = _own_guideline_folder(tmp_path / "alone", with_playbooks=False)
    with pytest.raises(ConfigError, match=r"steps\[0\]\.clauses\.mytown: missing"):
        build_runtime(load_config(alone, environ={}))
    runtime = build_runtime(load_config(_own_guideline_folder(tmp_path / "full", with_playbooks=True), environ={}))
    try:
        outcome = runtime.triage.incidents.report(_report(f"町の公式Xの投稿が炎上しています {URL}"))
        # Step 1 (recording the post) is general practice in every guideline: it names the town's and cites none.
        assert outcome.step is not None and outcome.incident is not None
        assert outcome.step.citations == ("一般的な対応（例町のガイドラインの定めではありません）",)
        actor = Actor(user_id=STAFF, display_name="山田 花子", platform="slack")
        step = runtime.triage.steps.complete(outcome.incident.id, "intake", actor, answers={
            "post_url": URL, "platform": "X", "spread": "small", "press": "no", "personal_data": "no"}).step
        assert step is not None and any("例町ガイドライン" in c for c in step.citations), step
    finally:
        runtime.close()


@pytest.mark.parametrize(("locale", "agreed"), [("ja", "広報広聴課と協議のうえ、Xの運用者・管理者に"),
                                                 ("en", "Once agreed with the Public Relations")])
def test_asahikawa_asks_for_deletion_as_agreed_with_pr(runtime_factory: Callable[..., Runtime], database_url: str,
                                                      locale: str, agreed: str) -> None:
    """旭川市 7(2)ア: 「広報広聴課へ報告し、…運用者・管理者に削除依頼を行うなどの対応を協議する」. The step told the
    finder's division to ask for deletion on its own, as いわき市 第7 3(1) and 浦臼町 7(3)① do."""
    runtime = runtime_factory(database_url, locale=locale, escalation={"levels": []})
    triage = runtime.triage
    outcome = triage.incidents.report(_report(f"市の公式アカウントを装った偽アカウントがあります {URL}",
                                              kind="impersonation"))
    assert outcome.incident is not None
    actor = Actor(user_id=STAFF, display_name="山田 花子", platform="slack")
    incident_id = outcome.incident.id
    triage.steps.complete(incident_id, "intake", actor, answers={
        "post_url": URL, "platform": "X", "spread": "small", "press": "no", "personal_data": "no"})
    step = triage.steps.complete(incident_id, "report", actor).step
    assert step is not None and step.step_id == "deletion_request"
    assert agreed in step.instructions, step.instructions


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize(("base", "builtin"), [("asahikawa", ("旭川", "Asahikawa")), ("iwaki", ("いわき", "Iwaki"))])
def test_a_custom_municipality_s_deletion_request_names_itself(runtime_factory: Callable[..., Runtime],
                                                               sqlite_url: str, base: str,
                                                               builtin: tuple[str, str], locale: str) -> None:
    """custom_profiles `extends: asahikawa` with its own name: the request sent to X said 「旭川市公式ホームページの
    『旭川市ソーシャルメディア一覧』」 — another city's website, in a letter leaving the city hall."""
    custom = {"mycity": {"extends": base, "name": {"ja": "例市", "en": "Example City"}}}
    runtime = runtime_factory(sqlite_url, profile="mycity", custom_profiles=custom, locale=locale,
                              escalation={"levels": []})
    triage = runtime.triage
    outcome = triage.incidents.report(_report(f"市の公式アカウントを装った偽アカウントがあります {URL}",
                                              kind="impersonation"))
    assert outcome.incident is not None
    actor = Actor(user_id=STAFF, display_name="山田 花子", platform="slack")
    triage.steps.complete(outcome.incident.id, "intake", actor, answers={
        "post_url": URL, "platform": "X", "spread": "small", "press": "no", "personal_data": "no"})
    step = triage.steps.complete(outcome.incident.id, "report", actor).step
    assert step is not None and step.step_id == "deletion_request"
    shown = "\n".join([step.instructions, *(draft.text for draft in step.drafts)])
    assert ("例市" if locale == "ja" else "Example City") in shown
    for name in builtin:
        assert name not in shown, shown


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("profile", ["asahikawa", "urausu", "iwaki", "chikugo"])
def test_the_closing_message_names_no_other_addressee_than_the_report(runtime_factory: Callable[..., Runtime],
                                                                      sqlite_url: str, profile: str,
                                                                      locale: str) -> None:
    """The files came with 「所属長への報告にお使いください」 while the report itself is addressed to 所属課局長
    (浦臼町), アカウント管理者 (いわき市) or 総務広報課長 (筑後市)."""
    from bot.records.report import addressee_name

    runtime = runtime_factory(sqlite_url, profile=profile, locale=locale, escalation={"levels": []})
    deps = runtime.triage.deps
    offer = deps.catalog.t("records.chat.offer", ref="INC-0001")
    addressee = addressee_name(deps, locale)
    assert "所属長" not in offer and "head of division" not in offer, offer
    assert addressee  # the report names its addressee, which the message points to


def test_operations_doc_names_severities_as_the_bot_shows_them() -> None:
    """docs/operations.md said 「重大度が『重大』」; the bot labels that severity 「最高」."""
    import re

    labels = set(yaml.safe_load((REPO / "bot" / "locales" / "ja.yaml").read_text(encoding="utf-8"))["severity"]
                 .values())
    doc = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    named = set(re.findall(r"重大度が「([^」]+)」", doc))
    assert named and named <= labels, named - labels


def test_operations_doc_says_what_a_colleague_may_do_on_an_ordinary_incident(
        runtime_factory: Callable[..., Runtime], database_url: str) -> None:
    """「権限は付与するもので、取るものではありません」 read as if it held for every incident; on an ordinary one a
    colleague who reports the same post holds the reporter role at once, and anyone answers steps."""
    from tests.conftest import OTHER, PR

    doc = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "同じ投稿を報告した職員は付与を待たずに報告者の権限を持つ" in doc
    assert "holds the reporter role without a grant" in doc
    runtime = runtime_factory(database_url, escalation={"levels": []})
    triage = runtime.triage
    first = triage.incidents.report(_report(f"市の公式Xの投稿が炎上しています {URL}"))
    assert first.incident is not None
    incident_id = first.incident.id
    colleague = Actor(user_id=OTHER, display_name="通行 人", platform="slack")
    answered = triage.steps.complete(incident_id, "intake", colleague, answers={
        "post_url": URL, "spread": "large", "press": "yes", "personal_data": "no"})  # yes restricts it (s21 #4)
    assert answered.incident is not None and answered.incident.severity == "critical"  # as documented
    triage.incidents.report(ReportInput(text=f"同じ投稿です {URL}", reporter=colleague, source_url=URL))
    triage.incidents.acknowledge(incident_id, Actor(user_id=PR, display_name="広報", platform="slack"))
    ended = triage.incidents.change_status(incident_id, "resolved", colleague)
    assert ended.incident is not None and ended.incident.status == "resolved"


@pytest.mark.parametrize(("kind", "profile", "title"), [
    (kind, profile, title) for kind in ("flaming", "impersonation") for profile, title in (
        ("asahikawa", "状況を報告し、必要に応じて対応を協議する" if kind == "flaming"  # 7(1)エ (session 21)
         else "報告し、対応を協議する"),
        ("chikugo", "協議する"),  # 筑後市 3: 協議する only (session 17 #2)
        ("urausu", "速やかに連絡する"), ("iwaki", "直ちに報告する"))
])
def test_the_report_step_is_titled_in_the_guideline_s_words(runtime_factory: Callable[..., Runtime],
                                                            sqlite_url: str, kind: str, profile: str,
                                                            title: str) -> None:
    """浦臼町 5(3) 「速やかに連絡する」 and いわき市 第7 「直ちに…報告する」 name no 協議; the title said
    「報告し、対応を協議する」 for every municipality."""
    runtime = runtime_factory(sqlite_url, profile=profile, escalation={"levels": []})
    outcome = runtime.triage.incidents.report(_report(f"公式アカウントの件です {URL}", kind=kind))
    assert outcome.incident is not None
    views = runtime.triage.steps.views(outcome.incident.id, STAFF)
    assert [v.title for v in views if v.step_id == "report"] == [title]
    if profile in ("urausu", "iwaki") and kind == "flaming":  # nor does the step ask to record a 協議
        runtime.triage.steps.complete(outcome.incident.id, "intake", Actor(user_id=STAFF, platform="slack"),
                                      answers={"post_url": URL, "spread": "small", "press": "no",
                                               "personal_data": "no"})
        step = runtime.triage.steps.current(outcome.incident.id, STAFF)
        assert step is not None and step.step_id == "report" and "協議" not in step.instructions


SHOWN_AS_IS = ("【手順", "[Step", "INC-0001 を受け付け", "INC-0001 opened", "→ ", "根拠:", "現在のユーザー")


def _readme_session(marker: str) -> list[str]:
    """The lines of the README's console example that follow `marker` (up to the closing fence)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text[text.index(marker):]
    return block[:block.index("```")].splitlines()


@pytest.mark.parametrize(("locale", "marker"), [("ja", "$ .venv/bin/incident-bot\n"),
                                                ("en", "staff> Our official X post")])
def test_the_readme_console_session_is_what_the_bot_shows(runtime_factory: Callable[..., Runtime],
                                                          sqlite_url: str, locale: str, marker: str) -> None:
    """A first-time user follows the README: it showed 【手順 1/5】 and 【手順 2/5】 where the bot shows /6
    (旭川市 has the review-committee step, 9)."""
    from bot.adapters.console import ConsoleChat
    from bot.config import ConsoleSettings

    runtime = runtime_factory(sqlite_url, locale=locale, access={"pr_members": ["console:console-pr"]},
                              escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, ConsoleSettings())
    shown = [chat.welcome()]
    expected = []
    for line in _readme_session(marker):
        if line.startswith(("staff> ", "pr> ")):
            typed = line.split("> ", 1)[1].split("  ←")[0].strip()
            shown.append(chat.handle(typed))
        elif line.startswith(SHOWN_AS_IS):
            expected.append(line)
    output = "\n".join(shown)
    assert expected and all(line in output for line in expected), [x for x in expected if x not in output]
