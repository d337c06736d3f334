"""A refused reopen says what to do instead: a closed (終結) incident cannot be reopened, so the post is reported anew
(in the platform's words); a resolved one reopened by someone who may not is told who may."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleChat
from bot.delivery import commands
from bot.ports import Actor, ReportInput
from bot.presenting import failure_text
from bot.triage import lifecycle
from bot.triage.access import PermissionDenied
from bot.triage.core import InvalidRequest
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, STAFF
from tests.test_console_transcript import REPORTS, USERS

PR_OFFICER = Actor(PR, "広報 太郎", "slack")
COLLEAGUE = Actor(OTHER, "佐藤 一郎", "slack")
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/city_fake/status/{n}"
LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです https://x.com/a/status/{n}"


def _ended(runtime: Runtime, text: str, *, close: bool) -> int:
    opened = runtime.triage.incidents.report(ReportInput(text, Actor(STAFF, "山田 花子", "slack")))
    assert opened.incident is not None
    incidents = runtime.triage.incidents
    incidents.change_status(opened.incident.id, lifecycle.RESOLVED, PR_OFFICER)
    if close:
        incidents.change_status(opened.incident.id, lifecycle.CLOSED, PR_OFFICER)
    return opened.incident.id


@pytest.mark.parametrize("platform, words", [("slack", "「/incident 新規 報告文」"),
                                             ("teams", "ボットに「新規 報告文」")], ids=["slack", "teams"])
def test_reopening_a_closed_incident_says_to_report_the_post_anew(runtime: Runtime, platform: str,
                                                                   words: str) -> None:
    incident_id = _ended(runtime, FLAMING.format(n=1), close=True)
    command = commands.read("再開 INC-0001", runtime.triage.catalog.t)
    assert isinstance(command, commands.Command)
    with pytest.raises(InvalidRequest) as refused:
        command.run(runtime.triage, Actor(PR, "広報 太郎", platform))
    said = str(refused.value)
    assert "INC-0001 は「終結」となっているため、再開できません" in said and "新しい案件として報告してください" in said
    assert words in said
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.CLOSED


@pytest.mark.parametrize("text, who", [(FLAMING, "再開できるのは広報担当です"),
                                       (LEAK, "再開できるのは広報担当または情報セキュリティ担当です")],
                         ids=["ordinary", "restricted"])
def test_a_colleague_who_may_not_reopen_is_told_who_may(runtime: Runtime, text: str, who: str) -> None:
    incident_id = _ended(runtime, text.format(n=2), close=False)
    with pytest.raises(PermissionDenied) as refused:
        runtime.triage.incidents.change_status(incident_id, lifecycle.RESPONDING, COLLEAGUE)
    said = failure_text(refused.value, runtime.triage.catalog, incident_id)
    assert said is not None and who in said and "記録されました" in said


def test_the_console_says_both(runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS, tmp_path)
    chat.handle("/report " + REPORTS["flaming"].format(url="https://x.com/a/status/801"))
    chat.handle("/as pr")
    chat.handle("/resolve 1")
    chat.handle("/cancel")  # the closing review
    chat.handle("/as staff")
    assert "再開できるのは広報担当です" in chat.handle("/reopen 1")
    chat.handle("/as pr")
    chat.handle("/close 1")
    chat.handle("/cancel")  # the closing review, asked again at the close
    said = chat.handle("再開 INC-0001")
    assert "再開できません" in said and "/report --new 報告文" in said
