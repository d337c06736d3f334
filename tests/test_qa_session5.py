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

