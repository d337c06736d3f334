"""The console as people type in it: Japanese choices and kind names, one message per bad field, quoting hints,
guided input, long input, English throughout with locale en, and logs kept out of the chat."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable

from bot.adapters.console import ConsoleChat
from bot.adapters.console_input import MAX_LINE
from bot.config import ConsoleSettings
from bot.logging_setup import setup_logging
from bot.wiring import Runtime

REPORT = "市の公式Xの投稿が炎上しています。苦情が殺到 https://x.com/city/status/1"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _chat(runtime_factory: Callable[..., Runtime], sqlite_url: str, **overrides: object) -> ConsoleChat:
    runtime = runtime_factory(sqlite_url, **overrides)
    return ConsoleChat(runtime.triage, ConsoleSettings())


def test_japanese_choice_labels_are_accepted(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle(REPORT)
    answer = chat.handle("/done post_url=https://x.com/city/status/1 spread=中 press=なし personal_data=含まれない")
    assert "【手順 2/" in answer, answer
    state = chat.triage.steps.views(1, chat.actor.user_id)
    assert state[0].status == "done"


def test_each_bad_field_is_reported_once(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle(REPORT)
    answer = chat.handle("/done post_url=https://x.com/city/status/1 spread=huge press=no personal_data=no")
    assert answer.count("拡散の規模") == 1 and "必須" not in answer
    # The choices as staff read and type them, not the playbook's values (LINE WORKS walk s15 #18).
    assert ("「拡散の規模」は次のいずれかを選んでください: 「少数の反応のみ」「数十〜数百件の反応・共有」"
            "「大量に拡散（トレンド入り・まとめサイト等）」") in answer and "small" not in answer


def test_quotes_are_explained(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle(REPORT)
    assert '項目="値"' in chat.handle('/done platform="X (旧Twitter)')
    assert "項目=値 の形ではありません" in chat.handle("/done platform=X 旧Twitter")


def test_kind_accepts_japanese_names_and_aliases(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle(REPORT)
    assert "「デマ・事実と反する投稿」に訂正しました" in chat.handle("/kind デマ")
    assert "「なりすまし」に訂正しました" in chat.handle("/kind 成りすまし")
    assert "「情報漏えい」に訂正しました" in chat.handle("/kind 漏洩")
    assert "種別「くじら」はありません" in chat.handle("/kind くじら")


def test_guided_input_asks_field_by_field(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle(REPORT)
    first = chat.handle("/done")  # required inputs and no answers: ask for them one at a time
    assert "対象の投稿のURL（post_url、必須）を入力してください" in first and chat.prompt() == "staff:post_url> "
    kept = chat.handle("")  # the report gave the URL: an empty line keeps it
    assert "（platform）" in kept and "「X」のまま" in kept
    assert "「ｴｯｸｽ」" not in chat.handle("")  # the platform the URL names, kept too
    chat.handle("")  # screenshot_note is optional
    assert "必須" in chat.handle("")  # spread is required and not known: asked again
    assert "small=少数の反応のみ" in chat.handle("ものすごく")  # not a choice of spread: said once, asked again
    chat.handle("中")
    chat.handle("なし")
    chat.handle("不明")
    chat.handle("観光課")  # the department, asked once and used in every draft
    done = chat.handle("公式アカウント")  # whose post is criticised: a Japanese label is accepted
    assert "【手順 2/" in done and chat.guided is None and chat.prompt() == "staff> "
    assert "入力項目がありません" in chat.handle("/input")  # step 2 asks for nothing
    chat.handle("/kind デマ")
    assert "（post_url、必須）" in chat.handle("/input")
    assert "入力を中止しました" in chat.handle("/cancel") and chat.guided is None


def test_long_input_is_refused_with_a_message(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = _chat(runtime_factory, sqlite_url)
    answer = chat.handle(REPORT + "あ" * 50_000)
    assert f"{MAX_LINE:,} 文字まで" in answer and "何も保存していません" in answer
    assert chat.triage.queries.list(None) == []


def test_locale_en_is_english(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = _chat(runtime_factory, sqlite_url, locale="en")
    assert not JAPANESE.search(chat.welcome()), chat.welcome()
    assert "Current user: Yamada (staff)" in chat.welcome()
    answer = chat.handle("/done")
    assert not JAPANESE.search(answer)
    chat.handle("Our official account was hacked, strange posts https://x.com/c/status/9")
    asked = chat.handle("/done")
    assert asked.startswith("Enter ") and not JAPANESE.search(asked), asked
    assert not JAPANESE.search(chat.handle("/cancel"))
    assert "Misinformation" in chat.handle("/kind デマ")
    assert not JAPANESE.search(chat.handle("/as pr")) and not JAPANESE.search(chat.handle("/help"))


def test_transcript_reads_naturally(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    chat = _chat(runtime_factory, sqlite_url, access={"pr_members": ["console:console-pr"]})
    first = chat.handle(REPORT + " 報道 個人情報")
    assert "判定の確からしさ" not in first and "自動判定の確度" in first
    chat.handle("/as pr")
    assert "広報 佐藤 さんが確認しました" in chat.handle("/ack")
    assert "重大度 重大" not in chat.handle("/list")


def test_console_logging_stays_out_of_the_chat(tmp_path) -> None:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        setup_logging(environ={}, stream=stream, console=True)
        logging.getLogger("bot.x").info("As you gave a client the token is unused")
        logging.getLogger("bot.x").warning("Failed to reach the service")
        [line] = stream.getvalue().splitlines()  # INFO stays out of the terminal
        assert json.loads(line)["event"] == "bot.x"  # not the message's first word ("Failed")
        log_file = tmp_path / "bot.log"
        setup_logging(environ={"LOG_FILE": str(log_file)}, console=True)
        logging.getLogger("bot.y").info("slack.report received", extra={"incident_id": 3})
        entry = json.loads(log_file.read_text(encoding="utf-8").splitlines()[-1])
        assert entry["event"] == "slack.report" and entry["incident_id"] == 3
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            if handler not in saved[0]:
                handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def test_terminal_line_editing_and_history() -> None:
    """On a terminal the reader is prompt_toolkit: arrow keys edit the line and recall earlier lines."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from bot.adapters.console_input import line_reader

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        read = line_reader(io.StringIO(), io.StringIO(), interactive=True)
        pipe.send_text("abc\x1b[D\x1b[DX\r")  # two left arrows, then type X: no escape codes in the line
        assert read("staff> ") == "aXbc"
        pipe.send_text("\x1b[A\r")  # up arrow: the previous line again
        assert read("staff> ") == "aXbc"
        pipe.send_text("\x04")  # Ctrl-D on an empty line: end of input
        assert read("staff> ") is None


def test_ctrl_c_at_the_terminal_prompt_discards_the_line(runtime_factory: Callable[..., Runtime],
                                                         sqlite_url: str) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    chat = _chat(runtime_factory, sqlite_url)
    out = io.StringIO()
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("half a report\x03/list\r/quit\r")
        chat.run(io.StringIO(), out, interactive=True)
    text = out.getvalue()
    assert "入力を取り消しました" in text and "インシデントはまだありません" in text and text.endswith("終了します。\n")
    assert chat.triage.queries.list(None) == []
