"""Console transcripts: every municipality profile walks every incident kind from report to resolution."""

from __future__ import annotations

import shlex
from collections.abc import Callable

import pytest

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings, ConsoleUser
from bot.wiring import Runtime
from tests.conftest import PR, SECURITY, STAFF
from tests.helpers import answers_for

REPORTS = {
    "flaming": "市の公式Xの投稿が炎上しています。批判のリプライが殺到中です {url}",
    "impersonation": "市の公式アカウントになりすました偽アカウントを見つけました {url}",
    "misinformation": "市についてのデマが拡散されています。事実と異なる情報です {url}",
    "leak": "市の公式Facebookに住民の個人情報が写った写真を誤って投稿してしまいました。情報漏えいです {url}",
    "account_takeover": "市の公式Xアカウントが乗っ取られたようです。見覚えのない投稿があります {url}",
}

# The clauses ../shared/seeds/README.md lists for each municipality and kind ("where the trouble-response
# rules are"), which the walked playbook must cite.
EXPECTED = {
    ("asahikawa", "flaming"): ["7(1)ア", "7(1)イ", "7(1)ウ", "7(1)エ", "6(1)", "6(2)"],
    ("asahikawa", "impersonation"): ["7(2)ア", "7(2)イ"],
    ("asahikawa", "misinformation"): ["7(3)ア", "7(3)イ"],
    ("asahikawa", "leak"): ["3", "8(2)ア", "8(2)イ", "8(2)ウ", "8(2)エ"],
    ("asahikawa", "account_takeover"): ["6(8)"],
    ("urausu", "flaming"): ["7(2)①", "7(2)②", "7(2)③", "7(1)①", "7(1)②"],
    ("urausu", "impersonation"): ["7(3)①", "7(3)②", "5(3)", "8(3)④"],
    ("urausu", "misinformation"): ["5(3)"],
    ("urausu", "leak"): ["6(2)", "8(2)①"],
    ("urausu", "account_takeover"): [],
    ("iwaki", "flaming"): ["第7 2(1)", "第7 2(2)", "第7 2(3)"],
    ("iwaki", "impersonation"): ["第7 3(1)", "第7 3(2)"],
    ("iwaki", "misinformation"): ["第7 4"],
    ("iwaki", "leak"): ["第7 1", "第5 2(2)"],
    ("iwaki", "account_takeover"): ["第4 3(1)", "第4 3(2)"],
    ("chikugo", "flaming"): ["6(2)"],
    ("chikugo", "impersonation"): ["6(3)"],
    ("chikugo", "misinformation"): ["3"],  # silent: 3 (6(1) is about correcting our own errors)
    ("chikugo", "leak"): ["4(3)"],
    ("chikugo", "account_takeover"): ["3"],
}
PREFIX = {"asahikawa": "旭川市", "urausu": "浦臼町", "iwaki": "いわき市", "chikugo": "筑後市"}
# Who each guideline names to be told first (旭川市 7(1)エ等, 浦臼町 5(3), いわき市 第7, 筑後市 3), all at once.
FIRST = {"asahikawa": "広報広聴課", "urausu": "所属課局長及び総務課", "iwaki": "アカウント管理者（課等の長）",
         "chikugo": "総務広報課長"}
# Who acknowledges, as the labels name it (いわき市: アカウント管理者; 浦臼町: 総務課).
ACK = {"asahikawa": "広報広聴課", "urausu": "総務課", "iwaki": "アカウント管理者", "chikugo": "総務広報課長"}
# Who acknowledges, ends and grants, as the messages name them: the guideline's own office where it names no 広報.
ROLE = {"asahikawa": "広報担当", "urausu": "総務課", "iwaki": "アカウント管理者", "chikugo": "総務広報課長"}
USERS = ConsoleSettings(users={
    "staff": ConsoleUser(id=STAFF, name="山田 花子"),
    "pr": ConsoleUser(id=PR, name="広報 太郎"),
    "security": ConsoleUser(id=SECURITY, name="情報 守"),
}, default_user="staff")


def _walk(chat: ConsoleChat, transcript: list[str]) -> None:
    """Answer every step with valid answers until the console says all steps are done."""
    for _ in range(30):
        assert chat.focus is not None
        step = chat.triage.steps.current(chat.focus, chat.actor.user_id)
        if step is None:
            return
        line = "/done " + " ".join(shlex.quote(f"{k}={v}") for k, v in answers_for(step).items())
        transcript.append(chat.handle(line))
    raise AssertionError("playbook did not finish in 30 steps")


