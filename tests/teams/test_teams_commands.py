"""Commands sent to the bot in Teams (bot/delivery/commands.py): in the personal chat or with an @mention, never
taken as a report; the core decides who may."""

from __future__ import annotations

from bot.ports import Actor
from bot.triage import lifecycle
from tests.conftest import PR as CORE_PR
from tests.teams.env import OTHER, PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.teams_driver import BOT, TENANT, User, personal_chat

URL = "https://x.com/asahikawa_fake/status/88"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"
LEAK = f"市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです {URL}"


def _said(teams: TeamsEnv, user: User) -> str:
    return "\n".join(card_text(a) for a in teams.fake.posts_to(personal_chat(user)))


def _last(teams: TeamsEnv, user: User) -> str:
    posts = teams.fake.posts_to(personal_chat(user))
    return card_text(posts[-1]) if posts else ""


def test_close_reopen_and_decline_in_the_personal_chat(teams: TeamsEnv) -> None:
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    teams.runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, _pr())
    teams.driver.chat_message(STAFF, "終結 INC-0001")  # the reporter may not close
    assert "権限がありません" in _last(teams, STAFF) and teams.view(incident_id).status == lifecycle.RESOLVED
    teams.driver.chat_message(PR, "再開 ＃１")
    assert teams.view(incident_id).status == lifecycle.RESPONDING and "INC-0001" in _last(teams, PR)
    assert teams.incident_ids() == [incident_id]  # a command is not a report
    teams.driver.channel_post(STAFF, "市の偽アカウントがなりすましています https://x.com/fake_city_9", REPORT)
    second = teams.incident_ids()[-1]
    teams.driver.channel_post(PR, f"decline {second} 訓練の投稿", REPORT, mention=True)
    assert teams.view(second).status == lifecycle.DECLINED
    assert f"INC-{second:04d}" in _last(teams, PR)  # told privately, not in the channel
    teams.driver.chat_message(PR, "終結")
    assert "終結する案件の番号" in _last(teams, PR) and "権限付与 INC-0001 利用者" in _last(teams, PR)


def test_a_resolved_posts_flare_up_says_how_and_new_opens_one(teams: TeamsEnv) -> None:
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    teams.runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, _pr())
    teams.driver.chat_message(OTHER, f"また炎上が再燃しています {URL}")
    assert "「新規 報告文」" in _said(teams, OTHER) and teams.incident_ids() == [incident_id]
    teams.driver.chat_message(OTHER, f"新規 また炎上が再燃しています {URL}")
    assert len(teams.incident_ids()) == 2


def test_pr_grants_a_co_reporter_by_mentioning_them(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, LEAK)
    [incident_id] = teams.incident_ids()
    teams.driver.chat_message(OTHER, LEAK)
    other = f"teams:{OTHER.aad}"
    assert f"権限付与 INC-0001 {other}" in teams.fake.all_text()  # the co-report notice says how
    assert not teams.runtime.triage.queries.view(incident_id, other).details_visible
    _mention_message(teams, OTHER, f"権限付与 1 <at>{OTHER.name}</at>")  # roles are granted, never taken
    assert not teams.runtime.triage.queries.view(incident_id, other).details_visible
    _mention_message(teams, PR, f"権限付与 1 <at>{OTHER.name}</at>")
    assert "付与しました" in _last(teams, PR)
    assert teams.runtime.triage.queries.view(incident_id, other).details_visible
    # Session 12 walk #5: the grantee is told in their personal chat with the bot, without the leak's report.
    told = [card_text(a) for a in teams.fake.posts_to(personal_chat(OTHER)) if "【権限の付与】" in card_text(a)]
    assert len(told) == 1 and "INC-0001" in told[0] and "住所" not in told[0] and "x.com" not in told[0]


def test_a_typed_name_without_a_mention_grants_nothing_and_says_how(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, LEAK)
    [incident_id] = teams.incident_ids()
    teams.driver.chat_message(OTHER, LEAK)
    teams.driver.chat_message(PR, "権限付与 1 高橋 三郎")  # a name typed, nobody picked, no reporter of that name
    assert "「高橋 三郎」では Teams の利用者を特定できない" in _last(teams, PR)
    assert not teams.runtime.triage.queries.view(incident_id, f"teams:{OTHER.aad}").details_visible
    teams.driver.chat_message(PR, f"権限付与 1 teams:{OTHER.aad}")  # the id the co-report notice shows
    assert teams.runtime.triage.queries.view(incident_id, f"teams:{OTHER.aad}").details_visible


