"""On Teams (walk s21 #4): a public report whose first step is answered 個人情報の有無 = 含まれる is taken private
as on Slack: the channel keeps the neutral line only, PR's card loses the report, the next step goes to the
reporter's personal chat."""

from __future__ import annotations

from tests.teams.env import PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.test_teams_privacy import channel_messages_now
from tests.teams.test_teams_scenarios import REPORTS, answers, pending_step, thread_of

FLAMING = REPORTS["flaming"]


def test_answering_personal_data_yes_takes_the_teams_thread_private(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    home = thread_of(root)
    step = pending_step(teams.fake, home)
    assert step is not None
    values = answers(step)
    assert "in_personal_data" in values
    values["in_personal_data"] = "yes"
    assert teams.driver.execute(STAFF, step, home, "step_done", values).status == 200
    assert teams.view(incident_id).restricted
    now = channel_messages_now(teams)
    assert "詳細は個別に案内します" in now and "批判のリプライ" not in now, now
    # No new step card in the public thread (the clicked one may be redrawn in place, by the pacer, at any time).
    public = {m["id"] for m in teams.fake.posts_to(home) if "step_done" in verbs(m)}
    assert public <= {step["id"]}, public
    chat = teams.fake.chats[STAFF.id]
    assert pending_step(teams.fake, chat) is not None  # the next step, in her personal chat
    pr = " ".join(card_text(m) for m in teams.fake.posts_to(PR_CHANNEL))
    assert "【閲覧制限】INC-0001" in pr
