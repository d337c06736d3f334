"""The console takes the commands staff learn on Slack and Teams (終結 1, /incident 再開 1, 新規 …) through the same
reader (bot/delivery/commands.py), and /close N acts on incident N, not on the one last shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bot.adapters.console import ConsoleChat
from bot.clock import FixedClock
from bot.triage.retention import RetentionPolicy, run_retention
from bot.wiring import Runtime
from storage.models import TimelineEvent
from storage.timeline import verify_chain
from tests.test_console_transcript import REPORTS, USERS


def _chat(runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> tuple[ConsoleChat, Runtime]:
    runtime = runtime_factory(sqlite_url)
    return ConsoleChat(runtime.triage, USERS, tmp_path), runtime


def _status(runtime: Runtime, incident_id: int) -> str:
    return runtime.triage.queries.view(incident_id, "console:pr").status


def test_close_with_a_number_closes_that_incident_not_the_one_last_shown(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    """PR resolves INC-0001 and INC-0002, then types 「/close 1」 while INC-0002 is the one shown: INC-0001 closes."""
    chat, runtime = _chat(runtime_factory, sqlite_url, tmp_path)
    for n in (1, 2):
        chat.handle("/report " + REPORTS["flaming"].format(url=f"https://x.com/a/status/70{n}"))
    chat.handle("/as pr")
    for n in (1, 2):
        chat.handle(f"/open {n}")
        chat.handle("/resolve")
        chat.handle("/cancel")  # the closing review
    assert chat.focus == 2
    shown = chat.handle("/close INC-0001")
    assert "INC-0001" in shown
    assert (_status(runtime, 1), _status(runtime, 2)) == ("closed", "resolved")


def test_the_words_typed_on_slack_and_teams_work_in_the_console(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    """「終結 1」 typed without a slash is a command, not a report (nor a remark on the open step)."""
    chat, runtime = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/711"))
    chat.handle("/as pr")
    chat.handle("/resolve")
    chat.handle("/cancel")
    chat.handle("/incident 再開 1")
    assert _status(runtime, 1) == "responding"
    chat.handle("/resolve")
    chat.handle("/cancel")
    chat.handle("終結 INC-0001")
    assert _status(runtime, 1) == "closed"
    assert runtime.triage.queries.list("console:pr")[-1].id == 1  # no incident opened from the words


def test_decline_with_a_number_keeps_the_reason(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                tmp_path: Path) -> None:
    chat, runtime = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/721"))
    chat.handle("/as pr")
    chat.handle("/decline 1 市の投稿ではないため")
    assert _status(runtime, 1) == "declined"
    assert "市の投稿ではないため" in chat.handle("/timeline")


def test_a_command_word_without_its_number_says_how_and_opens_nothing(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    chat, runtime = _chat(runtime_factory, sqlite_url, tmp_path)
    told = chat.handle("終結")
    assert "終結する案件の番号を指定してください" in told
    assert "/incident" in chat.handle("/incident")  # the list of commands, in the words to type here
    assert runtime.triage.queries.list("console:pr") == []


def test_new_reports_the_same_post_as_a_new_incident(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                     tmp_path: Path) -> None:
    chat, runtime = _chat(runtime_factory, sqlite_url, tmp_path)
    url = "https://x.com/a/status/731"
    chat.handle(REPORTS["flaming"].format(url=url))
    chat.handle("/as pr")
    chat.handle("/resolve")
    chat.handle("/cancel")
    chat.handle("/open 1")  # the step shown again: 「新規 …」 is still a command, not a remark on it
    chat.handle(f"新規 また炎上しています {url}")
    assert [view.id for view in runtime.triage.queries.list("console:pr")] in ([1, 2], [2, 1])


def test_a_decline_reason_is_erased_with_the_incident_at_retention(
        runtime_factory: Callable[..., Runtime], database_url: str, clock: FixedClock, tmp_path: Path) -> None:
    """A reason is free text (it may name the poster); status_changed outlives erasure (the state check needs it),
    so the reason is kept apart from it and erased with the rest."""
    runtime = runtime_factory(database_url, retention={"default_days": 1})
    chat = ConsoleChat(runtime.triage, USERS, tmp_path)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/741"))
    chat.handle("/as pr")
    reason = "投稿者は市内在住の田中一郎さんで、本人と話がついたため"
    chat.handle(f"対象外 1 {reason}")
    assert reason in chat.handle("/timeline")
    clock.advance(days=2)
    report = run_retention(runtime.triage.deps, RetentionPolicy.from_settings(runtime.settings.file.retention))
    assert [erased.incident_id for erased in report.erased] == [1]
    with runtime.triage.deps.sessions.begin() as session:
        stored = " ".join(f"{e.type} {e.old_value} {e.new_value} {e.data}"
                          for e in session.execute(select(TimelineEvent)).scalars())
        assert "田中" not in stored and "declined" in stored  # the status itself is kept
        assert verify_chain(session).ok
