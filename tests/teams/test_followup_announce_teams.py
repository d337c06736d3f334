"""A follow-up on Teams (walk s17 #9): PR's channel gets a 【続報】 card naming who sent it (a leak's without its
words), the incident's thread reads it as news, and nobody is told 「同じ投稿について N 件の報告をまとめました」."""

from __future__ import annotations

from tests.teams.env import OTHER, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.test_teams_privacy import channel_bodies, channel_messages_now
from tests.teams.test_teams_scenarios import REPORTS

NEWS = "INC-0001 なりすましアカウント、凍結されました"
LEAK_NEWS = "INC-0001 の件、漏えいした写真の投稿は削除しました。スクリーンショットを撮った人がいるかもしれません"


def test_a_follow_up_reaches_pr_and_the_thread_as_news(teams: TeamsEnv) -> None:
    teams.driver.channel_post(STAFF, REPORTS["impersonation"], REPORT)
    teams.driver.channel_post(OTHER, NEWS, REPORT)
    assert len(teams.incident_ids()) == 1
    [news] = [card_text(m) for m in teams.fake.posts_to(PR_CHANNEL) if "【続報】INC-0001" in card_text(m)]
    assert "佐藤 一郎" in news and "凍結されました" in news, news
    now = channel_messages_now(teams)
    assert "INC-0001 に続報があります（佐藤 一郎 さん）" in now, now
    assert "件の報告をまとめました" not in channel_bodies(teams)


def test_a_leaks_follow_up_reaches_pr_without_its_words(teams: TeamsEnv) -> None:
    teams.driver.channel_post(STAFF, REPORTS["leak"], REPORT)
    teams.driver.channel_post(OTHER, LEAK_NEWS, REPORT)
    assert len(teams.incident_ids()) == 1
    [news] = [card_text(m) for m in teams.fake.posts_to(PR_CHANNEL) if "【続報】INC-0001" in card_text(m)]
    assert "佐藤 一郎" in news and "表示しません" in news, news
    assert "撮った人がいる" not in channel_bodies(teams) and "【共同報告】" not in channel_bodies(teams)


def test_pr_s_card_names_the_colleagues_who_reported_the_same_post(teams: TeamsEnv) -> None:
    """Walk s17 #11: PR's card kept 「報告者: 山田 花子」 only after a colleague reported the same post."""
    teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    url = REPORTS["flaming"].split()[-1]
    teams.driver.channel_post(OTHER, f"この投稿も炎上しています {url}", REPORT)
    assert len(teams.incident_ids()) == 1
    cards = [m for m in teams.fake.posts_to(PR_CHANNEL) if "INC-0001" in card_text(m)]
    assert len(cards) == 1  # redrawn in place, not posted again
    now = channel_messages_now(teams)
    assert "山田 花子、佐藤 一郎" in now and "佐藤 一郎 さんからも報告がありました" in now, now
