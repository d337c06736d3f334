"""What every platform's weekly summary links and names the same way (bot/delivery/publishing.py): an incident's
reference links to its conversation only where it lives on that platform; the chart file is named by its week."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bot.delivery import publishing
from bot.triage.summary_model import AttentionItem


def _item(platform: str | None, channel: str | None, thread: str | None) -> AttentionItem:
    fields: dict[str, Any] = {name: None for name in AttentionItem.__dataclass_fields__}
    fields.update(ref="INC-0007", conversation_platform=platform, conversation_channel=channel,
                  conversation_thread=thread)
    return AttentionItem(**fields)


def test_a_reference_links_only_to_a_conversation_on_this_platform() -> None:
    assert publishing.conversation_here(_item("slack", "C1", "1.2"), "slack") == ("C1", "1.2")
    assert publishing.conversation_here(_item("slack", "C1", ""), "slack") == ("C1", None)  # the channel only
    assert publishing.conversation_here(_item("slack", "C1", "1.2"), "teams") is None
    assert publishing.conversation_here(_item("teams", None, "1"), "teams") is None
    assert publishing.conversation_here(_item(None, None, None), "slack") is None


def test_the_chart_file_is_named_by_its_week() -> None:
    week = SimpleNamespace(week="2026-W49")
    assert publishing.chart_filename(week) == "incident-summary-2026-W49.png"  # type: ignore[arg-type]
