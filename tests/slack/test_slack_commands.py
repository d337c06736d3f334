"""/incident close | decline | grant | reopen | new (bot/delivery/commands.py) through signed slash commands."""

from __future__ import annotations

from conftest import ELSEWHERE, OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import action_ids, text_of

from bot.ports import Actor
from bot.triage import lifecycle

URL = "https://x.com/asahikawa_fake/status/77"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"
LEAK = f"市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです {URL}"


def _answers(slack: SlackEnv) -> list[str]:
    return [str(c.args.get("text", "")) for c in slack.fake.calls_to("response_url")]


def _status(slack: SlackEnv, incident_id: int) -> str:
    return slack.runtime.triage.queries.view(incident_id, None).status


def _resolved(slack: SlackEnv) -> int:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    slack.runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, Actor(f"slack:{PR}", "広報 太郎",
                                                                                      "slack"))
    return incident_id


def test_pr_closes_a_resolved_incident_and_a_bystander_is_refused(slack: SlackEnv) -> None:
    incident_id = _resolved(slack)
    slack.driver.slash(OTHER, "終結 INC-0001", ELSEWHERE)
    assert "権限がありません" in _answers(slack)[-1] and _status(slack, incident_id) == lifecycle.RESOLVED
    assert slack.driver.slash(PR, "ｃｌｏｓｅ　＃１", ELSEWHERE).status == 200
    assert _status(slack, incident_id) == lifecycle.CLOSED
    assert "INC-0001" in _answers(slack)[-1] and "終結" in _answers(slack)[-1]
    slack.driver.slash(PR, "close 1", ELSEWHERE)  # again: said plainly, nothing changes
    assert "INC-0001" in _answers(slack)[-1] and _status(slack, incident_id) == lifecycle.CLOSED


def test_pr_reopens_and_declines(slack: SlackEnv) -> None:
    incident_id = _resolved(slack)
    slack.driver.slash(PR, "再開 1", ELSEWHERE)
    assert _status(slack, incident_id) == lifecycle.RESPONDING
    slack.driver.post_message(STAFF, "市の偽アカウントがなりすましています https://x.com/fake_city_2", REPORT)
    second = slack.incident_ids()[-1]
    slack.driver.slash(PR, f"対象外 INC-{second:04d} 訓練の投稿のため", ELSEWHERE)
    assert _status(slack, second) == lifecycle.DECLINED
    events = slack.runtime.triage.queries.timeline(second, None)
    assert any("訓練の投稿のため" in str(entry) for entry in events)


def test_a_colleague_is_told_how_and_reports_anew(slack: SlackEnv) -> None:
    incident_id = _resolved(slack)
    slack.driver.post_message(OTHER, f"また炎上が再燃しています {URL}", REPORT)
    told = slack.fake.calls_to("chat.postEphemeral", user=OTHER)
    assert told and "/incident" in told[-1].args.get("text", "") and "新規" in told[-1].args.get("text", "")
    slack.driver.slash(OTHER, f"新規 また炎上が再燃しています {URL}", REPORT)
    assert len(slack.incident_ids()) == 2 and _status(slack, incident_id) == lifecycle.RESOLVED


def test_security_grants_a_co_reporter_of_a_leak(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, LEAK, "D_STAFF", channel_type="im")
    [incident_id] = slack.incident_ids()
    slack.driver.post_message(OTHER, LEAK, "D_OTHER", channel_type="im")
    notices = [m for m in slack.fake.calls_to("chat.postMessage") if "共同報告" in str(m.args.get("text", ""))]
    assert notices and f"権限付与 INC-0001 slack:{OTHER}" in str(notices[-1].args)
    assert not slack.runtime.triage.queries.view(incident_id, f"slack:{OTHER}").details_visible
    slack.driver.slash(OTHER, f"権限付与 1 <@{OTHER}|佐藤 一郎>", ELSEWHERE)  # roles are granted, never taken
    assert not slack.runtime.triage.queries.view(incident_id, f"slack:{OTHER}").details_visible
    slack.driver.slash(PR, f"grant INC-0001 <@{OTHER}|佐藤 一郎>", ELSEWHERE)
    assert "佐藤 一郎 さんに" in _answers(slack)[-1] and "付与しました" in _answers(slack)[-1]  # named, not an id
    assert slack.runtime.triage.queries.view(incident_id, f"slack:{OTHER}").details_visible
    # Session 12 walk #5: the grantee is told in their DM with the bot, once, without the leak's report.
    slack.fake.wait_for(lambda f: any("【権限の付与】" in str(c.args) for c in f.calls_to("chat.postMessage")))
    told = [c for c in slack.fake.calls_to("chat.postMessage") if "【権限の付与】" in str(c.args)]
    assert len(told) == 1 and told[0].args["channel"] == OTHER and "INC-0001" in str(told[0].args)
    assert "住所" not in str(told[0].args) and "x.com" not in str(told[0].args)
    slack.driver.slash(PR, f"grant INC-0001 <@{OTHER}|佐藤 一郎>", ELSEWHERE)  # again: already, told once
    assert "既に" in _answers(slack)[-1]
    assert len([c for c in slack.fake.calls_to("chat.postMessage") if "【権限の付与】" in str(c.args)]) == 1


