"""状況 INC-0001 / a question in staff's words on Slack (bot/delivery/status.py): in a DM a question is no report,
the standing is said, and the leak's current step card reaches the asker, whose press brings the next step to
them and to the reporter's conversation; a public channel gets no details."""

from __future__ import annotations

from conftest import ELSEWHERE, PR, REPORT, STAFF, SlackEnv
from slack_driver import action_ids, blocks_of, text_of

URL = "https://x.com/asahikawa_fake/status/78"
LEAK = f"市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです {URL}"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"


def _said(slack: SlackEnv, user: str) -> str:
    calls = slack.fake.calls_to("chat.postEphemeral", user=user) + slack.fake.calls_to("response_url")
    return "\n".join(str(call.args.get("text", "")) for call in calls)


def _cards(slack: SlackEnv, channel: str) -> list[dict]:  # type: ignore[type-arg]
    return [m for m in slack.fake.channel_messages(channel) if any(
        str(b.get("block_id", "")).startswith("step|") for b in blocks_of(m))]


def _at_home(fake, words: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    with fake._cond:
        found = [m for m in fake.messages.values() if m["channel"] == "D_STAFF" and words in text_of(m)]
    return found


def test_a_dm_question_about_a_leak_gets_its_standing_and_its_step_card(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, LEAK, "D_STAFF", channel_type="im")
    [incident_id] = slack.incident_ids()
    slack.driver.post_message(PR, "INC-0001 の状況どうなってますか？", "D_PR", channel_type="im")
    assert slack.incident_ids() == [incident_id]  # no report, no kind question
    slack.fake.wait_for(lambda f: bool(_cards(slack, "D_PR")))
    said = _said(slack, PR)
    assert "【状況】INC-0001（情報漏えい）" in said and "現在の手順: 手順 1/" in said
    [card] = _cards(slack, "D_PR")
    action = "step_skip" if "step_skip" in action_ids(card) else "step_done"
    slack.driver.click(PR, card, action)
    slack.fake.wait_for(lambda f: len([m for m in f.channel_messages("D_PR") if "手順 2/" in text_of(m)]) == 1)
    slack.fake.wait_for(lambda f: len(_at_home(f, "手順 2/")) == 1)  # and in the reporter's conversation
    assert "step|" not in text_of(slack.fake.channel_messages("D_PR")[0])  # the card pressed lost its buttons
    slack.driver.click(PR, card, action)  # pressed again: the step is not done twice, no third step posted
    assert len([m for m in slack.fake.channel_messages("D_PR") if "手順 2/" in text_of(m)]) == 1
    assert len([e for e in slack.runtime.triage.queries.timeline(incident_id, None)
                if e.type in ("step_completed", "step_skipped")]) == 1
    assert len(_at_home(slack.fake, "手順 2/")) == 1


def test_a_slash_status_in_a_public_channel_gives_no_details_of_a_leak(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, LEAK, "D_STAFF", channel_type="im")
    slack.driver.slash(PR, "状況 INC-0001", ELSEWHERE)
    said = _said(slack, PR)
    assert "個人チャットでお尋ねください" in said and "情報漏えい" not in said and "住所" not in said
    assert _cards(slack, "D_PR") == []


def test_a_report_that_names_an_incident_in_a_dm_is_still_a_report(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.driver.post_message(STAFF, "INC-0001 と同じ投稿がまた拡散しています", "D_STAFF", channel_type="im")
    assert "【状況】" not in _said(slack, STAFF)
    assert len(slack.incident_ids()) == 2 or "種別" in _said(slack, STAFF) or slack.fake.calls_to(
        "chat.postEphemeral", user=STAFF)


def test_a_grantee_is_told_how_to_reach_the_steps_and_gets_them_in_a_dm(slack: SlackEnv) -> None:
    """LINE WORKS walk s15 #9: a colleague granted a leak's reporter role was told he could work on its steps, and had
    no way to reach them (they live in the reporter's private chat). The grant now says how, and asking does it."""
    from conftest import OTHER, SECURITY

    slack.driver.post_message(STAFF, LEAK, "D_STAFF", channel_type="im")
    slack.driver.slash(SECURITY, f"権限付与 INC-0001 <@{OTHER}>", ELSEWHERE)
    told = [m for m in slack.fake.channel_messages(f"D{OTHER[1:]}") if "【権限の付与】" in text_of(m)]
    assert len(told) == 1 and "「状況 INC-0001」" in text_of(told[0])
    slack.driver.post_message(OTHER, "状況 INC-0001", f"D{OTHER[1:]}", channel_type="im")
    slack.fake.wait_for(lambda f: bool(_cards(slack, f"D{OTHER[1:]}")))


def test_a_leaks_intro_offers_its_reporter_no_kind_control(slack: SlackEnv) -> None:
    """LINE WORKS walk s15 #8, on Slack too: the kind menu on a leak's intro was refused to the one who saw it."""
    slack.driver.post_message(STAFF, LEAK, "D_STAFF", channel_type="im")
    anchor = [m for m in slack.fake.channel_messages("D_STAFF") if "の報告を受け付けました" in text_of(m)][0]
    thread = slack.fake.thread_messages("D_STAFF", anchor["ts"])
    [intro] = [m for m in thread if "を受け付けました（種別" in text_of(m)]
    assert all("kind_select" not in action_ids(m) for m in thread)
    assert "情報セキュリティ担当にご相談ください" in text_of(intro)
