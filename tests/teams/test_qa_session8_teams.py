"""Session 8 QA walk fixes on Microsoft Teams (docs/qa/session8_walk_teams.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.adapters.teams.app import build_teams_app
from bot.adapters.teams.settings import TeamsCredentials, TeamsMention
from bot.wiring import Runtime
from tests.teams.env import PR_CHANNEL, REPORT, STAFF, TeamsEnv, teams_settings
from tests.teams.fake_connector import FakeConnector, card_of, card_text
from tests.teams.teams_driver import TeamsDriver, TeamsServer

HEAD = TeamsMention(id="aad-head-0001", name="所属課局長")
SOUMU = TeamsMention(id="tag-soumu", name="総務課", type="tag")


@pytest.fixture
def urausu(runtime_factory: Callable[..., Runtime], database_url: str,
           fake_connector: FakeConnector) -> Iterator[TeamsEnv]:
    """浦臼町 (first report to 所属課局長 and 総務課 at once, 5(3)), each section with its own Teams mention."""
    runtime = runtime_factory(database_url, profile="urausu", escalation={"levels": []})
    settings = teams_settings(fake_connector, mentions={"department_head": HEAD, "pr_section": SOUMU})
    bot = build_teams_app(runtime, settings, TeamsCredentials())
    server = TeamsServer(bot.web_app()).start()

    def settle() -> None:
        assert bot.pacer.idle(30), "deliveries still running"
    yield TeamsEnv(runtime, bot, server, TeamsDriver(server, fake_connector, settle), fake_connector)
    bot.pacer.close()
    server.stop()


def _mentioned(card: dict[str, Any]) -> list[str]:
    return [entity["mentioned"]["id"] for entity in card_of(card).get("msteams", {}).get("entities", [])]


def test_a_notice_to_two_sections_mentions_both(urausu: TeamsEnv) -> None:
    """浦臼町 tells 所属課局長 and 総務課 at once; the PR card mentioned only the first (所属課局長), so the 総務課
    tag configured in teams.mentions.pr_section was never alerted."""
    urausu.driver.channel_post(STAFF, "町の公式Xの投稿が炎上しています。批判が殺到しています https://x.com/town/status/1",
                               REPORT)
    [notice] = urausu.fake.posts_to(PR_CHANNEL)
    assert "浦臼町ガイドライン 5(3)" in card_text(notice)
    assert "<at>所属課局長</at>" in card_text(notice) and "<at>総務課</at>" in card_text(notice)
    assert _mentioned(notice) == [HEAD.id, SOUMU.id]


LINK = ("https://teams.microsoft.com/l/channel/19%3a4a95f7d8db4c4e7fae857bcebe0623e6%40thread.tacv2/"
        "%E5%A0%B1%E5%91%8A?groupId=71ed5ec3-4aa2-4e8e-8c2b-8b2a6c7a0d3e&tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47")


def test_a_channel_given_as_teams_link_or_encoded_id_is_its_id() -> None:
    """「チャネルへのリンクを取得」 gives a link; its id never matched an activity's channel, so reports went unseen."""
    from bot.adapters.teams.settings import TeamsSettings

    settings = TeamsSettings.model_validate({"report_channels": [LINK, "19:plain@thread.tacv2"],
                                             "pr_channel": "19%3Apr%40thread.tacv2", "summary_channel": None})
    assert settings.report_channels == ["19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2", "19:plain@thread.tacv2"]
    assert settings.pr_channel == "19:pr@thread.tacv2" and settings.summary_channel is None
