"""Session 22 Slack walk #4: 旭川市's chain (広報広聴課, then 所属長 after 30 office minutes, app.yaml) reported on a
Saturday at 23:40: PR's notice said nothing of what happens if nobody acknowledges (the re-notice line only covered a
chain repeating its last level), though nobody else is told until Monday morning. It now names the next level and,
out of office hours, when it is due. Each test failed before the fix."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import PR_CHANNEL, STAFF, SlackEnv
from slack_driver import text_of
from sqlalchemy import select

from bot.clock import JST, FixedClock, to_jst
from storage.models import Escalation

HIJACK = "公式Xが乗っ取られたみたいです。ログイン履歴に海外からのアクセスがあり、変な投稿が出てます"


def _notice(slack: SlackEnv) -> str:
    [notice] = [m for m in slack.fake.channel_messages(PR_CHANNEL) if "acknowledge" in str(m.get("blocks"))]
    return text_of(notice)


def test_a_saturday_night_notice_names_the_next_level_and_when_it_is_told(slack: SlackEnv, clock: FixedClock) -> None:
    clock.set(datetime(2026, 12, 5, 23, 40, tzinfo=JST))
    slack.driver.post_message(STAFF, HIJACK, "D_STAFF", channel_type="im")
    said = _notice(slack)
    assert "確認されなければ、30 分後（開庁時間で数えます）に所属長へ通知します（自治体の運用設定）。" in said, said
    with slack.runtime.triage.deps.sessions() as session:
        [due] = session.scalars(select(Escalation.due_at).where(Escalation.status == "pending")).all()
    due = to_jst(due.replace(tzinfo=due.tzinfo or UTC))
    assert due.date().isoformat() == "2026-12-07"  # Monday: nobody is paged on Sunday
    assert f"開庁時間外のため、確認がなければその通知は 2026年12月7日（月） {due:%-H:%M} です。" in said, said


def test_in_office_hours_the_next_level_is_named_without_a_date(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, HIJACK, "D_STAFF", channel_type="im")
    said = _notice(slack)
    assert "30 分後（開庁時間で数えます）に所属長へ通知します" in said and "開庁時間外" not in said, said
