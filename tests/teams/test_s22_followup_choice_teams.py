"""A reporter's second message in her personal chat with the bot, no URL, while her incident is open (walk s21 #5 on
Teams): it opened INC-0002 and paged PR again. Now she is asked on a card with three buttons (follow-up, new report,
neither), answered once even on redelivery, and nobody else's press counts. Each test failed before the fix."""

from __future__ import annotations

from typing import Any

from tests.teams.env import OTHER, PR_CHANNEL, STAFF, TeamsEnv
from tests.teams.fake_connector import card_actions, card_text
from tests.teams.teams_driver import Response, User, personal_chat

FAKE = "市長になりすましたXアカウントが出ています。公式マークに似せています https://x.com/fake_mayor_city/status/1"
FROZEN = "さっきのアカウント、凍結されたみたいです"
ANOTHER = "別のなりすましアカウントも出ています。市長になりすましたXアカウントです"


def _text(activity: dict[str, Any]) -> str:
    return activity.get("text") or (card_text(activity) if card_actions(activity) or activity.get("attachments")
                                    else "")


def _chat(teams: TeamsEnv, user: User = STAFF) -> list[str]:
    return [_text(a) for a in teams.fake.posts_to(personal_chat(user))]


def _question(teams: TeamsEnv) -> dict[str, Any]:
    asked = [a for a in teams.fake.posts_to(personal_chat(STAFF)) if "続報として記録しますか" in _text(a)]
    assert len(asked) == 1, _chat(teams)
    return asked[0]


def _press(teams: TeamsEnv, user: User, card: dict[str, Any], title: str, n: int = 1) -> Response:
    [action] = [a for a in card_actions(card) if a["title"] == title]
    driver = teams.driver
    return driver.post(driver._base(user, {"id": personal_chat(user), "conversationType": "personal"},
                                    type="invoke", name="adaptiveCard/action", id=f"f:press{n}",
                                    replyToId=card["id"],
                                    value={"action": {"type": "Action.Execute", "verb": action["verb"],
                                                      "data": action["data"]}, "trigger": "manual"}))


def _second(teams: TeamsEnv, text: str) -> tuple[int, int]:
    teams.driver.chat_message(STAFF, FAKE)
    [first] = teams.incident_ids()
    before = len(teams.fake.posts_to(PR_CHANNEL))
    teams.driver.chat_message(STAFF, text)
    assert teams.incident_ids() == [first], "a second incident was opened"
    assert len(teams.fake.posts_to(PR_CHANNEL)) == before, "PR was paged again"
    return first, before


def _answered_text(response: Response) -> str:
    value = response.body["value"]
    return card_text({"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": value}]})


def test_a_second_message_is_asked_and_a_follow_up_recorded_once(teams: TeamsEnv) -> None:
    first, before = _second(teams, FROZEN)
    card = _question(teams)
    assert "INC-0001 の続報として記録しますか、新しい報告ですか" in card_text(card) and FROZEN in card_text(card)
    assert [a["title"] for a in card_actions(card)] == ["INC-0001 の続報として記録する", "新しい報告として受け付ける",
                                                        "どちらでもない（記録しない）"]
    answer = _press(teams, STAFF, card, "INC-0001 の続報として記録する")
    assert answer.status == 200 and answer.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Action.Execute" not in str(answer.body["value"])  # answered: its buttons gone
    assert "INC-0001 の続報として記録し" in _answered_text(answer)
    assert teams.events(first).count("followup") == 1 and teams.incident_ids() == [first]
    told = teams.fake.posts_to(PR_CHANNEL)[before:]
    assert len(told) == 1 and "【続報】INC-0001" in card_text(told[0])  # PR told once, as news
    again = _press(teams, STAFF, card, "新しい報告として受け付ける", n=2)  # a stale card, or a redelivered invoke
    assert again.status == 200 and teams.incident_ids() == [first]
    assert teams.events(first).count("followup") == 1 and len(teams.fake.posts_to(PR_CHANNEL)) == before + 1


def test_a_new_report_opens_the_second_incident_once(teams: TeamsEnv) -> None:
    first, before = _second(teams, ANOTHER)
    card = _question(teams)
    _press(teams, STAFF, card, "新しい報告として受け付ける")
    assert len(teams.incident_ids()) == 2 and "followup" not in teams.events(first)
    assert len(teams.fake.posts_to(PR_CHANNEL)) == before + 1
    _press(teams, STAFF, card, "新しい報告として受け付ける", n=2)  # redelivered
    assert len(teams.incident_ids()) == 2 and len(teams.fake.posts_to(PR_CHANNEL)) == before + 1


def test_neither_records_nothing(teams: TeamsEnv) -> None:
    first, before = _second(teams, "ありがとうございます")
    answer = _press(teams, STAFF, _question(teams), "どちらでもない（記録しない）")
    assert "記録しませんでした" in _answered_text(answer) and "Action.Execute" not in str(answer.body["value"])
    assert teams.incident_ids() == [first] and "followup" not in teams.events(first)
    assert len(teams.fake.posts_to(PR_CHANNEL)) == before


def test_a_redelivered_message_is_asked_once(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, FAKE)
    teams.driver.chat_message(STAFF, FROZEN, activity_id="1:again")
    teams.driver.chat_message(STAFF, FROZEN, activity_id="1:again")  # Teams redelivers
    _question(teams)
    assert teams.incident_ids() == [1]


def test_someone_elses_press_is_refused_and_records_nothing(teams: TeamsEnv) -> None:
    first, before = _second(teams, ANOTHER)
    card = _question(teams)
    for n, title in enumerate(["INC-0001 の続報として記録する", "新しい報告として受け付ける"]):
        refused = _press(teams, OTHER, card, title, n=n)
        assert refused.status == 200 and "報告者" in str(refused.body["value"]), refused.body
    assert teams.incident_ids() == [first] and "followup" not in teams.events(first)
    assert len(teams.fake.posts_to(PR_CHANNEL)) == before
    _press(teams, STAFF, card, "新しい報告として受け付ける", n=5)  # her answer still counts
    assert len(teams.incident_ids()) == 2


def test_her_recorded_follow_up_does_not_point_her_to_her_own_chat_as_someone_elses(teams: TeamsEnv) -> None:
    """Her follow-up recorded from her own chat (where INC-0001 runs) was answered 「対応は最初の報告者とボットの
    個人チャットで進んでいます（ほかの人は開けないため…）」: she is that first reporter, and it is this chat."""
    _second(teams, FROZEN)
    _press(teams, STAFF, _question(teams), "INC-0001 の続報として記録する")
    said = [text for text in _chat(teams) if "続報として記録し、" in text]
    assert said and all("最初の報告者" not in text and "ほかの人は開けない" not in text for text in said), said


def test_the_question_answered_on_another_instance_after_a_restart(teams: TeamsEnv, teams_factory: Any) -> None:
    """The card carries what the answer needs: pressed after a restart (another instance), it records once."""
    first, before = _second(teams, FROZEN)
    card = _question(teams)
    other = teams_factory()
    _press(other, STAFF, card, "INC-0001 の続報として記録する")
    _press(teams, STAFF, card, "INC-0001 の続報として記録する", n=2)
    assert teams.events(first).count("followup") == 1 and len(teams.fake.posts_to(PR_CHANNEL)) == before + 1
