"""Session 13 walk leftovers in Slack: an acknowledged notice no longer promises re-notices (session 12 walk #8); a
grant a crash left untold is told by resume (#5)."""

from __future__ import annotations

from collections.abc import Callable

from conftest import OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of
from test_slack_scenarios import REPORTS

from bot.clock import FixedClock
from bot.ports import Actor

ONE_LEVEL = {"escalation": {"levels": [{"section": "pr_section", "after_minutes": 30, "mention": "S_PR"}],
                             "renotice_limit": 3}}


def test_an_acknowledged_notice_drops_the_renotice_sentence(slack_factory: Callable[..., SlackEnv]) -> None:
    slack = slack_factory(ONE_LEVEL)
    fake, driver = slack.fake, slack.driver
    driver.post_message(STAFF, REPORTS["flaming"], REPORT)
    [pr_message] = fake.channel_messages(PR_CHANNEL)
    assert "確認されるまで" in text_of(pr_message) and "再通知します" in text_of(pr_message)
    driver.click(PR, pr_message, "acknowledge")
    fake.wait_for(lambda f: "さんが確認しました" in text_of(f.message(PR_CHANNEL, pr_message["ts"])))
    acknowledged = text_of(fake.message(PR_CHANNEL, pr_message["ts"]))
    assert "確認されるまで" not in acknowledged and "再通知します" not in acknowledged
    assert "報告者" in acknowledged  # the rest of the notice stays as it was


def test_a_grant_a_crash_left_untold_is_told_after_the_restart_once(slack_factory: Callable[..., SlackEnv],
                                                                    clock: FixedClock) -> None:
    first = slack_factory()
    first.driver.post_message(STAFF, REPORTS["leak"], "D_STAFF", channel_type="im")
    [incident_id] = first.incident_ids()
    # The state a SIGKILL leaves right after 権限付与: the role stored, the grantee told nothing.
    first.runtime.triage.roles.grant_reporter(incident_id, f"slack:{OTHER}", Actor(f"slack:{PR}", "広報 太郎", "slack"))
    clock.advance(minutes=3)  # past the ledger's lease
    second = slack_factory()  # the restarted bot, on the same database
    assert second.adapter.resume() == 1
    told = [c for c in second.fake.calls_to("chat.postMessage") if "【権限の付与】" in str(c.args)]
    assert len(told) == 1 and told[0].args["channel"] == OTHER and "INC-0001" in str(told[0].args)
    assert second.adapter.resume() == 0  # told once: another tick or instance finds nothing
    assert len([c for c in second.fake.calls_to("chat.postMessage") if "【権限の付与】" in str(c.args)]) == 1