def test_bad_commands_get_usage_and_change_nothing(slack: SlackEnv) -> None:
    incident_id = _resolved(slack)
    for text, expected in (("終結", "終結する案件の番号"), ("権限付与 1", "権限を付与する職員"),
                           ("新規", "新しい案件として報告する内容"), ("再開 abc", "再開する案件の番号")):
        slack.driver.slash(PR, text, ELSEWHERE)
        assert expected in _answers(slack)[-1] and "/incident 終結 INC-0001" in _answers(slack)[-1]
    assert _status(slack, incident_id) == lifecycle.RESOLVED and slack.incident_ids() == [incident_id]
    slack.driver.slash(PR, "help", ELSEWHERE)
    assert "/incident 権限付与 INC-0001 利用者" in _answers(slack)[-1]


def test_pr_corrects_a_flaming_to_a_leak_by_typing_as_the_kind_button_does(slack: SlackEnv) -> None:
    fake = slack.fake
    message, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    before = len(fake.calls)
    slack.driver.slash(PR, "種別 INC-0001 情報漏えい", ELSEWHERE)
    view = slack.runtime.triage.queries.view(incident_id, None)
    assert view.kind == "leak" and view.restricted
    assert "「情報漏えい」に訂正しました" in _answers(slack)[-1]  # the sender told privately
    # The button's plan: the PR message redacted before anything else, the public thread neutral, the DM home.
    [pr_message] = fake.channel_messages(PR_CHANNEL)
    assert "批判のリプライ" not in text_of(pr_message) and "報告内容の表示を取り消しました" in text_of(pr_message)
    first_change = next(c for c in fake.calls[before:] if c.method in ("chat.update", "chat.postMessage"))
    assert first_change.method == "chat.update" and first_change.args["ts"] == pr_message["ts"]
    public = fake.thread_messages(REPORT, message["ts"])
    assert {m["text"] for m in public} == {"詳細は個別に案内します。"} and not any(action_ids(m) for m in public)
    [anchor] = fake.channel_messages("D" + STAFF[1:])
    assert any("【手順 1/" in text_of(m) for m in fake.thread_messages("D" + STAFF[1:], anchor["ts"]))
    slack.driver.slash(PR, "kind 1 leak", ELSEWHERE)  # again: said plainly, nothing posted
    assert "既に「情報漏えい」です" in _answers(slack)[-1]


