"""The Teams adapter's rules: report sources, idempotency, fallbacks, corrections, escalations, failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.triage.summary import build_summary
from bot.triage.summary_model import IsoWeek
from tests.teams.env import ELSEWHERE, HEAD, OTHER, PR, PR2, PR_CHANNEL, REPORT, STAFF, SUMMARY, TeamsEnv
from tests.teams.fake_connector import card_of, card_text, inputs, verbs
from tests.teams.teams_driver import BOT, personal_chat
from tests.teams.test_teams_scenarios import REPORTS, answers, pending_step, thread_of, walk_steps

CARD = "application/vnd.microsoft.card.adaptive"
GROUP = "19:group@thread.v2"
MESSAGE = "application/vnd.microsoft.activity.message"


def response_card(body: dict[str, Any]) -> dict[str, Any]:
    assert body["type"] == CARD, body
    return {"id": "response", "attachments": [{"contentType": CARD, "content": body["value"]}]}


def report(teams: TeamsEnv, kind: str = "flaming", user=STAFF) -> tuple[int, str]:  # noqa: ANN001
    root, response = teams.driver.channel_post(user, REPORTS[kind], REPORT)
    assert response.status == 202
    return teams.incident_ids()[-1], root


# -- where reports come from ---------------------------------------------------------------------------------
def test_a_personal_chat_report_runs_the_playbook_in_that_chat(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    chat = personal_chat(STAFF)
    assert len(chat) > 150  # longer than the SDK keeps in connector URLs, and than the database kept before 0005
    driver.chat_message(STAFF, REPORTS["impersonation"])
    [incident_id] = teams.incident_ids()
    view = teams.view(incident_id)
    assert view.kind == "impersonation" and view.conversation is not None
    assert view.conversation.channel == chat  # stored whole (migration 0005_wide_conversation_ids)
    sends = [call.conversation for call in fake.calls if call.method == "send" and call.conversation[:3] == "a:1"]
    assert sends and all(conversation == chat for conversation in sends)  # never cut to 150 characters
    intro, step1 = fake.posts_to(chat)[:2]
    assert verbs(intro) == ["kind_select"] and verbs(step1) == ["step_done", "step_skip"]
    [pr_card] = fake.posts_to(PR_CHANNEL)
    assert "報告者とのチャットで案内しています" in card_text(pr_card)
    assert all(a["type"] != "Action.OpenUrl" for a in card_of(pr_card)["actions"])
    headings = walk_steps(driver, STAFF, chat)
    # Nobody in PR acknowledged it: its reporter finished every step, but does not end it alone.
    assert len(headings) >= 3 and teams.view(incident_id).status == "responding"


def test_help_in_a_personal_chat_and_chatter_gets_an_answer_but_no_incident(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    driver.chat_message(STAFF, "help")
    [help_message] = fake.posts_to(personal_chat(STAFF))
    assert "使い方" in card_text(help_message)
    driver.chat_message(STAFF, "おはようございます。今日の会議は10時からです")
    assert teams.incident_ids() == []
    assert "インシデントとして報告しますか" in card_text(fake.posts_to(personal_chat(STAFF))[-1])


def test_a_mention_elsewhere_is_a_report_and_the_mention_is_stripped(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    root, response = driver.channel_post(OTHER, REPORTS["misinformation"], ELSEWHERE, mention=True)
    assert response.status == 202
    [incident_id] = teams.incident_ids()
    view = teams.view(incident_id)
    assert view.text == REPORTS["misinformation"] and BOT["name"] not in (view.text or "")
    assert len(fake.thread(ELSEWHERE, root)) == 2  # intro and step 1, in the thread of the mention
    # A mention inside that incident's own thread is conversation, not a new report.
    driver.channel_post(STAFF, REPORTS["flaming"], ELSEWHERE, mention=True, root=root)
    assert teams.incident_ids() == [incident_id]


def test_what_is_not_a_report(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    driver.channel_post(STAFF, "おはようございます。今日の会議は10時からです", REPORT)  # chatter: no reply
    driver.channel_post(STAFF, REPORTS["flaming"], ELSEWHERE)  # no mention outside report channels
    driver.chat_message(STAFF, REPORTS["flaming"], conversation=GROUP, group=True)  # no mention
    bot_self = {"id": BOT["id"], "name": BOT["name"]}
    activity = driver._base(STAFF, {"id": personal_chat(STAFF), "conversationType": "personal"},
                            type="message", id="1:self", text=REPORTS["flaming"])  # sent by the bot itself
    activity["from"] = bot_self
    driver.post(activity)
    assert teams.incident_ids() == []
    assert fake.calls == []


def test_a_report_made_as_a_reply_in_a_report_channel_is_not_dropped(teams: TeamsEnv) -> None:
    """A report replied under a colleague's post is read like a new post and worked in that thread; a reply in
    the incident's own thread is conversation."""
    fake, driver = teams.fake, teams.driver
    parent, _ = driver.channel_post(STAFF, "今日の監視当番は山田です。気づいたことはこのスレッドへ", REPORT)
    driver.channel_post(STAFF, REPORTS["flaming"], REPORT, root=parent)
    [incident_id] = teams.incident_ids()
    assert len(fake.thread(REPORT, parent)) == 2  # intro and step 1, in that thread
    driver.channel_post(STAFF, REPORTS["misinformation"], REPORT, root=parent)
    assert teams.incident_ids() == [incident_id]


