"""What a staff member walking each profile × kind found wrong in what the console shows, kept fixed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.adapters.console import ConsoleChat
from bot.config import ConsoleSettings, ConsoleUser
from bot.wiring import Runtime
from tests.conftest import PR, SECURITY, STAFF

USERS = ConsoleSettings(users={
    "staff": ConsoleUser(id=STAFF, name="山田 花子"),
    "pr": ConsoleUser(id=PR, name="広報 太郎"),
    "security": ConsoleUser(id=SECURITY, name="情報 守"),
}, default_user="staff")


@pytest.mark.parametrize("typed", ["x", "twitter", "Ｘ", "X"])
def test_a_draft_names_the_service_as_the_public_knows_it(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                         typed: str) -> None:
    """Staff type 「x」 or 「twitter」; a notice to residents must not read 「x上で」 or 「公式アカウント（x）」."""
    runtime = runtime_factory(sqlite_url, profile="urausu", escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle("町のロゴを使って役場を名乗っているアカウントがあります https://x.com/fake_urausu/status/1")
    chat.handle(f"/done post_url=https://x.com/fake_urausu/status/1 platform={typed} spread=large press=no "
                "personal_data=no department=総務課")
    drafts = chat.handle("/drafts")
    assert "X上で、浦臼町の公式アカウントを装った" in drafts, drafts
    # trim_blocks ate the blank line after the inline {% endif %}: the date stuck to the sentence above it.
    assert "ご確認いただけます。\n\n令和" in drafts
    assert "x上で" not in drafts and "twitter上で" not in drafts and "Ｘ上で" not in drafts


def test_no_choice_says_shi_cho_for_every_municipality() -> None:
    """A choice label is shown as is (not templated): 「市町の公式アカウント」 reads wrong in every municipality."""
    from pathlib import Path

    import yaml
    root = Path(__file__).resolve().parents[1] / "playbooks"
    for path in sorted(root.glob("*.yaml")):
        for step in yaml.safe_load(path.read_text(encoding="utf-8"))["steps"]:
            for item in step.get("inputs") or []:
                for choice in item.get("choices") or []:
                    assert "市町" not in choice["label"]["ja"], f"{path.name} {step['id']} {item['id']}"


def test_english_staff_see_no_japanese_comma(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    """With locale: en the list of drafts offered at the end was joined with 「、」."""
    runtime = runtime_factory(sqlite_url, profile="asahikawa", locale="en", escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle("/report --kind flaming Our post about rubbish collection is getting flooded with angry replies "
                "https://x.com/fake_en/status/1")
    out = ""
    for line in ("/done post_url=https://x.com/fake_en/status/1 spread=large press=no personal_data=no "
                 "department='Waste Reduction Division' account_type=official", "/done",
                 "/done is_own_error=factual needs_time=yes", "/done expected_by=Friday",
                 "/done wrong_text='Monday' correction_text='Tuesday'", "/done use_impaired=no"):
        out = chat.handle(line)
    assert "The drafts (" in out, out
    assert "、" not in out


def test_asahikawa_misinformation_is_not_told_through_a_severity_notice(runtime_factory: Callable[..., Runtime],
                                                                         sqlite_url: str) -> None:
    """旭川市 7(3)イ: 広報広聴課 is told of misinformation only when 悪質. A 中 → 高 change before that answer
    sent 「→ 広報広聴課 に通知しました: 【重大度の変更】」 all the same."""
    runtime = runtime_factory(sqlite_url, profile="asahikawa", escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    first = chat.handle("給付金が明日で締め切りという投稿が回っていますが、そのような事実はありません "
                        "https://x.com/fake_dema/status/1")
    assert "「悪質な場合」" in first and "に通知しました" not in first
    out = chat.handle("/done post_url=https://x.com/fake_dema/status/1 false_claim=締切が明日 spread=large press=no "
                      "personal_data=no department=福祉課 where_posted=elsewhere")
    assert "重大度が「中」から「高」に変わりました" in out
    assert "に通知しました" not in out, out
    assert "広報広聴課へ通知します" in chat.handle("/done is_malicious=yes")


@pytest.mark.parametrize(("profile", "title"), [("iwaki", "問題となった部分を訂正し、謝罪する"),
                                                ("urausu", "問題となった部分を修正し、謝罪する"),
                                                ("chikugo", "問題となった部分を修正し、謝罪する")])
def test_the_apology_step_is_titled_in_the_guideline_s_words(runtime_factory: Callable[..., Runtime],
                                                             sqlite_url: str, profile: str, title: str) -> None:
    """いわき市 第7 2(2) 「問題となった部分を訂正し、謝罪すること。」; 浦臼町 7(2)② and 筑後市 6(2) say 修正し."""
    runtime = runtime_factory(sqlite_url, profile=profile, escalation={"levels": []})
    chat = ConsoleChat(runtime.triage, USERS)
    chat.handle("/report --kind flaming 課の投稿に批判が殺到しています https://x.com/fake_enjo/status/1")
    out = ""
    for line in ("/done post_url=https://x.com/fake_enjo/status/1 spread=large press=no personal_data=no "
                 "department=観光課 account_type=official", "/done", "/done is_own_error=factual needs_time=no"):
        out = chat.handle(line)
    assert f"】{title}" in out, out