def test_a_bystanders_typed_kind_is_refused_with_who_may_and_a_bad_word_gets_usage(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = slack.incident_ids()
    slack.driver.slash(OTHER, "種別 1 情報漏えい", ELSEWHERE)
    assert "種別を訂正できるのは、報告者・" in _answers(slack)[-1]
    assert "access_denied" in slack.events(incident_id)
    slack.driver.slash(PR, "種別 1 たいへん", ELSEWHERE)
    said = _answers(slack)[-1]
    assert "/incident 種別 INC-0001 情報漏えい" in said and "炎上、なりすまし、デマ、情報漏えい" in said
    slack.driver.slash(PR, "種別 1", ELSEWHERE)
    assert "訂正後の種別を指定してください" in _answers(slack)[-1]
    assert slack.runtime.triage.queries.view(incident_id, None).kind == "flaming"


def test_a_number_alone_after_the_slash_command_gets_a_usage_hint(slack: SlackEnv) -> None:
    incident_id = _resolved(slack)
    for text in ("1", "#3"):
        slack.driver.slash(OTHER, text, ELSEWHERE)
        answer = _answers(slack)[-1]
        assert "案件の番号の前に、操作" in answer and "/incident 終結 INC-0001" in answer
        assert "インシデントとして報告しますか" not in answer
    assert slack.incident_ids() == [incident_id]


def test_a_declined_or_closed_incidents_pr_message_loses_its_button_and_says_so(slack: SlackEnv) -> None:
    """PR's message kept 「確認しました」 after /incident 対象外, and after 終結 it still read as if the incident
    were open: in a busy PR channel, which ones still need someone could not be told from the messages."""
    slack.driver.post_message(STAFF, "市の偽アカウントがなりすましています https://x.com/fake_city_31", REPORT)
    [incident_id] = slack.incident_ids()
    [notice] = slack.fake.channel_messages(PR_CHANNEL)
    assert "ack" in [b.get("block_id") for b in notice["blocks"]]
    slack.driver.slash(PR, "対象外 INC-0001 訓練の投稿のため", ELSEWHERE)
    [notice] = slack.fake.channel_messages(PR_CHANNEL)
    assert action_ids(notice) == [] and "対象外" in text_of(notice) and _status(slack, incident_id) == "declined"
    # The reporter is told in the incident's thread (LINE WORKS walk s15 #10: nobody told them), once.
    [anchor] = slack.fake.channel_messages(REPORT)
    told = [m for m in slack.fake.thread_messages(REPORT, anchor["ts"]) if "「対象外」にしました" in text_of(m)]
    assert len(told) == 1 and f"<@{STAFF}>" in told[0]["text"]
    slack.driver.slash(PR, "対象外 INC-0001 訓練の投稿のため", ELSEWHERE)  # again: nothing new in the thread
    thread = slack.fake.thread_messages(REPORT, anchor["ts"])
    assert len([m for m in thread if "「対象外」にしました" in text_of(m)]) == 1
    slack.driver.post_message(STAFF, FLAMING, REPORT)
    closed = slack.incident_ids()[-1]
    slack.runtime.triage.incidents.change_status(closed, lifecycle.RESOLVED, Actor(f"slack:{PR}", "広報 太郎", "slack"))
    slack.driver.slash(PR, f"終結 INC-{closed:04d}", ELSEWHERE)
    [_, notice] = slack.fake.channel_messages(PR_CHANNEL)
    assert action_ids(notice) == [] and "終結" in text_of(notice) and _status(slack, closed) == "closed"


def test_commands_typed_in_a_dm_run_as_the_slash_command_does(slack: SlackEnv) -> None:
    """「終結 INC-0001」 sent to the bot in a DM was taken as a report (「インシデントとして報告しますか？」); Teams and
    LINE WORKS run it in a personal chat, so Slack's DM does too."""
    incident_id = _resolved(slack)
    slack.driver.post_message(PR, "終結 INC-0001", f"D{PR[1:]}", channel_type="im")
    assert _status(slack, incident_id) == lifecycle.CLOSED and slack.incident_ids() == [incident_id]
    slack.driver.post_message(PR, "終結", f"D{PR[1:]}", channel_type="im")  # incomplete: its usage, not a report
    said = [str(c.args.get("text", "")) for c in slack.fake.calls_to("chat.postEphemeral")]
    said += [str(c.args.get("text", "")) for c in slack.fake.calls_to("chat.postMessage")]
    assert any("終結する案件の番号" in t for t in said) and slack.incident_ids() == [incident_id]
    slack.driver.post_message(OTHER, f"新規 また炎上が再燃しています {URL}", f"D{OTHER[1:]}", channel_type="im")
    assert len(slack.incident_ids()) == 2


def test_help_typed_in_a_dm_is_answered_with_help_as_the_slash_command_and_teams_do(slack: SlackEnv) -> None:
    """「ヘルプ」 sent to the bot in a DM was taken as a report; the slash command and a Teams personal chat answer
    help, so Slack's DM does too (bot/delivery/typed.py) and nothing is reported."""
    slack.driver.post_message(STAFF, "ヘルプ", f"D{STAFF[1:]}", channel_type="im")
    said = [str(c.args.get("text", "")) for c in slack.fake.calls_to("chat.postEphemeral")]
    assert any("/incident" in t and "終結" in t for t in said) and slack.incident_ids() == []