def test_a_mention_in_a_group_chat_is_a_report(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, REPORTS["account_takeover"], conversation=GROUP, group=True,
                              mention=True)
    [incident_id] = teams.incident_ids()
    assert teams.view(incident_id).kind == "account_takeover"
    assert len(teams.fake.posts_to(GROUP)) == 2


# -- idempotency ---------------------------------------------------------------------------------------------
def test_a_redelivered_activity_creates_nothing_twice(teams_factory: Callable[..., TeamsEnv]) -> None:
    first, second = teams_factory(), teams_factory()  # two instances, one database
    root, _ = first.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    posted = len(first.fake.calls)
    for env in (first, second, first):  # the same activity id again, on either instance
        _, response = env.driver.channel_post(STAFF, REPORTS["flaming"], REPORT, activity_id=root)
        assert response.status == 202
    assert len(first.incident_ids()) == 1
    assert len(first.fake.calls) == posted
    assert first.events(first.incident_ids()[0]).count("reported") == 1


def test_a_double_click_completes_a_step_once(teams: TeamsEnv) -> None:
    incident_id, root = report(teams)
    step = pending_step(teams.fake, thread_of(root))
    assert step is not None
    first = teams.driver.execute(STAFF, step, thread_of(root), "step_done", answers(step))
    again = teams.driver.execute(STAFF, step, thread_of(root), "step_done", answers(step))
    assert first.body["type"] == MESSAGE and first.body["value"] == "受け付けました。"
    assert again.body["type"] == MESSAGE and "既に反映されています" in again.body["value"]
    assert teams.events(incident_id).count("step_completed") == 1
    assert len([m for m in teams.fake.thread(REPORT, root) if "【手順 2/" in card_text(m)]) == 1