@pytest.mark.parametrize("kind", list(REPORTS))
@pytest.mark.parametrize("profile", list(PREFIX))
def test_full_transcript(runtime_factory: Callable[..., Runtime], sqlite_url: str, profile: str, kind: str) -> None:
    levels = {"asahikawa": ["pr_section", "department_head"], "urausu": ["pr_section", "department_head"],
              "iwaki": ["pr_section", "department_head"], "chikugo": ["pr_section", "pr_head"]}[profile]
    runtime = runtime_factory(sqlite_url, profile=profile,
                              escalation={"levels": [{"section": s} for s in levels]})
    chat = ConsoleChat(runtime.triage, USERS)
    url = f"https://x.com/{profile}_{kind}/status/1"
    transcript = [chat.handle(REPORTS[kind].format(url=url))]
    assert f"種別: {runtime.triage.catalog.label('kind', kind)}" in transcript[0], transcript[0]
    assert "【手順 1/" in transcript[0] and ("根拠:" in transcript[0] or "一般的な対応です" in transcript[0])
    assert "実施者: " in transcript[0]
    if (profile, kind) == ("asahikawa", "misinformation"):
        # 7(3)イ: 広報広聴課 is told only when the post is 悪質 — asked in step 2, not at once.
        assert "に通知しました" not in transcript[0] and "「悪質な場合」に行う" in transcript[0]
    else:
        assert f"→ {FIRST[profile]} に通知しました" in transcript[0]
    if kind == "leak":
        assert "閲覧できます" in transcript[0]
    transcript.append(chat.handle("/ack"))
    assert f"{ACK[profile]}として登録された職員だけ" in transcript[-1]
    transcript.append(chat.handle("/as pr"))
    transcript.append(chat.handle("/ack"))
    assert "確認しました" in transcript[-1]
    transcript.append(chat.handle("/as staff"))
    _walk(chat, transcript)
    text = "\n".join(transcript)
    assert "すべての手順が終わりました" in text
    for clause in EXPECTED[(profile, kind)]:
        assert f"{PREFIX[profile]}ガイドライン {clause}" in text, f"{profile}/{kind} does not cite {clause}"
    assert "{{" not in text and "{%" not in text
    if kind == "leak":  # a restricted incident is ended by PR or security, never by its reporter
        assert f"対応完了にするのは{ROLE[profile]}または情報セキュリティ担当です" in transcript[-1]
        assert "対応中" in chat.handle("/list")
        chat.handle("/as pr")
        assert "対応完了" in chat.handle("/resolve")
    assert "状態を「対応完了」" in text or "対応完了" in chat.handle("/list")
    timeline = chat.handle("/timeline")
    assert f"{ACK[profile]}確認" in timeline and "手順完了" in timeline
    if "広報" not in ROLE[profile]:  # a guideline that never names 広報: neither does anything the bot said
        assert "広報" not in (text + timeline).replace("広報 太郎", ""), profile  # the test user's name aside
    assert "改ざんされていません" in chat.handle("/verify")


def test_silent_guideline_says_so(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """筑後市 has no rule on misinformation: the step falls back to its general rule and says so."""
    runtime = runtime_factory(sqlite_url, profile="chikugo", escalation={"levels": [{"section": "pr_section"}]})
    chat = ConsoleChat(runtime.triage, USERS)
    first = chat.handle(REPORTS["misinformation"].format(url="https://x.com/a/status/2"))
    transcript = [first]
    _walk(chat, transcript)
    assert "定めがない" in "\n".join(transcript)


def test_console_errors_are_plain_and_lose_nothing(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS)
    assert "インシデントがありません" in chat.handle("/done")
    # Typed text is explicit intent: chatter is asked about (kind picker and 「報告ではない」), never dropped;
    # the same words posted in a report channel are left alone.
    asked = chat.handle("お昼どこ行きます？")
    assert "インシデントとして報告しますか？" in asked and "0. 報告ではない" in asked
    assert "報告としては扱いません" in chat.handle("/answer 0")
    assert "報告として認識できませんでした" in chat.handle("/post お昼どこ行きます？")
    assert "コマンド「/frobnicate」はありません" in chat.handle("/frobnicate")
    assert "ユーザー「mayor」は設定にありません" in chat.handle("/as mayor")
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/3"))
    assert "URL" in chat.handle("/done post_url=not-a-url spread=large press=no personal_data=no")
    assert "読み取れませんでした" in chat.handle("/done broken")
    assert "【手順 1/" in chat.handle("/step")
    assert "種別「gossip」はありません" in chat.handle("/kind gossip")
    assert "数字で指定" in chat.handle("/open abc")
    assert "見つかりません" in chat.handle("/open 999")
    assert "権限がありません" in chat.handle("/close")  # staff may not close
    assert "INC-0001" in chat.handle("/list")


def test_report_text_is_never_evaluated_as_a_template(runtime_factory: Callable[..., Runtime],
                                                      sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url)
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle(REPORTS["flaming"].format(url="https://x.com/a/status/4") + " {{ 7*7 }} {% raw %}")
    out = chat.handle("/done post_url=https://x.com/a/status/4 spread=large press=no personal_data=no "
                      "account_type=official screenshot_note='{{ 7*7 }}'")
    assert "49" not in out
    assert "{{ 7*7 }}" in chat.handle("/timeline")
