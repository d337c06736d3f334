"""Console walk s21 (docs/qa/session21_walk_console.md): a first day at the console; nothing typed is lost."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings
from bot.wiring import Runtime

ACCESS = {"pr_members": ["console:console-pr"], "security_officers": ["console:console-security"]}
README_REPORT = "市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/123"
README_DONE = "/done post_url=https://x.com/city/status/123 platform=X spread=中 press=なし personal_data=なし"


def _chat(runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> ConsoleChat:
    runtime = runtime_factory(sqlite_url, access=ACCESS)
    return ConsoleChat(runtime.triage, ConsoleSettings(), tmp_path / "records")


def test_lines_typed_before_the_question_is_answered_are_one_report(runtime_factory: Callable[..., Runtime],
                                                                    sqlite_url: str, tmp_path: Path) -> None:
    # Pasted two lines (a pipe reads them one by one): the second asked again and the first line was gone.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    first = chat.handle("報告の続きです")
    assert "インシデントとして報告しますか" in first
    second = chat.handle("二行目です")
    assert "前の入力に続けて" in second, second
    chat.handle("/answer 1")
    [view] = chat.triage.queries.list(None)
    assert view.text == "報告の続きです\n二行目です", view.text


def test_ctrl_d_in_the_middle_of_a_step_shows_what_was_typed(runtime_factory: Callable[..., Runtime],
                                                             sqlite_url: str, tmp_path: Path) -> None:
    # The input ended after one answer of /done: 「終了します。」 and the answer was gone without a word.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    out = io.StringIO()
    chat.run(io.StringIO(f"{README_REPORT}\n/done\n\nX\n画面は共有フォルダー\n"), out, prompt=False)
    said = out.getvalue()
    assert "保存していません" in said, said[-400:]
    assert '/done post_url=https://x.com/city/status/123 platform=X screenshot_note="画面は共有フォルダー"' in said
    assert said.endswith("終了します。\n")


def test_ctrl_c_in_the_middle_of_a_step_shows_what_was_typed(runtime_factory: Callable[..., Runtime],
                                                             sqlite_url: str, tmp_path: Path) -> None:
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(README_REPORT)
    chat.handle("/done")
    chat.handle("")
    chat.handle("Instagram")
    said = chat.interrupted()
    assert "入力を取り消しました" in said and "/done post_url=https://x.com/city/status/123 platform=Instagram" in said
    assert chat.guided is None


def test_ctrl_c_without_answers_says_only_that_the_line_was_discarded(runtime_factory: Callable[..., Runtime],
                                                                      sqlite_url: str, tmp_path: Path) -> None:
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    assert "/done" not in chat.interrupted()


def test_a_step_count_that_drops_says_why(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                          tmp_path: Path) -> None:
    # README: 【手順 1/8】 then 【手順 2/7】 with no word why: "did I miss a step?" Since s22 N is the most steps one
    # set of answers can lead to (旭川市 炎上: 6 of 8), so it drops when an answer closes steps that could still apply.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    first = chat.handle(README_REPORT)
    assert "【手順 1/6】" in first
    second = chat.handle(README_DONE)
    assert "【手順 2/6】" in second and "不要になった" not in second
    third = chat.handle("/skip")
    assert "【手順 3/6】" in third and "不要になった" not in third
    fourth = chat.handle("/done is_own_error=no needs_time=no")  # no holding reply, no correction
    assert "【手順 4/4】" in fourth
    assert "回答により、不要になった手順が 2 つあります（全 6 手順 → 全 4 手順）" in fourth, fourth


def test_a_multi_line_paste_at_the_terminal_is_one_report(runtime_factory: Callable[..., Runtime],
                                                          sqlite_url: str, tmp_path: Path) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    out = io.StringIO()
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("\x1b[200~市の公式Xの投稿が炎上しています。\n批判が殺到しています https://x.com/city/status/9"
                       "\x1b[201~\r/quit\r")
        chat.run(io.StringIO(), out, interactive=True)
    [view] = chat.triage.queries.list(None)
    assert view.text == "市の公式Xの投稿が炎上しています。\n批判が殺到しています https://x.com/city/status/9"


def _resolved(runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> ConsoleChat:
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    chat.handle(README_REPORT)
    chat.handle("/as pr")
    chat.handle("/ack")
    assert "原因を入力してください" in chat.handle("/resolve")
    assert "再発防止策" in chat.handle("原因は担当者の確認不足")
    return chat


def _review(chat: ConsoleChat) -> str:
    return chat.records.desk.report_for_recipient(1, "console:console-pr", "md").content.decode()


def test_a_cause_typed_in_the_closing_review_is_kept_when_a_command_follows(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    # PR typed the cause, then /close: 「原因・再発防止策は記入しませんでした」 and the cause was gone.
    chat = _resolved(runtime_factory, sqlite_url, tmp_path)
    said = chat.handle("/close")
    assert "記入しませんでした" not in said.split("\n")[0], said
    assert "「終結」" in said
    assert "原因は担当者の確認不足" in _review(chat)


def test_a_cause_typed_in_the_closing_review_is_kept_at_ctrl_d(runtime_factory: Callable[..., Runtime],
                                                              sqlite_url: str, tmp_path: Path) -> None:
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    out = io.StringIO()
    chat.run(io.StringIO(f"{README_REPORT}\n/as pr\n/ack\n/resolve\n原因は担当者の確認不足\n"), out, prompt=False)
    assert "原因は担当者の確認不足" in _review(chat)
    assert out.getvalue().endswith("終了します。\n")


def test_cancel_in_the_closing_review_still_records_nothing(runtime_factory: Callable[..., Runtime],
                                                             sqlite_url: str, tmp_path: Path) -> None:
    chat = _resolved(runtime_factory, sqlite_url, tmp_path)
    assert "記入しませんでした" in chat.handle("/cancel")
    assert "原因は担当者の確認不足" not in _review(chat)


def test_as_takes_the_user_in_any_case_or_by_a_part_of_the_name(runtime_factory: Callable[..., Runtime],
                                                                  sqlite_url: str, tmp_path: Path) -> None:
    # 「/as PR」 and 「/as 広報」 were 「ユーザー「PR」は設定にありません」.
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    assert "広報 佐藤" in chat.handle("/as PR") and chat.user_key == "pr"
    assert "担当 山田" in chat.handle("/as 山田") and chat.user_key == "staff"
    assert "情報セキュリティ 鈴木" in chat.handle("/as 情報セキュリティ") and chat.user_key == "security"
    assert "設定にありません" in chat.handle("/as 田中") and chat.user_key == "security"


def test_a_question_whose_text_went_into_a_report_is_closed(runtime_factory: Callable[..., Runtime],
                                                            sqlite_url: str, tmp_path: Path) -> None:
    chat = _chat(runtime_factory, sqlite_url, tmp_path)
    assert "報告しますか" in chat.handle("報告の続きです")
    opened = chat.handle(README_REPORT)
    assert "INC-0001 を受け付けました" in opened, opened
    assert chat.pending is None  # else the next line was read with 「報告の続きです」 again, and /quit warned
    chat.handle("/report --new 市の公式Xの別の投稿も炎上しています https://x.com/city/status/456")
    assert [view.text for view in chat.triage.queries.list(None)][0] == (
        "市の公式Xの別の投稿も炎上しています https://x.com/city/status/456")