def test_reports_of_the_same_post_are_one_incident_and_one_pr_card(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    first_root, _ = driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    same_post = "この投稿が炎上しています https://twitter.com/asahikawa_fake/status/1?s=20"
    later_root, _ = driver.channel_post(OTHER, same_post, REPORT)
    assert len(teams.incident_ids()) == 1 and len(fake.posts_to(PR_CHANNEL)) == 1
    assert fake.thread(REPORT, later_root) == []  # no public reply per merged report
    [note] = fake.posts_to(fake.chats[OTHER.id])  # told privately, with a link to the incident's thread
    assert "に統合しました" in card_text(note) or "にまとめました" in card_text(note)
    [link] = card_of(note)["actions"]
    assert link["type"] == "Action.OpenUrl" and first_root in link["url"]
    [count] = [m for m in fake.thread(REPORT, first_root) if "件の報告をまとめました" in card_text(m)]
    assert "1 件" in card_text(count)  # one report merged into the first


# -- the Action.Submit fallback ------------------------------------------------------------------------------
def test_the_submit_fallback_runs_the_same_flow(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    incident_id, root = report(teams, "impersonation")
    [pr_card] = fake.posts_to(PR_CHANNEL)
    pr_thread = f"{PR_CHANNEL};messageid={pr_card['id']}"
    driver.submit(OTHER, pr_card, pr_thread, "acknowledge")
    [refusal] = fake.posts_to(fake.chats[OTHER.id])  # no private replies in Teams: told in their personal chat
    assert "広報広聴課として登録された職員だけ" in card_text(refusal)
    driver.submit(PR2, pr_card, pr_thread, "acknowledge")  # PR2 is configured by Teams user id (29:…)
    assert "広報 次郎 さんが確認しました" in card_text(fake.message(pr_card["id"]))
    assert fake.posts_to(pr_thread) == []
    headings = walk_steps(driver, STAFF, thread_of(root), submit=True)
    assert len(headings) >= 3 and teams.view(incident_id).status == "resolved"


# -- refusals and corrections --------------------------------------------------------------------------------
def test_a_refused_answer_comes_back_in_the_card_with_what_was_typed(teams: TeamsEnv) -> None:
    incident_id, root = report(teams)
    step = pending_step(teams.fake, thread_of(root))
    assert step is not None
    url_field = next(f["id"] for f in inputs(step) if f.get("style") == "Url")
    values = {**answers(step), url_field: "not a url"}
    response = teams.driver.execute(STAFF, step, thread_of(root), "step_done", values)
    card = response_card(response.body)
    assert "http:// または https:// で始まるURL" in card_text(card)
    typed = {f["id"]: f.get("value") for f in inputs(card)}
    assert typed[url_field] == "not a url"
    assert verbs(card) == ["step_done", "step_skip"]
    assert teams.events(incident_id).count("step_completed") == 0
    assert teams.fake.updates_of(step["id"]) == 0


def test_skipping_does_not_need_the_inputs(teams: TeamsEnv) -> None:
    incident_id, root = report(teams)
    step = pending_step(teams.fake, thread_of(root))
    assert step is not None and any(f.get("isRequired") for f in inputs(step))
    skip = next(a for a in card_of(step)["actions"] if a["verb"] == "step_skip")
    assert skip["associatedInputs"] == "none" and skip["fallback"]["associatedInputs"] == "none"
    response = teams.driver.execute(STAFF, step, thread_of(root), "step_skip")
    assert response.body["type"] == MESSAGE
    assert "⏭ スキップ" in card_text(teams.fake.message(step["id"]))
    assert "step_skipped" in teams.events(incident_id)


def test_a_kind_correction_supersedes_the_old_step_and_starts_the_new_playbook(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    incident_id, root = report(teams, "flaming")
    intro, old_step = fake.thread(REPORT, root)[:2]
    response = driver.execute(STAFF, intro, thread_of(root), "kind_select", {"kind": "misinformation"})
    assert response.body["type"] == MESSAGE and response.body["value"] == "受け付けました。"
    assert teams.view(incident_id).kind == "misinformation"
    assert any("デマ" in card_text(m) for m in fake.thread(REPORT, root)[2:])
    assert "使われなくなりました" in card_text(fake.message(old_step["id"])) and not verbs(fake.message(old_step["id"]))
    new_step = pending_step(fake, thread_of(root))
    assert new_step is not None and "|misinformation|" in card_of(new_step)["actions"][0]["data"]["ref"]
    stale = driver.execute(STAFF, old_step, thread_of(root), "step_done", answers(old_step))
    assert stale.body["type"] == MESSAGE and "種別の訂正前" in stale.body["value"]


def test_a_correction_to_leak_takes_the_report_text_off_the_pr_card(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    incident_id, root = report(teams, "flaming")
    [pr_card] = fake.posts_to(PR_CHANNEL)
    assert REPORTS["flaming"][:10] in card_text(pr_card)
    intro = fake.thread(REPORT, root)[0]
    driver.execute(STAFF, intro, thread_of(root), "kind_select", {"kind": "leak"})
    redrawn = fake.message(pr_card["id"])
    assert teams.view(incident_id).restricted
    assert REPORTS["flaming"][:10] not in card_text(redrawn) and "閲覧制限付きの案件" in card_text(redrawn)
    assert verbs(redrawn) == ["acknowledge"]  # still to be acknowledged


def test_a_non_member_cannot_complete_steps_of_a_restricted_incident(teams: TeamsEnv) -> None:
    incident_id, root = report(teams, "leak")
    chat = teams.fake.chats[STAFF.id]  # a leak lives in the reporter's personal chat
    step = pending_step(teams.fake, chat)
    assert step is not None
    response = teams.driver.execute(OTHER, step, chat, "step_skip")
    assert response.body["type"] == MESSAGE and "権限がありません" in response.body["value"]
    assert teams.events(incident_id)[-1] == "access_denied"


# -- escalations and the weekly summary ----------------------------------------------------------------------
def test_an_unacknowledged_incident_escalates_with_the_levels_mention(teams: TeamsEnv) -> None:
    fake, driver = teams.fake, teams.driver
    incident_id, root = report(teams, "impersonation")
    clock = teams.runtime.triage.deps.clock
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=31)
    delivered = teams.runtime.triage.escalations.fire_due(teams.bot.deliver_notification, "worker-1")
    assert delivered == 1
    pr_card, escalation = fake.posts_to(PR_CHANNEL)
    assert f"<at>{HEAD.name}</at>" in card_text(escalation) and "再通知" in card_text(escalation)
    assert card_of(escalation)["msteams"]["entities"][0]["mentioned"]["id"] == HEAD.id
    assert teams.runtime.triage.escalations.fire_due(teams.bot.deliver_notification, "worker-2") == 0
    assert len(fake.posts_to(PR_CHANNEL)) == 2
    driver.execute(PR, escalation, PR_CHANNEL, "acknowledge")  # either card acknowledges; both are updated
    for message in (pr_card, escalation):
        assert "広報 太郎 さんが確認しました" in card_text(fake.message(message["id"]))
        assert verbs(fake.message(message["id"])) == []


def test_a_failed_escalation_is_retried_by_the_next_tick(teams: TeamsEnv) -> None:
    fake = teams.fake
    report(teams, "flaming")
    clock = teams.runtime.triage.deps.clock
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=31)
    fake.fail("send", 500, times=1)  # not a throttling answer: failed, and the scheduler's next tick retries
    assert teams.runtime.triage.escalations.fire_due(teams.bot.deliver_notification, "worker-1") == 0
    assert len(fake.posts_to(PR_CHANNEL)) == 1
    assert teams.runtime.triage.escalations.fire_due(teams.bot.deliver_notification, "worker-1") == 1
    assert len(fake.posts_to(PR_CHANNEL)) == 2


def test_the_weekly_summary_goes_to_the_summary_channel(teams: TeamsEnv) -> None:
    from bot.triage.summary_chart import ChartFontMissing, render_chart

    report(teams, "flaming")
    deps = teams.runtime.triage.deps
    now = deps.clock.now()
    summary = build_summary(deps.sessions, IsoWeek.containing(now), now)
    try:
        png = render_chart(summary, deps.catalog)
    except ChartFontMissing:
        png = None
    teams.bot.publish_summary(summary, png)
    posted = teams.fake.posts_to(SUMMARY)
    assert posted and "週次インシデントまとめ" in card_text(posted[0])
    assert "新規インシデント 1件" in card_text(posted[0])
    if png:
        images = [e for m in posted for e in card_of(m)["body"] if e["type"] == "Image"]
        notes = [m for m in posted if "グラフは Teams のメッセージの大きさの上限" in card_text(m)]
        assert (images and images[0]["url"].startswith("data:image/png;base64,")) or notes
    assert all(len(str(m).encode("utf-8")) < 28_000 for m in posted)


# -- failures and safety -------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [429, 503])
def test_a_rate_limited_post_is_waited_out_never_given_up(teams: TeamsEnv, status: int) -> None:
    teams.fake.fail("send", status, times=4)
    incident_id, root = report(teams)
    assert len(teams.fake.thread(REPORT, root)) == 2 and len(teams.fake.posts_to(PR_CHANNEL)) == 1
    assert len(teams.fake.calls_to("send", ok_only=False)) - len(teams.fake.calls_to("send")) == 4
    assert "delivery_failed" not in teams.events(incident_id)


def test_a_connector_failure_is_recorded_and_told(teams: TeamsEnv) -> None:
    fake = teams.fake
    original = fake._answer
    failed = {"n": 0}

    def answer(method: str, conversation: str, activity_id: str | None, body: dict[str, Any]):  # noqa: ANN202
        if method == "send" and conversation == PR_CHANNEL and failed["n"] < 1:
            failed["n"] += 1
            return 500, {"error": {"code": "InternalServerError"}}, {}
        return original(method, conversation, activity_id, body)

    fake._answer = answer  # type: ignore[method-assign]
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    [incident_id] = teams.incident_ids()
    assert "delivery_failed" in teams.events(incident_id)
    told = fake.posts_to(fake.chats[STAFF.id])[-1]  # told privately
    assert "Teams での処理に失敗しました（500）" in card_text(told)
    assert fake.posts_to(PR_CHANNEL) == []
    # The claim was given back: a later delivery of the PR card is not blocked by it.
    assert teams.runtime.triage.queries.get_ref(incident_id, "teams", "pr_message") is None


def test_user_text_is_shown_not_interpreted(teams: TeamsEnv) -> None:
    text = ("炎上しています **太字** [罠](https://evil.example) <at>広報チーム</at> "
            "# 見出し\n- リスト https://x.com/a_b/status/9")
    teams.driver.channel_post(STAFF, text, REPORT)
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    raw = "\n".join(b["text"] for b in card_of(pr_card)["body"] if b["type"] == "TextBlock")
    assert "\\*\\*太字\\*\\*" in raw and "\\[罠\\]\\(https://evil.example\\)" in raw
    assert "\\- リスト" in raw and "\\# 見出し" in raw and "https://x.com/a_b/status/9" in raw
    assert len(card_of(pr_card)["msteams"]["entities"]) == 1  # only the configured mention


def test_anonymous_mode_only_answers_local_service_urls(teams: TeamsEnv) -> None:
    activity = teams.driver._base(STAFF, {"id": personal_chat(STAFF), "conversationType": "personal"},
                                  type="message", id="1:remote", text=REPORTS["flaming"])
    activity["serviceUrl"] = "https://smba.trafficmanager.net/jp/"
    response = teams.driver.post(activity)
    assert response.status == 403
    assert teams.incident_ids() == [] and teams.fake.calls == []


def test_health_and_unknown_paths(teams: TeamsEnv) -> None:
    import urllib.request

    with urllib.request.urlopen(teams.server.url + "/healthz", timeout=10) as answer:
        assert answer.status == 200 and answer.read() == b"ok\n"
    assert teams.driver.post({"type": "message"}).status == 400  # no conversation: the SDK refuses it


def test_characters_that_cannot_be_stored_are_replaced(teams: TeamsEnv) -> None:
    text = REPORTS["flaming"] + " \ud83d 壊れた絵文字と\x00制御文字"
    root, response = teams.driver.channel_post(STAFF, text, REPORT)
    assert response.status == 202
    [incident_id] = teams.incident_ids()
    stored = teams.view(incident_id).text or ""
    assert "\ufffd 壊れた絵文字と\ufffd制御文字" in stored and "\x00" not in stored
    assert len(teams.fake.thread(REPORT, root)) == 2
