"""Session 9 walk findings on Teams: the step card opens with what the report already told."""

from __future__ import annotations

from tests.teams.env import REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import inputs
from tests.teams.test_teams_scenarios import REPORTS, pending_step, thread_of


def test_the_step_card_opens_with_the_reports_url_and_service(teams: TeamsEnv) -> None:
    """Step 1 says the URL and service are 「入力済み」; the card's fields were empty, and Teams submits an empty
    field as "", which the core read as missing: the reporter had to type the URL again or skip."""
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    step = pending_step(teams.fake, thread_of(root))
    assert step is not None
    values = {field["id"]: field.get("value") for field in inputs(step)}
    assert "https://x.com/asahikawa_fake/status/1" in values.values()
    assert any(value and "X" in value for value in values.values() if value and not value.startswith("http"))
