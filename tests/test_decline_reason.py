"""対象外 says why (LINE WORKS walk s15 #10): a report set aside without a reason leaves its reporter and the record
with nothing; the reason is asked for, in the words of the platform it was typed on, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleChat
from bot.ports import Actor, ReportInput
from bot.triage import lifecycle
from bot.triage.core import InvalidRequest
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.test_console_transcript import REPORTS, USERS

PR_ACTOR = Actor(PR, "広報 太郎", "slack")


def _reported(runtime: Runtime) -> int:
    outcome = runtime.triage.incidents.report(ReportInput(
        text="市の偽アカウントがなりすましています https://x.com/fake_city_52", reporter=Actor(STAFF, "山田")))
    assert outcome.incident is not None
    return outcome.incident.id


@pytest.mark.parametrize(("platform", "how"), [
    ("slack", "「/incident 対象外 INC-0001 理由」"), ("teams", "「対象外 INC-0001 理由」"),
    ("lineworks", "「対象外 INC-0001 理由」"), (None, "「/decline 1 理由」")])
def test_a_decline_without_a_reason_is_asked_for_one_and_changes_nothing(
        runtime: Runtime, platform: str | None, how: str) -> None:
    incident_id = _reported(runtime)
    actor = Actor(PR, "広報 太郎", platform)
    with pytest.raises(InvalidRequest) as refused:
        runtime.triage.incidents.change_status(incident_id, lifecycle.DECLINED, actor, reason="  ")
    assert str(refused.value).startswith("INC-0001 を「対象外」にする理由を書いてください")
    assert how in str(refused.value)
    assert runtime.triage.queries.view(incident_id, None).status == lifecycle.REPORTED
    assert "status_changed" not in [e.type for e in runtime.triage.queries.timeline(incident_id, None)]


def test_a_bystander_hears_who_may_decline_not_that_a_reason_is_missing(runtime: Runtime) -> None:
    incident_id = _reported(runtime)
    with pytest.raises(Exception) as refused:  # the access matrix answers first
        runtime.triage.incidents.change_status(incident_id, lifecycle.DECLINED, Actor("slack:U_OTHER", "他課"))
    assert "理由" not in str(refused.value)


def test_the_console_asks_for_the_reason_and_keeps_the_one_given(runtime_factory: Callable[..., Runtime],
                                                                 sqlite_url: str, tmp_path: Path) -> None:
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS, tmp_path)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/731"))
    chat.handle("/as pr")
    asked = chat.handle("/decline 1")
    assert asked.startswith("INC-0001 を「対象外」にする理由を書いてください") and "「/decline 1 理由」" in asked
    assert runtime.triage.queries.view(1, "console:pr").status != lifecycle.DECLINED
    chat.handle("対象外 1 訓練の投稿のため")
    assert runtime.triage.queries.view(1, "console:pr").status == lifecycle.DECLINED
