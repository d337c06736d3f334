"""Which updates change a posted section notice in place, the same for every port (content.changes_notice): the
acknowledged, redacted, ended and reopened notices keep what they showed and link the incident's conversation."""

from __future__ import annotations

from bot.delivery import content as c
from bot.ports import Notification
from bot.wiring import Runtime
from tests.delivery.test_delivery_plan import FLAMING, report


def test_the_four_notice_changes_and_nothing_else(runtime: Runtime) -> None:
    view = report(runtime, FLAMING.format(n=2131)).incident
    assert view is not None
    note = Notification(view.id, "pr_section", 1, "広報", None, "炎上", "本文")
    changes = [c.NoticeAcknowledged(view, "広報 太郎", "12:00", "本文"), c.NoticeRedacted(view, "山田"),
               c.NoticeEnded(view, "終結しました"), c.ReopenWithdrawn(view, note)]
    assert all(c.changes_notice(content) for content in changes)
    drawn_anew = [c.Texts(("はい",)), c.SectionNotice(view, note), c.PrivateLine(view), c.MergedCount(view, 2)]
    assert not any(c.changes_notice(content) for content in drawn_anew)
