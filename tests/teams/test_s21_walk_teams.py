"""Session 21 Teams walk (docs/qa/session21_walk_teams.md): いわき市 and 筑後市's staff on a bad day."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.adapters.teams.app import build_teams_app
from bot.adapters.teams.settings import TeamsCredentials, TeamsMention
from bot.wiring import Runtime
from tests.teams.env import OTHER, PR, PR2, PR_CHANNEL, REPORT, SECURITY, STAFF, TeamsEnv, teams_settings
from tests.teams.fake_connector import FakeConnector, card_text, verbs
from tests.teams.teams_driver import TeamsDriver, TeamsServer, User, personal_chat
from tests.teams.test_teams_scenarios import answers

COLLEAGUE = User("29:col-0001", "aad-col-0001", "鈴木 次郎")
ACCOUNT_MANAGER = TeamsMention(id=PR.aad or "", name=PR.name)
FLAMING = "市の公式Xの保育園の投稿が炎上してます、批判リプ多数 https://x.com/chikugo_fake/status/55"
LEAK = ("【至急】市のInstagramの投稿写真に申請書が写り込んでいて、申請者の氏名と住所が読めます。個人情報の漏えいです "
        "https://www.instagram.com/p/Cxyz123/")
IMPERSONATION = "市の公式Instagramになりすましアカウントがあります https://www.instagram.com/chikugo_city_fake/"


@pytest.fixture
def city(runtime_factory: Callable[..., Runtime], database_url: str,
         fake_connector: FakeConnector) -> Iterator[Callable[[str], TeamsEnv]]:
    """A bot for いわき市 or 筑後市 with the guideline's own chain (no escalation.levels: re-notices to the first
    recipient), the first recipient's person mentioned."""
    made: list[tuple[Any, TeamsServer]] = []

    def make(profile: str) -> TeamsEnv:
        runtime = runtime_factory(database_url, profile=profile, escalation={},
                                  access={"pr_members": [f"teams:{PR.aad}", f"teams:{PR2.id}"],
                                          "security_officers": [f"teams:{SECURITY.aad}"]})
        section = "pr_section" if profile == "iwaki" else "pr_head"
        bot = build_teams_app(runtime, teams_settings(fake_connector, mentions={section: ACCOUNT_MANAGER}),
                              TeamsCredentials())
        server = TeamsServer(bot.web_app()).start()
        made.append((bot, server))

        def settle() -> None:
            assert bot.pacer.idle(30), "deliveries still running"
        return TeamsEnv(runtime, bot, server, TeamsDriver(server, fake_connector, settle), fake_connector)

    yield make
    for bot, server in made:
        bot.pacer.close()
        server.stop()


def _told(teams: TeamsEnv, user: User) -> list[str]:
    chat = teams.fake.chats.get(user.id) or personal_chat(user)
    return [card_text(message) for message in teams.fake.posts_to(chat) if message.get("attachments")]


def test_a_stale_skip_on_a_finished_step_card_does_not_overwrite_its_record(city: Callable[[str], TeamsEnv]) -> None:
    """#1: 山田 finished step 1 of 筑後市's 炎上 from the thread's card; 鈴木, whose Teams had not refreshed the card
    (mobile, a second window), pressed its 「スキップ」. The core recorded `step_skipped` for the finished step, wiped
    its answers and the card was redrawn 「⏭ スキップ（鈴木 次郎）」: the record says step 1 was skipped."""
    teams = city("chikugo")
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    thread = f"{REPORT};messageid={root}"
    [step] = [m for m in teams.fake.thread(REPORT, root) if "step_done" in verbs(m)]
    values = {**answers(step), "in_post_url": "https://x.com/chikugo_fake/status/55"}
    assert teams.driver.execute(STAFF, step, thread, "step_done", values).status == 200
    before = teams.events(1)
    answer = teams.driver.execute(COLLEAGUE, step, thread, "step_skip")
    assert answer.status == 200 and "既に反映されています" in answer.body["value"]
    assert teams.events(1) == before  # nothing recorded
    redrawn = card_text(teams.fake.message(step["id"]))
    assert "✅ 完了（山田 花子" in redrawn and "スキップ" not in redrawn and "鈴木" not in redrawn
    [state] = [s for s in teams.runtime.triage.steps.views(1, f"teams:{STAFF.aad}") if s.step_id == "intake"]
    assert state.status == "done"


