"""The daily audit and the weekly summary in Teams channels (summary_post.py, bot/delivery/publishing.py)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from bot.adapters.teams.summary_post import IMAGE_BYTES_LIMIT, audit_cards
from bot.triage.audit import run_daily_audit
from bot.triage.retention import RetentionPolicy
from bot.triage.summary import build_summary
from bot.triage.summary_chart import render_chart
from bot.triage.summary_model import IsoWeek
from tests.teams.env import REPORT, STAFF, SUMMARY, TeamsEnv
from tests.teams.fake_connector import card_of, card_text
from tests.teams.test_teams_scenarios import REPORTS

AUDIT = "19:audit-channel@thread.tacv2"
TEAMS_MESSAGE_LIMIT = 28_000


def _wire_size(message: dict) -> int:
    return len(json.dumps(message, ensure_ascii=False).encode("utf-8"))


def test_the_daily_audit_goes_to_the_audit_channel(teams_factory: Callable[..., TeamsEnv]) -> None:
    from bot.adapters.teams.summary_post import audit_publisher

    teams = teams_factory(audit_channel=AUDIT)
    teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    deps = teams.runtime.triage.deps
    policy = RetentionPolicy.from_settings(teams.runtime.settings.file.retention)
    result = run_daily_audit(deps, policy, audit_publisher(teams.bot), "worker-1")
    assert result is not None and result.attestation.report.ok
    [posted] = teams.fake.posts_to(AUDIT)
    text = card_text(posted)
    assert "タイムラインの日次監査" in text and result.attestation.hash in text
    assert REPORTS["flaming"][:10] not in json.dumps(posted, ensure_ascii=False)  # never report text


def test_without_an_audit_channel_the_restricted_channel_or_nothing(teams_factory: Callable[..., TeamsEnv]
                                                                     ) -> None:
    from bot.adapters.teams.summary_post import audit_publisher

    teams = teams_factory()  # no audit or restricted channel: the head is only logged, the job still runs
    deps = teams.runtime.triage.deps
    policy = RetentionPolicy.from_settings(teams.runtime.settings.file.retention)
    assert run_daily_audit(deps, policy, audit_publisher(teams.bot), "worker-1") is not None
    assert teams.fake.calls == []


def test_many_audit_lines_are_split_into_messages_teams_accepts() -> None:
    lines = [f"• INC-{n:04d}: 期待されるハッシュ {'a' * 400} と一致しません" for n in range(60)]
    cards = audit_cards(lines, "タイムラインの日次監査")
    assert len(cards) >= 2
    assert all(_wire_size(c) < TEAMS_MESSAGE_LIMIT for c in cards)
    shown = [b["text"] for c in cards for b in c["body"]][1:]
    assert len(shown) == 60


def test_the_weekly_chart_is_an_inline_image_within_the_message_limit(teams: TeamsEnv) -> None:
    for kind in ("flaming", "impersonation", "misinformation"):
        teams.driver.channel_post(STAFF, REPORTS[kind], REPORT)
    deps = teams.runtime.triage.deps
    now = deps.clock.now()
    summary = build_summary(deps.sessions, IsoWeek.containing(now), now)
    png = render_chart(summary, deps.catalog)
    teams.bot.publish_summary(summary, png)
    posted = teams.fake.posts_to(SUMMARY)
    images = [e for m in posted for e in card_of(m)["body"] if e["type"] == "Image"]
    [image] = images
    encoded = image["url"].removeprefix("data:image/png;base64,")
    assert image["url"].startswith("data:image/png;base64,") and len(encoded) <= IMAGE_BYTES_LIMIT
    assert base64.b64decode(encoded)[:8] == b"\x89PNG\r\n\x1a\n" and image["altText"]
    assert all(_wire_size(m) < TEAMS_MESSAGE_LIMIT for m in posted)
