"""Teams walk s18 #11: an incident that ends (対象外, 終結, 対応完了) keeps no control in its conversation: the kind
card and the pending step's card are drawn without their buttons, saying why; a step card already closed keeps what
it shows; a redelivery redraws nothing again."""

from __future__ import annotations

from bot.ports import Actor
from bot.triage import lifecycle
from tests.conftest import PR as CORE_PR
from tests.teams.env import PR, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/91"


def _controls(teams: TeamsEnv, root: str) -> list[str]:
    return [verb for m in teams.fake.thread(REPORT, root) for verb in verbs(m)]


def test_a_declined_incident_keeps_no_step_or_kind_control_in_its_thread(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [intro] = [m for m in teams.fake.thread(REPORT, root) if "kind_select" in verbs(m)]
    [step] = [m for m in teams.fake.thread(REPORT, root) if "step_done" in verbs(m)]
    teams.driver.chat_message(PR, "対象外 INC-0001 いたずらでした")
    assert teams.view(teams.incident_ids()[0]).status == lifecycle.DECLINED
    assert _controls(teams, root) == []
    assert "INC-0001 は「対象外」になったため、種別の訂正は閉じました。" in card_text(teams.fake.message(intro["id"]))
    withdrawn = card_text(teams.fake.message(step["id"]))
    assert "状況を記録する" in withdrawn and "INC-0001 は「対象外」になったため、この手順は閉じました。" in withdrawn
    updates = len(teams.fake.calls_to("update"))
    teams.driver.chat_message(PR, "対象外 INC-0001 いたずらでした")  # again (a redelivery): nothing redrawn
    assert len(teams.fake.calls_to("update")) == updates


def test_a_closed_incident_keeps_no_control_and_its_closed_step_keeps_what_it_shows(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    [step] = [m for m in teams.fake.thread(REPORT, root) if "step_done" in verbs(m)]
    teams.driver.execute(STAFF, step, f"{REPORT};messageid={root}", "step_skip")  # step 1 closed: a record
    closed = teams.fake.message(step["id"])
    assert "step_skip" not in verbs(closed) and "step_done" in _controls(teams, root)  # step 2 waits
    teams.runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, Actor(CORE_PR, "広報 花子"))
    teams.driver.chat_message(PR, "終結 INC-0001")
    assert teams.view(incident_id).status == lifecycle.CLOSED
    assert _controls(teams, root) == []
    said = "\n".join(card_text(m) for m in teams.fake.thread(REPORT, root))
    assert "INC-0001 は「終結」になったため、種別の訂正は閉じました。" in said
    assert "INC-0001 は「終結」になったため、この手順は閉じました。" in said
    assert card_text(teams.fake.message(step["id"])) == card_text(closed)  # the skipped step keeps what it shows


def test_a_press_on_an_ended_incidents_step_card_draws_it_without_buttons(teams: TeamsEnv) -> None:
    """The walk pressed 「入力して完了」 after 対象外: refused, and the card was drawn again with the same buttons. A
    card the withdrawal could not reach (a copy held by a client, a press racing the end) now closes when pressed."""
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [step] = [m for m in teams.fake.thread(REPORT, root) if "step_done" in verbs(m)]
    teams.driver.chat_message(PR, "対象外 INC-0001 いたずらでした")
    answer = teams.driver.execute(STAFF, step, f"{REPORT};messageid={root}", "step_skip")  # the card as it was
    assert answer.status == 200 and answer.body["type"] == "application/vnd.microsoft.card.adaptive"
    drawn = answer.body["value"]
    assert "Action.Execute" not in str(drawn) and "この手順は閉じました" in str(drawn)
