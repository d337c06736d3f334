"""What a first-time user and an IT administrator found in session 5 (playbooks, locales, docs), kept fixed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.ports import Actor, ReportInput
from bot.wiring import Runtime
from tests.conftest import STAFF

URL = "https://x.com/city/status/9"


def _report(text: str, kind: str | None = None) -> ReportInput:
    return ReportInput(text=text, reporter=Actor(user_id=STAFF, display_name="山田 花子", platform="slack"),
                       source_url=URL, kind_hint=kind)


@pytest.mark.parametrize(("locale", "wrong", "right"), [
    ("ja", "詳細はスレッドで", "報告者との個別の会話"),
    ("en", "visible in the thread", "private conversation with the reporter"),
])
def test_a_leak_notice_does_not_send_pr_to_the_thread(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                      locale: str, wrong: str, right: str) -> None:
    """A leak runs in the reporter's private conversation; the public thread holds one line 「詳細は個別に案内
    します。」. The PR notice said the details were in the thread, so PR staff looked there and found nothing."""
    runtime = runtime_factory(sqlite_url, locale=locale, escalation={"levels": []})
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