def test_a_co_reporters_whole_name_typed_grants_her_the_role(teams: TeamsEnv) -> None:
    """s18 walk #7 (left in session 19): 「権限付与 INC-0001 佐藤 一郎」 was read as 「佐藤」 and granted nothing."""
    teams.driver.chat_message(STAFF, LEAK)
    [incident_id] = teams.incident_ids()
    teams.driver.chat_message(OTHER, LEAK)
    teams.driver.chat_message(PR, f"権限付与 INC-0001 {OTHER.name}")
    assert "佐藤 一郎 さんに閲覧・操作の権限を付与しました" in _last(teams, PR), _last(teams, PR)
    assert teams.runtime.triage.queries.view(incident_id, f"teams:{OTHER.aad}").details_visible
    teams.driver.chat_message(PR, "権限付与 INC-0001 佐藤")  # part of a name: whom it may mean, nothing granted
    assert f"佐藤 一郎（ID: teams:{OTHER.aad}）" in _last(teams, PR) and "付与していません" in _last(teams, PR)


def test_pr_corrects_a_flaming_to_a_leak_by_typing_as_the_kind_button_does(teams: TeamsEnv) -> None:
    """Only the intro's kind menu could correct a kind: once it had scrolled away (or in PR's own chat, where it
    never is), PR had no way to make an incident a leak."""
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    assert "批判のリプライ" in card_text(teams.fake.message(pr_card["id"]))
    teams.driver.chat_message(PR, "種別 INC-0001 情報漏えい")
    view = teams.view(incident_id)
    assert view.kind == "leak" and view.restricted
    assert "「情報漏えい」に訂正しました" in _last(teams, PR)
    assert "批判のリプライ" not in card_text(teams.fake.message(pr_card["id"]))  # the PR card redacted
    thread = "\n".join(card_text(m) for m in teams.fake.thread(REPORT, root))
    assert "批判のリプライ" not in thread and "【手順" not in thread  # the public thread keeps nothing
    assert any("個人情報が含まれている場合" in card_text(m) for m in teams.fake.posts_to(teams.fake.chats[STAFF.id]))


def test_a_bystanders_typed_kind_is_refused_with_who_may_and_a_bad_word_gets_usage(teams: TeamsEnv) -> None:
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    teams.driver.chat_message(OTHER, "種別 1 情報漏えい")
    assert "種別を訂正できるのは、報告者・" in _last(teams, OTHER)
    assert "access_denied" in teams.events(incident_id)
    teams.driver.chat_message(PR, "kind 1 serious")
    assert "種別 INC-0001 情報漏えい" in _last(teams, PR) and "炎上、なりすまし、デマ" in _last(teams, PR)
    assert teams.view(incident_id).kind == "flaming" and teams.incident_ids() == [incident_id]


def _pr() -> Actor:
    return Actor(CORE_PR, "広報 花子")  # the core's own PR member (the runtime's triage knows no Teams members)


def _mention_message(teams: TeamsEnv, sender: User, text: str) -> None:
    """A personal-chat message @mentioning a colleague (Teams sends the mention entity with their ids)."""
    entity = {"type": "mention", "text": f"<at>{OTHER.name}</at>", "mentioned": OTHER.account()}
    teams.driver.post({"channelId": "msteams", "serviceUrl": teams.fake.url, "from": sender.account(),
                       "recipient": dict(BOT), "type": "message", "id": teams.fake.new_id(), "text": text,
                       "textFormat": "plain", "entities": [entity], "locale": "ja-JP",
                       "conversation": {"tenantId": TENANT, "id": personal_chat(sender), "conversationType": "personal",
                                        "isGroup": False},
                       "channelData": {"tenant": {"id": TENANT}}, "timestamp": "2026-11-18T01:00:00.000Z"})


def test_a_declined_incidents_pr_card_loses_its_button_and_says_so(teams: TeamsEnv) -> None:
    """The PR card kept 「確認しました」 after 対象外, so the channel still showed it as waiting for PR."""
    teams.driver.channel_post(STAFF, "市の偽アカウントがなりすましています https://x.com/fake_city_32", REPORT)
    [card] = teams.fake.posts_to(PR_CHANNEL)
    teams.driver.chat_message(PR, "対象外 INC-0001 訓練の投稿")
    shown = teams.fake.message(card["id"])
    content = shown["attachments"][0]["content"]
    assert not [a for a in content.get("actions", []) if a.get("type") == "Action.Execute"]
    assert "対象外" in card_text(shown)
