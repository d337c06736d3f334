"""Console polish from the session 13 records walk: the notice lines, /timeline on a terminal, who a refused export
was, and the order of a step's inputs in the records."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings, ConsoleUser
from bot.main import run
from bot.records.service import RecordsDesk
from bot.wiring import Runtime
from tests.conftest import PR, SECURITY, STAFF

USERS = ConsoleSettings(users={
    "staff": ConsoleUser(id=STAFF, name="担当 山田"),
    "pr": ConsoleUser(id=PR, name="総務課 佐藤"),
    "security": ConsoleUser(id=SECURITY, name="情報セキュリティ 鈴木"),
}, default_user="staff")
FLAMING = "町の公式Xが炎上しています。除雪が遅いと批判が殺到 https://x.com/town/status/1"
STEP_1 = ("/done post_url=https://x.com/town/status/2 platform=X spread=large press=なし personal_data=なし "
          "department=総務課 account_type=official")


def _chat(runtime_factory: Callable[..., Runtime], url: str) -> ConsoleChat:
    return ConsoleChat(runtime_factory(url, profile="urausu").triage, USERS)


def test_the_redrawn_notice_shows_the_severity_its_answers_set(runtime_factory: Callable[..., Runtime],
                                                               sqlite_url: str) -> None:
    """Walk #8: 「→ … に通知しました: 【炎上】INC-0001（重大度: 中）」 for the notice redrawn with the new URL, then
    【重大度の変更】 中 → 高 (fixed in the core by 8280108; this keeps the console's line right)."""
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle(FLAMING)
    chat.handle("/as pr")
    chat.handle("/ack")
    chat.handle("/as staff")
    said = chat.handle(STEP_1)
    assert "→ 所属課局長及び総務課 に通知しました: 【炎上】INC-0001（重大度: 高）" in said
    assert "（重大度: 中）" not in said
    assert "【重大度の変更】INC-0001（炎上）: 中 → 高" in said


def test_a_grant_names_the_console_user_not_their_id(runtime_factory: Callable[..., Runtime],
                                                     sqlite_url: str) -> None:
    """Walk: 「INC-0001 の報告者として console:console-security さんに…」 and 「→ console:console-security に
    通知しました: 【権限の付与】…」: the console knows the user's name."""
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle(FLAMING)
    chat.handle("/as pr")
    said = chat.handle("/grant security")
    assert "情報セキュリティ 鈴木 さんに閲覧・操作の権限を付与しました" in said
    assert "→ 情報セキュリティ 鈴木 に通知しました: 【権限の付与】INC-0001（炎上）" in said
    assert SECURITY not in said
    said = chat.handle("権限付与 INC-0001 security")
    assert "情報セキュリティ 鈴木 さんは既に INC-0001 の報告者としての権限があります" in said


def test_the_console_timeline_is_plain_text(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """Walk #12: /timeline printed Markdown on a terminal: 「浦臼町ガイドライン 5\\(3\\)」, 「\\\\n」, table pipes."""
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle(FLAMING)
    chat.handle(r"/note 除雪計画 5(3) を確認 \n 次へ | =SUM(A1:A2) *強調*")
    shown = chat.handle("/timeline")
    lines = shown.splitlines()
    assert lines[0] == "INC-0001 タイムライン（炎上・報告受付）"
    assert any(line.startswith("令和8年11月18日（水）10:00　通知　")
               and line.endswith("　根拠: 浦臼町ガイドライン 5(3)")
               and "所属課局長及び総務課に通知しました" in line for line in lines), shown
    assert r"「除雪計画 5(3) を確認 \n 次へ | =SUM(A1:A2) *強調*」" in shown
    assert "\\(" not in shown and "\\\\" not in shown and not any(line.startswith(("|", "#")) for line in lines)


def test_a_refused_export_names_the_console_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Walk #10: after `report 1 --as console:console-colleague` the timeline read 「console:console-colleagueが権限の
    ない操作（記録の書き出し）を試み、拒否されました。」: app.yaml's console users name them."""
    config = tmp_path / "app.yaml"
    config.write_text('profile: urausu\naccess:\n  pr_members: ["console:console-pr"]\nconsole:\n  users:\n'
                      '    staff: {id: console-staff, name: 担当 山田}\n    pr: {id: console-pr, name: 総務課 佐藤}\n'
                      '    colleague: {id: console-colleague, name: 同僚 高橋}\n', encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    assert run(["chat", "--config", str(config), "--no-prompt"], stdin=io.StringIO(f"{FLAMING}\n/quit\n"),
               **quiet) == 0
    refused = io.StringIO()
    assert run(["report", "1", "--format", "md", "--as", "console:console-colleague", "--config", str(config)],
               stdout=refused, stderr=io.StringIO()) == 1
    assert "権限がありません" in refused.getvalue()
    out = io.StringIO()
    assert run(["timeline", "1", "--config", str(config)], stdout=out, stderr=io.StringIO()) == 0
    assert "同僚 高橋が権限のない操作（記録の書き出し）を試み、拒否されました。" in out.getvalue()
    assert "console:console-colleague" not in out.getvalue()


def test_a_steps_inputs_are_listed_in_the_forms_order(runtime_factory: Callable[..., Runtime],
                                                      sqlite_url: str) -> None:
    """Walk #13: 手順完了 listed the inputs by id (アカウント, 担当課, 個人情報の有無, サービス名, URL, …)."""
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle(FLAMING)
    chat.handle(STEP_1)
    runtime_deps = chat.triage.deps
    timeline = RecordsDesk(runtime_deps).timeline_file(1, None, "md").content.decode()
    done = next(line for line in timeline.splitlines() if "手順「状況を記録する」を完了しました" in line)
    labels = ["対象の投稿のURL", "サービス名", "画面保存", "拡散の規模", "報道・取材の有無", "個人情報の有無", "担当課",
              "批判を受けている投稿のアカウント"]
    found = [done.index(label) for label in labels if label in done]
    assert len(found) == len(labels) - 1 and found == sorted(found), done  # 画面保存 was not answered


def test_a_kind_corrected_to_a_leak_says_the_notices_were_redacted(runtime_factory: Callable[..., Runtime],
                                                                   sqlite_url: str) -> None:
    """Console walk s16 #13: Slack and Teams take the report off the notices sent when an incident becomes a leak;
    the console said nothing about them. Said once, as the correction happens, and not when it is already one."""
    chat = _chat(runtime_factory, sqlite_url)
    chat.handle("町長を名乗る偽のXアカウントがあります https://x.com/fake_mayor")
    said = chat.handle("/kind 情報漏えい")
    assert "これまでの通知から報告内容の表示を取り消しました" in said
    assert said.index("取り消しました") < said.index("【手順 1/")
    assert "取り消しました" not in chat.handle("/kind 情報漏えい")
    assert "取り消しました" not in chat.handle("/kind デマ")  # (refused or not: a leak stays restricted)
