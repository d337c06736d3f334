"""On Slack, end to end (walk s21 #4): a public impersonation report whose first step is answered 個人情報の有無 =
含まれる is taken private: no public post or PR card keeps the report's text or the post's URL afterwards."""

from __future__ import annotations

from conftest import PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import action_ids, answers_from_view, pending_step, text_of

IMPERSONATION = "市長を名乗る偽アカウントが住民に連絡先を尋ねています https://x.com/fake_mayor/status/1"


def test_answering_personal_data_yes_takes_the_incident_private(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, IMPERSONATION, REPORT)
    [incident_id] = slack.incident_ids()
    step = pending_step(slack.fake, REPORT, report["ts"])
    assert step is not None and "step_input" in action_ids(step)
    opened = len(slack.fake.views)
    slack.driver.click(STAFF, step, "step_input", until=lambda f: len(f.views) > opened)
    view = slack.fake.views[-1]
    values = answers_from_view(view)
    [key] = [k for k in values if k.endswith("personal_data")]
    values[key] = "yes"

    def moved(f) -> bool:  # noqa: ANN001
        return bool(f.channel_messages("D_STAFF"))

    response = slack.driver.submit_view(STAFF, view, values, until=moved)
    assert response.status == 200 and not response.body, response.body
    assert slack.runtime.triage.queries.view(incident_id, None).restricted
    bots = [m for m in slack.fake.thread_messages(REPORT, report["ts"]) if m.get("bot_id")]
    assert bots and all(m["text"] == "詳細は個別に案内します。" for m in bots), [m["text"] for m in bots]
    public = " ".join(text_of(m) for m in slack.fake.channel_messages(REPORT) if m.get("bot_id"))
    public += " ".join(text_of(m) for m in slack.fake.channel_messages(PR_CHANNEL))
    assert "偽アカウント" not in public and "fake_mayor" not in public, public
    assert "【閲覧制限】INC-0001" in public and "個人情報" in public  # PR told why, without the report
    [anchor] = slack.fake.channel_messages("D_STAFF")
    private = [text_of(m) for m in slack.fake.thread_messages("D_STAFF", anchor["ts"])]
    assert any("閲覧制限付きになりました" in t for t in private), private
