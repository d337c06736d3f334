"""Console on a bad day: names not ids in /list and /timeline, a second /resolve, typos in commands, a remark
typed while a step is open, and the guideline's own step titles in the records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings
from bot.records.sentences import step_sources
from bot.wiring import Runtime
from tests.test_console_transcript import REPORTS, USERS, _walk

# The shipped console users (bare ids, namespaced by the console) as app.yaml's template grants them.
ACCESS = {"pr_members": ["console:console-pr"], "security_officers": ["console:console-security"]}


def _default_chat(runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path,
                  **overrides: object) -> ConsoleChat:
    runtime = runtime_factory(sqlite_url, access=ACCESS, **overrides)
    return ConsoleChat(runtime.triage, ConsoleSettings(), tmp_path / "records")


def test_list_and_timeline_name_the_shipped_console_users(runtime_factory: Callable[..., Runtime],
                                                          sqlite_url: str, tmp_path: Path) -> None:
    chat = _default_chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/31"))
    chat.handle("/as pr")
    chat.handle("/ack")
    listed = chat.handle("/list")
    assert "報告者 担当 山田" in listed, listed
    timeline = chat.handle("/timeline")
    assert "担当 山田" in timeline and "広報 佐藤（広報担当）" in timeline and "広報広聴課" in timeline
    for leak in ("console-staff", "console-pr", "console:", "pr_section", "「intake」", "post_url"):
        assert leak not in listed and leak not in timeline, leak


def test_list_names_a_console_user_with_a_namespaced_id(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = ConsoleChat(runtime_factory(sqlite_url).triage, USERS)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/32"))
    assert "報告者 山田 花子" in chat.handle("/list")


def test_a_second_resolve_says_it_is_already_resolved(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                      tmp_path: Path) -> None:
    chat = ConsoleChat(runtime_factory(sqlite_url).triage, USERS, tmp_path)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/33"))
    chat.handle("/as pr")
    assert "対応完了" in chat.handle("/resolve")
    chat.handle("/cancel")  # the closing review
    again = chat.handle("/resolve")
    assert again == "INC-0001 はすでに「対応完了」です。"
    assert "にはできません" in chat.handle("/decline")  # a real illegal move keeps its message


def test_a_second_resolve_in_english(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                     tmp_path: Path) -> None:
    chat = ConsoleChat(runtime_factory(sqlite_url, locale="en").triage, USERS, tmp_path)
    chat.handle("/report --kind flaming " + REPORTS["flaming"].format(url="https://x.com/a/status/34"))
    chat.handle("/as pr")
    chat.handle("/resolve")
    chat.handle("/cancel")
    assert chat.handle("/resolve") == 'INC-0001 is already "Resolved".'


def test_a_mistyped_command_gets_the_closest_one(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = ConsoleChat(runtime_factory(sqlite_url).triage, USERS)
    assert "/step のことですか？" in chat.handle("/stpe")
    assert "/done のことですか？" in chat.handle("/dnoe")
    assert "/timeline のことですか？" in chat.handle("/timelin")
    nothing = chat.handle("/frobnicate")
    assert "ことですか" not in nothing and "/help" in nothing
    english = ConsoleChat(runtime_factory(sqlite_url, locale="en").triage, USERS)
    assert "Did you mean /step?" in english.handle("/stpe")


def test_a_remark_during_a_step_is_a_note_not_a_new_report(runtime_factory: Callable[..., Runtime],
                                                           sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/35"))
    answer = chat.handle("あ、すみません炎上じゃなくてデマでした")
    assert "INC-0001 のタイムラインに記録しました" in answer
    assert "/kind デマ" in answer and "/report" in answer and "インシデントとして報告しますか" not in answer
    assert len(runtime.triage.queries.list(None)) == 1
    notes = [e for e in runtime.triage.queries.timeline(1, None) if e.type == "note"]
    assert [e.data["text"] for e in notes] == ["あ、すみません炎上じゃなくてデマでした"]
    assert "デマ" in chat.handle("/kind デマ")
    # An explicit /report still opens a new one.
    assert "INC-0002" in chat.handle("/report " + REPORTS["impersonation"].format(url="https://x.com/b/status/36"))
    assert len(runtime.triage.queries.list(None)) == 2


def test_a_remark_with_no_open_step_is_still_asked_about(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                         tmp_path: Path) -> None:
    chat = ConsoleChat(runtime_factory(sqlite_url).triage, USERS, tmp_path)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/37"))
    chat.handle("/as pr")
    chat.handle("/resolve")
    chat.handle("/cancel")
    assert "インシデントとして報告しますか？" in chat.handle("お昼どこ行きます？")


def test_records_use_the_guideline_own_step_title(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    deps = runtime_factory(sqlite_url, profile="iwaki").triage.deps
    title, _ = step_sources(deps.library, deps.profile, deps.catalog, "flaming", "fix_and_apologise")
    assert title == "問題となった部分を訂正し、謝罪する"
    other = runtime_factory(sqlite_url.replace("test.db", "other.db"), profile="urausu").triage.deps
    title, _ = step_sources(other.library, other.profile, other.catalog, "flaming", "fix_and_apologise")
    assert title == "問題となった部分を修正し、謝罪する"


def test_iwaki_timeline_shows_the_guideline_own_step_title(runtime_factory: Callable[..., Runtime],
                                                          sqlite_url: str, tmp_path: Path) -> None:
    runtime = runtime_factory(sqlite_url, profile="iwaki")
    chat = ConsoleChat(runtime.triage, USERS, tmp_path)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/38"))
    chat.handle("/as pr")
    chat.handle("/ack")
    chat.handle("/as staff")
    _walk(chat, [])
    timeline = chat.handle("/timeline")
    assert "手順「問題となった部分を訂正し、謝罪する」" in timeline, timeline
