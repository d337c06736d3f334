"""A resolved incident's post reported again on Slack (a flare-up): PR is told, the reporter chooses with buttons."""

from __future__ import annotations

from typing import Any

from conftest import OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of

from bot.ports import Actor
from bot.triage.lifecycle import RESOLVED, RESPONDING

URL = "https://x.com/iwaki_city_fake/status/1860000000077"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"
AGAIN = f"また炎上が再燃しています。引用での批判が増えています {URL}"


def _resolved(slack: SlackEnv) -> int:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    slack.runtime.triage.incidents.change_status(incident_id, RESOLVED, Actor(f"slack:{PR}", "広報 太郎", "slack"))
    return incident_id


def _choice(slack: SlackEnv, user: str) -> dict[str, Any]:
    """The reopen-or-new ephemeral the reporter got, as a clickable message."""
    calls = [c for c in slack.fake.calls_to("chat.postEphemeral", user=user) if "flareup:" in str(c.args.get("blocks"))]
    assert calls, "no reopen-or-new buttons were posted"
    args = calls[-1].args
    return {"ts": args.get("thread_ts") or "0", "channel": args["channel"], "blocks": args["blocks"],
            "text": args.get("text", "")}


def _said(slack: SlackEnv) -> str:
    return " ".join(text_of({"text": c.args.get("text", ""), "blocks": c.args.get("blocks") or []})
                    for c in slack.fake.calls_to("response_url"))


def test_pr_is_told_of_the_flare_up_and_a_colleague_gets_only_the_button_they_may_use(slack: SlackEnv) -> None:
    """Only PR may reopen: a colleague is not offered a button they would be refused on, and is told who decides."""
    incident_id = _resolved(slack)
    before = len(slack.fake.channel_messages(PR_CHANNEL))
    slack.driver.post_message(OTHER, AGAIN, REPORT)
    assert slack.incident_ids() == [incident_id]
    told = slack.fake.channel_messages(PR_CHANNEL)[before:]
    assert len(told) == 1 and "【再燃】INC-" in text_of(told[0]) and "佐藤 一郎" in text_of(told[0])
    assert "ガイドラインに再燃時の定めはありません" in text_of(told[0])
    choice = _choice(slack, OTHER)
    assert "最初の報告先に知らせました" in choice["text"] and "判断します" in choice["text"]
    assert _labels(choice) == ["新しい案件として報告する"]


