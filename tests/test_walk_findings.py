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
