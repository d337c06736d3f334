"""Session 20 authz walk on Slack (docs/qa/session20_walk_authz.md): each test failed before its fix."""

from __future__ import annotations

import pytest
from conftest import ELSEWHERE, OTHER, PR, REPORT, STAFF, SlackEnv
from sqlalchemy import select

from storage.models import TimelineEvent

LEAK = "住民の名簿を誤って添付したまま投稿してしまいました。山田太郎 090-1234-5678 https://x.com/city/status/77"


def _answers(slack: SlackEnv) -> list[str]:
    return [str(c.args.get("text", "")) for c in slack.fake.calls_to("response_url")]


def _granted(slack: SlackEnv, incident_id: int) -> list[str]:
    return [str(e.new) for e in slack.runtime.triage.queries.timeline(incident_id, f"slack:{PR}")
            if e.type == "role_granted"]


@pytest.mark.parametrize("typed", ["佐藤", "@佐藤", "<!subteam^S_PR>", "<#C_RANDOM>", "C0PUBLIC99", "U_NOBODY99",
                                   "<@U_NOBODY98>", "slack:U_GHOST"])
def test_a_grant_to_nobody_slack_knows_is_refused_and_grants_nothing(slack: SlackEnv, typed: str) -> None:
    """#1: PR's 「権限付与 INC-0001 佐藤」 (a name, not a picked @mention), a user group, a channel or an id Slack does
    not know was 「…さんに閲覧・操作の権限を付与しました」, recorded as role_granted, and the grant note was posted
    to that "user" (to a channel, if one was named)."""
    slack.driver.post_message(STAFF, LEAK, REPORT)
    [incident_id] = slack.incident_ids()
    before = len(slack.fake.calls_to("chat.postMessage"))
    slack.driver.slash(PR, f"権限付与 INC-0001 {typed}", ELSEWHERE)
    said = _answers(slack)[-1]
    assert "権限は付与していません" in said and "@メンション" in said, said
    assert _granted(slack, incident_id) == []
    assert not [c for c in slack.fake.calls_to("chat.postMessage")[before:] if "【権限の付与】" in str(c.args)]


def test_a_bystanders_grant_to_a_name_is_refused_as_a_bystander_and_recorded(slack: SlackEnv) -> None:
    """#1: one who may not grant is refused for that (and recorded) whatever they typed as the grantee."""
    slack.driver.post_message(STAFF, LEAK, REPORT)
    slack.driver.slash(OTHER, "権限付与 INC-0001 佐藤", ELSEWHERE)
    assert "権限がありません" in _answers(slack)[-1]
    assert "access_denied" in slack.events(1)


def test_a_grant_to_a_picked_colleague_still_works_and_to_a_deactivated_one_does_not(slack: SlackEnv) -> None:
    """#1: the Slack completion (<@U…|name>) and a co-report notice's id (slack:U…) grant as before."""
    slack.fake.add_user("U_GONE", "退職 済")
    slack.fake.users["U_GONE"]["deleted"] = True
    slack.driver.post_message(STAFF, LEAK, REPORT)
    slack.driver.slash(PR, f"権限付与 INC-0001 <@{OTHER}|佐藤 一郎>", ELSEWHERE)
    slack.driver.slash(PR, "権限付与 INC-0001 slack:U_GROUPIE", ELSEWHERE)
    slack.driver.slash(PR, "権限付与 INC-0001 <@U_GONE>", ELSEWHERE)
    assert _granted(slack, 1) == [f"slack:{OTHER}", "slack:U_GROUPIE"]
    assert "権限は付与していません" in _answers(slack)[-1]


def test_a_guest_named_for_a_grant_is_refused_the_first_time_slack_is_asked(slack: SlackEnv) -> None:
    """#1: a guest account never seen before was granted: its users.info answer came after the policy was taken."""
    slack.fake.add_user("U_GUEST", "外部 委託")
    slack.fake.users["U_GUEST"]["is_restricted"] = True
    slack.driver.post_message(STAFF, LEAK, REPORT)
    slack.driver.slash(PR, "権限付与 INC-0001 <@U_GUEST>", ELSEWHERE)
    assert _granted(slack, 1) == []
    assert "付与しました" not in _answers(slack)[-1]


FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"


def _guest(slack: SlackEnv, user: str = "U_GUEST") -> str:
    slack.fake.add_user(user, "外部 委託")
    slack.fake.users[user]["is_restricted"] = True
    return user


def _private_to(slack: SlackEnv, user: str) -> list[str]:
    return [str(c.args.get("text", "")) for c in slack.fake.calls_to("chat.postEphemeral", user=user)]


def test_a_guest_refused_is_told_why_and_whom_to_ask(slack: SlackEnv) -> None:
    """#2: a guest (or a Slack Connect user) who reported or pressed a button read only 「この操作を行う権限が
    ありません。操作は記録されました。」: not why (a guest account) nor whom to ask (Teams says both)."""
    guest = _guest(slack)
    message, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    intro, step = slack.fake.thread_messages(REPORT, message["ts"])[:2]
    slack.driver.post_message(guest, "市の公式アカウントが乗っ取られたかも https://x.com/city/status/99", REPORT)
    slack.driver.click(guest, step, "step_skip")
    said = _private_to(slack, guest)
    assert len(said) == 2 and all("ゲスト" in text and "職員に依頼" in text for text in said), said
    assert slack.incident_ids() == [1] and "step_skipped" not in slack.events(1)


def test_the_report_shortcut_opens_no_form_for_a_guest(slack: SlackEnv) -> None:
    """#2: the message shortcut opened the report form for a guest, who typed into it to be refused on submit."""
    guest = _guest(slack)
    message = slack.fake.add_message(REPORT, "市の公式Xの投稿が炎上しています https://x.com/city/status/5", STAFF)
    slack.driver.shortcut(guest, message)
    assert not slack.fake.calls_to("views.open")
    answers = _answers(slack)
    assert answers and "ゲスト" in answers[-1] and "権限がありません" in answers[-1], answers
    with slack.runtime.triage.deps.sessions.begin() as session:  # recorded (no incident) as any refused report
        denied = session.scalars(select(TimelineEvent.actor).where(TimelineEvent.type == "access_denied")).all()
    assert denied == [f"slack:{guest}"]
    slack.driver.shortcut(OTHER, message)  # a colleague still gets the form
    assert len(slack.fake.calls_to("views.open")) == 1


def test_a_user_slack_cannot_look_up_is_unverified_for_a_leak_as_on_teams(slack: SlackEnv) -> None:
    """#10: a user whose users.info failed (an outage, rate limited beyond the retries) counted as a colleague, so a
    role granted during the outage opened a leak to them; Teams counts such a user unverified (fail closed)."""
    slack.fake.add_user("U_NEW", "新任 職員")
    slack.driver.post_message(STAFF, LEAK, REPORT)
    slack.fake.fail("users.info", "internal_error", times=100)
    slack.driver.slash(PR, "権限付与 INC-0001 slack:U_NEW", ELSEWHERE)
    assert _granted(slack, 1) == ["slack:U_NEW"]  # a grant is not lost to the outage
    slack.driver.post_message("U_NEW", "状況 INC-0001", "D_NEW", channel_type="im")
    slack.fake.wait_for(lambda f: bool(f.channel_messages("D_NEW") or _private_to(slack, "U_NEW")))
    said = "\n".join([*(str(m.get("text", "")) for m in slack.fake.channel_messages("D_NEW")),
                      *_private_to(slack, "U_NEW")])
    assert "権限がありません" in said and "確認できなかった" in said and "【状況】" not in said, said
    assert "access_denied" in slack.events(1)
    slack.driver.post_message("U_NEW", FLAMING, REPORT)  # a report is never lost to a directory outage
    assert slack.incident_ids() == [1, 2]
