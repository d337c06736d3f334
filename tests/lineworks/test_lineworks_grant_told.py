"""LINE WORKS: a grant (権限付与) told to the grantee in their 1:1 chat with the bot, once, also after a crash
(session 12 walk #5)."""

from __future__ import annotations

from collections.abc import Callable

from bot.clock import FixedClock
from bot.ports import Actor
from tests.lineworks.harness import OTHER, PR, STAFF, LwEnv, text_of

LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです https://x.com/a/status/5"


def test_a_grant_is_told_in_the_grantees_1to1_chat_once_without_the_report(lw: LwEnv) -> None:
    lw.say(STAFF, LEAK)
    lw.say(OTHER, LEAK)  # a co-report of a leak: no role until granted
    before = len(lw.to_user(OTHER))
    lw.say(PR, "権限付与 1 other-0001")
    assert "付与しました" in text_of(lw.to_user(PR)[-1])
    told = "\n".join(text_of(m) for m in lw.to_user(OTHER)[before:])
    assert told.count("【権限の付与】") == 1 and "INC-0001" in told and "閲覧制限" in told
    assert "住所" not in told and "x.com" not in told
    lw.say(PR, "権限付与 1 other-0001")  # again: already granted, not told twice
    assert len([m for m in lw.to_user(OTHER) if "【権限の付与】" in text_of(m)]) == 1


def test_a_grant_a_crash_left_untold_is_told_by_resume_once(lw_factory: Callable[..., LwEnv],
                                                            core_clock: FixedClock) -> None:
    first = lw_factory()
    first.say(STAFF, LEAK)
    [view] = first.runtime.triage.queries.list(None)
    # The state a crash leaves right after 権限付与: the role stored, the grantee told nothing.
    pr = Actor(f"lineworks:{PR}", "広報", "lineworks")
    first.adapter.triage.roles.grant_reporter(view.id, f"lineworks:{OTHER}", pr)  # PR as the lineworks: block says
    core_clock.advance(minutes=3)  # past the ledger's lease
    second = lw_factory()
    assert second.adapter.resume() == 1
    second.jobs.drain()
    assert "\n".join(text_of(m) for m in second.to_user(OTHER)).count("【権限の付与】") == 1
    assert second.adapter.resume() == 0
