"""The Teams test environment: users, channels, settings, and one bot instance under test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.adapters.teams.app import TeamsBot
from bot.adapters.teams.settings import TeamsMention, TeamsSettings
from bot.wiring import Runtime
from tests.teams.fake_connector import FakeConnector
from tests.teams.teams_driver import TeamsDriver, TeamsServer, User

REPORT = "19:report-channel@thread.tacv2"
PR_CHANNEL = "19:pr-channel@thread.tacv2"
SUMMARY = "19:summary-channel@thread.tacv2"
ELSEWHERE = "19:random-channel@thread.tacv2"
# PR is a PR member by AAD object id; PR2 by Teams user id (29:…); OTHER and STAFF are not.
STAFF = User("29:staff-0001", "aad-staff-0001", "山田 花子")
PR = User("29:pr-0001", "aad-pr-0001", "広報 太郎")
PR2 = User("29:pr-0002", "aad-pr-0002", "広報 次郎")
OTHER = User("29:other-0001", "aad-other-0001", "佐藤 一郎")
SECURITY = User("29:sec-0001", "aad-sec-0001", "情報 守")
PR_TAG = TeamsMention(id="tag-pr-section", name="広報チーム", type="tag")
HEAD = TeamsMention(id="aad-head-0001", name="課長 一郎")


def teams_settings(fake: FakeConnector, **overrides: Any) -> TeamsSettings:
    data: dict[str, Any] = {
        "report_channels": [REPORT], "pr_channel": PR_CHANNEL, "summary_channel": SUMMARY,
        "pr_members": [f"teams:{PR.aad}", f"teams:{PR2.id}"], "security_officers": [f"teams:{SECURITY.aad}"],
        "mentions": {"pr_section": PR_TAG, "department_head": HEAD}, "service_url": fake.url,
        "post_interval_seconds": 0,
    }
    data.update(overrides)
    return TeamsSettings.model_validate(data)


@dataclass
class TeamsEnv:
    """One bot instance under test."""

    runtime: Runtime
    bot: TeamsBot
    server: TeamsServer
    driver: TeamsDriver
    fake: FakeConnector

    def incident_ids(self) -> list[int]:
        return sorted(view.id for view in self.runtime.triage.queries.list(None))

    def events(self, incident_id: int) -> list[str]:
        return [entry.type for entry in self.runtime.triage.queries.timeline(incident_id, None)]

    def view(self, incident_id: int):  # noqa: ANN201
        return self.runtime.triage.queries.view(incident_id, None)