def test_a_bystander_replying_in_a_leaks_thread_is_not_told_its_kind(city: Callable[[str], TeamsEnv]) -> None:
    """#2: 山田 reported a leak in the report channel (its thread shows only 「詳細は個別に案内します。」); 佐藤 (no
    role) asked in the thread how it was going and was advised 「INC-0001 は情報漏えいの案件のため…」: a bystander
    learned the kind the public thread hides."""
    teams = city("iwaki")
    root, _ = teams.driver.channel_post(STAFF, LEAK, REPORT)
    assert teams.view(1).restricted
    teams.driver.channel_post(OTHER, "INC-0001 どうなってますか", REPORT, root=root)
    quoting = "写っているのは いわき 次郎さん（090-1111-2222）の申請書です"
    teams.driver.channel_post(COLLEAGUE, quoting, REPORT, root=root)
    for person in (OTHER, COLLEAGUE):
        chat = teams.fake.chats[person.id]
        [advice] = [m.get("text") or card_text(m) for m in teams.fake.posts_to(chat)]
        assert "INC-0001 は閲覧制限付きの案件のため" in advice and "削除してください" in advice
        assert "漏えい" not in advice and "漏洩" not in advice


def test_a_first_notice_the_pr_channel_refuses_is_told_in_words_at_once(city: Callable[[str], TeamsEnv]) -> None:
    """#3: the bot had been taken out of 筑後市's PR channel; 山田 reported a なりすまし. The 総務広報課長's notice
    was refused (403) and 山田 read only 「Teams での処理に失敗しました（403）。時間をおいてもう一度お試しください」:
    a code, and advice to send the report again, which was accepted. Nobody was told the 総務広報課長 had not been
    reached until the first re-notice (30 office minutes; overnight, the next morning). The re-notice's failure
    already said it in words (【通知が届いていません】… 電話などで直接連絡)."""
    teams = city("chikugo")
    teams.fake.remove_bot(PR_CHANNEL)
    root, _ = teams.driver.channel_post(STAFF, IMPERSONATION, REPORT)
    said = [m.get("text") or card_text(m) for m in teams.fake.thread(REPORT, root)]
    [told] = [text for text in said if "【通知が届いていません】" in text]
    assert "INC-0001 の 1 回目の通知（総務広報課長あて）" in told and "電話などで直接連絡" in told
    assert not [text for text in _told(teams, STAFF) + [m.get("text") or "" for m in teams.fake.posts_to(
        teams.fake.chats.get(STAFF.id, personal_chat(STAFF)))] if "（403）" in text]
    assert "delivery_failed" in teams.events(1)


MANAGER = User("29:mgr-0001", "aad-mgr-0001", "部長 三郎")
TAKEOVER = "市の公式Xが乗っ取られました。身に覚えのない投稿があります https://x.com/iwaki_city_fake/status/777"


@pytest.mark.parametrize("asked", ["INC-1 どう？", "INC-0001 どうなった？", "INC-0001 はどうですか"])
def test_a_managers_short_status_question_is_answered_not_recorded_as_a_follow_up(
        city: Callable[[str], TeamsEnv], asked: str) -> None:
    """#4: the 部長 asked the bot in his personal chat 「INC-1 どう？」. It was read as a follow-up
    report: 「INC-0001 の続報として記録し、アカウント管理者に伝えました」, the words on the timeline,
    山田 told 「INC-0001 に続報があります」 and the account manager @mentioned in the PR channel with
    【続報】「INC-1 どう？」. 「…どうなってますか」 was a status question already; 「どう？」
    「どうなった？」「どうですか」 were not."""
    teams = city("iwaki")
    teams.driver.chat_message(STAFF, TAKEOVER)
    before, pr_posts = teams.events(1), len(teams.fake.posts_to(PR_CHANNEL))
    teams.driver.chat_message(MANAGER, asked)
    [answer] = _told(teams, MANAGER)[:1]
    assert answer.startswith("【状況】INC-0001")
    assert teams.events(1) == before and len(teams.fake.posts_to(PR_CHANNEL)) == pr_posts
    assert f"teams:{MANAGER.aad}" not in teams.view(1).reporters


def test_a_managers_status_says_the_notice_did_not_arrive(city: Callable[[str], TeamsEnv]) -> None:
    """#5: with the bot out of 筑後市's PR channel, the 部長's 「INC-1 の状況は？」 read
    「通知: 総務広報課長（…）」 as if the 総務広報課長 had been told; the notice had been refused."""
    teams = city("chikugo")
    teams.fake.remove_bot(PR_CHANNEL)
    teams.driver.chat_message(STAFF, IMPERSONATION)
    teams.driver.chat_message(MANAGER, "INC-1 の状況は？")
    [answer] = _told(teams, MANAGER)[:1]
    assert answer.startswith("【状況】INC-0001") and "通知: 総務広報課長" in answer
    assert "総務広報課長あての通知を送れませんでした" in answer and "電話などで直接連絡" in answer


def test_a_status_after_a_delivered_notice_warns_of_nothing(city: Callable[[str], TeamsEnv]) -> None:
    teams = city("chikugo")
    teams.driver.chat_message(STAFF, IMPERSONATION)
    teams.driver.chat_message(MANAGER, "INC-1 の状況は？")
    [answer] = _told(teams, MANAGER)[:1]
    assert answer.startswith("【状況】INC-0001") and "送れませんでした" not in answer
