"""Session 21 follow-up gaps on Teams (brief s21-followups): each test failed before its fix."""

from __future__ import annotations

from tests.teams.env import REPORT, STAFF, TeamsEnv
from tests.teams.test_teams_edits import _changed, _told
from tests.teams.test_teams_scenarios import REPORTS

MORE = "。名簿には 山田太郎 090-1234-5678 札幌市中央区北1条西2丁目3-4 が載っています"


def test_a_leak_reporter_editing_more_personal_data_into_her_channel_post_is_told_to_delete_it(
        teams: TeamsEnv) -> None:
    """#2: her personal chat read only 「報告内容は変わりません」, never that the channel post should go."""
    report, _ = teams.driver.channel_post(STAFF, REPORTS["leak"], REPORT)
    _changed(teams, STAFF, report, text=REPORTS["leak"] + MORE)
    told = [text for text in _told(teams, STAFF) if "編集" in text]
    assert told and "削除してください" in told[-1], told
    assert "090-1234-5678" not in " ".join(told)