def _labels(choice: dict[str, Any]) -> list[str]:
    return [e["text"]["text"] for b in choice["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_bystander_clicking_reopen_is_refused_and_recorded(slack: SlackEnv) -> None:
    incident_id = _resolved(slack)
    slack.driver.post_message(PR, AGAIN, REPORT)  # PR's own choice has the reopen button
    slack.driver.click(OTHER, _choice(slack, PR), "flareup:reopen",  # a forged or forwarded click
                       until=lambda f: bool(f.calls_to("response_url")))
    assert slack.runtime.triage.queries.view(incident_id, None).status == RESOLVED
    assert "access_denied" in slack.events(incident_id)
    assert "権限" in _said(slack)


def test_pr_reporting_the_post_again_reopens_it_with_the_button(slack: SlackEnv) -> None:
    incident_id = _resolved(slack)
    slack.driver.post_message(PR, AGAIN, REPORT)
    before = len(slack.fake.channel_messages(PR_CHANNEL))
    assert "選んでください" in _choice(slack, PR)["text"]
    assert _labels(_choice(slack, PR)) == [f"INC-{incident_id:04d} の対応を再開する", "新しい案件として報告する"]
    slack.driver.click(PR, _choice(slack, PR), "flareup:reopen", until=lambda f: bool(f.calls_to("response_url")))
    assert slack.runtime.triage.queries.view(incident_id, None).status == RESPONDING
    assert "対応中" in _said(slack)
    [told] = slack.fake.channel_messages(PR_CHANNEL)[before:]  # the section hears who reopened it
    assert f"【再開】INC-{incident_id:04d}" in text_of(told) and "広報 太郎" in text_of(told)
    slack.driver.click(PR, _choice(slack, PR), "flareup:reopen", until=lambda f: len(f.calls_to("response_url")) > 1)
    assert "すでに「対応中」" in _said(slack)
    assert len(slack.fake.channel_messages(PR_CHANNEL)) == before + 1  # told once


def test_new_opens_one_incident_with_the_original_text_however_often_clicked(slack: SlackEnv) -> None:
    incident_id = _resolved(slack)
    slack.driver.post_message(OTHER, AGAIN, REPORT)
    choice = _choice(slack, OTHER)
    slack.driver.click(OTHER, choice, "flareup:new", until=lambda f: len(slack.incident_ids()) == 2)
    slack.driver.click(OTHER, choice, "flareup:new", until=lambda f: len(f.calls_to("conversations.history")) == 2)
    first, second = slack.incident_ids()
    assert first == incident_id
    view = slack.runtime.triage.queries.view(second, None)
    assert view.text == AGAIN and view.reporter_id == f"slack:{OTHER}"
    assert slack.runtime.triage.queries.view(incident_id, None).status == RESOLVED


def test_prs_flare_up_notice_carries_the_reopen_button_and_it_reopens(slack: SlackEnv) -> None:
    """The 【再燃】 notice offers PR the same reopen button the reporter's choice has (the core decides who may)."""
    incident_id = _resolved(slack)
    before = len(slack.fake.channel_messages(PR_CHANNEL))
    slack.driver.post_message(OTHER, AGAIN, REPORT)
    [notice] = slack.fake.channel_messages(PR_CHANNEL)[before:]
    assert _labels(notice) == [f"INC-{incident_id:04d} の対応を再開する"]
    slack.driver.click(OTHER, notice, "flareup:reopen", until=lambda f: bool(f.calls_to("response_url")))
    assert slack.runtime.triage.queries.view(incident_id, None).status == RESOLVED  # a colleague: refused
    assert "再開できるのは広報担当です" in _said(slack)
    slack.driver.click(PR, notice, "flareup:reopen", until=lambda f: len(f.calls_to("response_url")) > 1)
    assert slack.runtime.triage.queries.view(incident_id, None).status == RESPONDING
    assert any(f"【再開】INC-{incident_id:04d}" in text_of(m) for m in slack.fake.channel_messages(PR_CHANNEL))



def test_once_reopened_the_flare_up_notice_no_longer_offers_to_reopen(slack: SlackEnv) -> None:
    """Reopened by command: the 【再燃】 notice's button goes, replaced by who reopened it (the rest stays)."""
    incident_id = _resolved(slack)
    before = len(slack.fake.channel_messages(PR_CHANNEL))
    slack.driver.post_message(OTHER, AGAIN, REPORT)
    [notice] = slack.fake.channel_messages(PR_CHANNEL)[before:]
    slack.driver.slash(PR, f"再開 INC-{incident_id:04d}", REPORT, until=lambda f: any(
        "【再開】" in text_of(m) for m in f.channel_messages(PR_CHANNEL)))
    assert slack.runtime.triage.queries.view(incident_id, None).status == RESPONDING
    redrawn = slack.fake.message(PR_CHANNEL, notice["ts"])
    assert _labels(redrawn) == [] and "【再燃】INC-" in text_of(redrawn) and "再開しました" in text_of(redrawn)


def test_the_reporters_own_choice_loses_its_buttons_once_reopened_from_it(slack: SlackEnv) -> None:
    """The clicked ephemeral is answered in place (replace_original); a refusal keeps it (「新規」 is still theirs),
    and the notice's button, which lives in the PR channel, is never replaced through the response URL."""
    incident_id = _resolved(slack)
    slack.driver.post_message(PR, AGAIN, REPORT)
    slack.driver.click(OTHER, _choice(slack, PR), "flareup:reopen", until=lambda f: bool(f.calls_to("response_url")))
    assert not slack.fake.calls_to("response_url")[-1].args.get("replace_original")  # refused: kept
    slack.driver.click(PR, _choice(slack, PR), "flareup:reopen", until=lambda f: len(f.calls_to("response_url")) > 1)
    assert slack.runtime.triage.queries.view(incident_id, None).status == RESPONDING
    assert slack.fake.calls_to("response_url")[-1].args.get("replace_original") is True
