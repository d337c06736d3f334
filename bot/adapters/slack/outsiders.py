"""Who is an outsider in Slack: not a full member of the workspace the bot is installed in."""

# The core's AccessPolicy knows outsiders only as user ids. Outsiders are Slack Connect users of another organisation
# (a signed payload names another user team, users.info says `is_stranger`, or their team_id is another workspace's
# outside our Enterprise Grid org) and guests (`is_restricted`, `is_ultra_restricted`). This workspace is what
# auth.test answers, asked once; users.info's answer is kept for an hour, a payload's team for good. A user without
# either counts as a member, so a Slack outage does not lock every colleague out.

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.logs import log_event

FLAGS_TTL_SECONDS = 3600.0
GUEST_FLAGS = ("is_restricted", "is_ultra_restricted")


class Outsiders:
    """The user ids currently recognised as outsiders, thread-safe."""

    def __init__(self, client: WebClient, monotonic: Callable[[], float] = time.monotonic,
                 ttl: float = FLAGS_TTL_SECONDS) -> None:
        self.client = client
        self._monotonic = monotonic
        self._ttl = ttl
        self._lock = threading.Lock()
        self._home: tuple[str | None, str | None] | None = None  # (team_id, enterprise_id) of this workspace
        self._teams: dict[str, str] = {}  # user -> team named by a signed payload
        self._flags: dict[str, tuple[float, bool]] = {}  # user -> (when, outsider by users.info)

    def home(self) -> tuple[str | None, str | None]:
        """(team id, enterprise id) of the bot's workspace, from auth.test (asked until it answers)."""
        if self._home is not None:
            return self._home
        try:
            answer = self.client.auth_test()
        except SlackApiError as exc:
            log_event(logging.WARNING, "slack.auth_test_failed", error=exc.response.get("error"))
            return None, None
        self._home = (answer.get("team_id") or None, answer.get("enterprise_id") or None)
        return self._home

    def observe_team(self, user_id: str, team_id: str) -> None:
        """A signed payload said which team this user belongs to."""
        with self._lock:
            self._teams[user_id] = team_id

    def observe_user(self, user: Mapping[str, Any]) -> None:
        """users.info's user object (asked anyway for the display name)."""
        user_id = user.get("id")
        if not isinstance(user_id, str):
            return
        team, enterprise = self.home()
        outsider = bool(user.get("is_stranger")) or any(bool(user.get(flag)) for flag in GUEST_FLAGS)
        other_team, org_user = user.get("team_id"), user.get("enterprise_user")
        if not outsider and isinstance(other_team, str) and team and other_team != team:
            org = org_user.get("enterprise_id") if isinstance(org_user, dict) else None
            outsider = not (enterprise and org == enterprise)
        with self._lock:
            self._flags[user_id] = (self._monotonic(), outsider)
        if outsider:
            log_event(logging.INFO, "slack.outsider", user=user_id, source="users.info")

    def members(self) -> frozenset[str]:
        """Every user currently known to be an outsider."""
        with self._lock:
            teams, now = dict(self._teams), self._monotonic()
            flagged = {user for user, (at, outsider) in self._flags.items() if outsider and now - at < self._ttl}
        if teams:
            team, enterprise = self.home()
            if team and not enterprise:  # in an Enterprise Grid org, other teams are colleagues: users.info decides
                flagged |= {user for user, their in teams.items() if their != team}
        return frozenset(flagged)
