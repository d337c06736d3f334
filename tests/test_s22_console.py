"""Console walk s22 (docs/qa/session22_walk_console.md): scenarios nobody scripted, at the console."""

from __future__ import annotations

from datetime import datetime

from bot.adapters.console import ConsoleChat
from bot.clock import JST, FixedClock
from bot.config import ConsoleSettings, ConsoleUser
from bot.wiring import Runtime
from tests.conftest import PR, SECURITY, STAFF

USERS = ConsoleSettings(users={
    "staff": ConsoleUser(id=STAFF, name="担当 山田"), "pr": ConsoleUser(id=PR, name="広報 佐藤"),
    "security": ConsoleUser(id=SECURITY, name="情報セキュリティ 鈴木"),
}, default_user="staff")
REPORT = "市の公式Instagramの投稿に批判コメントが殺到しています https://www.instagram.com/p/ABC123/"


def test_the_acknowledgement_is_dated_with_its_weekday_as_everything_else(runtime: Runtime,
                                                                          clock: FixedClock) -> None:
    """Walk (low, carried from s21 Slack #11): 「広報 佐藤 さんが確認しました（2026年12月6日 20:05）」 and
    /status's 通知・確認 had no 曜日, while the earlier-incident line says 「2026年12月1日（火）」 and every record
    「令和8年12月6日（日）20:05」: whether PR acknowledged on a Sunday night is what the reader needs."""
    clock.set(datetime(2026, 12, 6, 20, 0, tzinfo=JST))  # a Sunday evening
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(REPORT)
    chat.handle("/as pr")
    clock.advance(minutes=5)
    acked = chat.handle("/ack")
    assert "確認しました（2026年12月6日（日）20:05）" in acked, acked
    status = chat.handle("/status 1")
    assert "通知: 広報広聴課（2026年12月6日（日）20:00）" in status, status
    assert "確認: 広報 佐藤 さん（2026年12月6日（日）20:05）" in status, status
    listed = chat.handle("/list")
    assert "2026年12月6日（日）20:00" in listed, listed


def test_the_step_list_says_why_numbers_are_missing(runtime: Runtime, clock: FixedClock) -> None:
    """Walk (low): /steps under 【手順 1/8】 listed 1–5 then 「8. [未完了] 利用に支障を来す場合は…」:
    6 and 7 looked lost. They are the steps that apply only on some answers (the count N holds them, s17 #15)."""
    chat = ConsoleChat(runtime.triage, USERS)
    assert "【手順 1/6】" in chat.handle("市の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/city/status/123")
    listed = chat.handle("/steps")
    numbers = [line.split(".", 1)[0] for line in listed.splitlines() if line[:1].isdigit()]
    # Since the count is the most steps one set of answers can lead to (s22 core), 1/6 lists 1–6 with no gap.
    assert numbers == ["1", "2", "3", "4", "5", "6"] and "※ 手順" not in listed, listed


def test_a_line_that_says_it_is_another_matter_is_a_new_report_not_a_note(runtime: Runtime,
                                                                          clock: FixedClock) -> None:
    """Walk (medium): while the デマ INC-0001 waited on its first step, staff typed 「別件ですが、市の公式LINE
    アカウントのパスワードが変更されていて…乗っ取られたかもしれません」 (no URL): it became a note on the デマ;
    nobody was told of a takeover until they read the hint and typed it again with /report."""
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle("市の公式Facebookで、給付金の申請期限が「明日まで」という誤った情報が拡散しています "
                "https://www.facebook.com/asahikawa/posts/555")
    said = chat.handle("別件ですが、市の公式LINEアカウントのパスワードが変更されていてログインできません。"
                       "乗っ取られたかもしれません")
    assert "INC-0002 を受け付けました" in said, said
    assert chat.focus == 2
    assert "note" not in [entry.type for entry in runtime.triage.queries.timeline(1, PR)]
    # A remark on the incident itself stays a note, as a reply in its thread would.
    chat.handle("/open 1")
    kept = chat.handle("まとめサイトにも転載されています")
    assert "INC-0001 のタイムラインに記録しました" in kept, kept
