"""Who is an outsider in Slack: not a full member of the workspace the bot is installed in.

The core's AccessPolicy knows outsiders only as user ids (role "outsider": no action allowed, nothing
shown). This module decides who they are, from what Slack says about a user:

* a Slack Connect user from another organisation: the payload names a user team (`user.team_id` of an
  interaction, `event.user_team` of an event) other than this workspace's, or users.info says
  `is_stranger`, or the user's `team_id` is another workspace's outside our Enterprise Grid org;
* a guest account (`is_restricted`: multi-channel guest, `is_ultra_restricted`: single-channel guest),
  e.g. a contractor invited into one channel.

This workspace (and org) is what auth.test answers for the bot token, asked once. What users.info said is
kept for an hour; a team seen in a signed payload is kept for good. When users.info cannot be asked, the
payload's team decides alone (and a user without either is treated as a member, so a Slack outage does not
lock every colleague out).
"""

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

    def __init__(
        self,
        client: WebClient,
        monotonic: Callable[[], float] = time.monotonic,
        ttl: float = FLAGS_TTL_SECONDS,
    ) -> None:
        self.client = client
        self._monotonic = monotonic
        self._ttl = ttl
        self._lock = threading.Lock()
        self._home: tuple[str | None, str | None] | None = None  # (team_id, enterprise_id) of this workspace
        self._teams: dict[str, str] = {}  # user -> team named by a signed payload
        self._flags: dict[str, tuple[float, bool]] = {}  # user -> (when, outsider by users.info)

    # -- this workspace --------------------------------------------------------------------------------------
    def home(self) -> tuple[str | None, str | None]:
        """(team id, enterprise id) of the bot's workspace, from auth.test (asked until it answers)."""
        with self._lock:
            if self._home is not None:
                return self._home
        try:
            answer = self.client.auth_test()
        except SlackApiError as exc:
            log_event(logging.WARNING, "slack.auth_test_failed", error=exc.response.get("error"))
            return None, None
        home = (answer.get("team_id") or None, answer.get("enterprise_id") or None)
        with self._lock:
            self._home = home
        return home

    # -- what Slack told us ----------------------------------------------------------------------------------
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
        other_team = user.get("team_id")
        if not outsider and isinstance(other_team, str) and team and other_team != team:
            org = (
                (user.get("enterprise_user") or {}).get("enterprise_id")
                if isinstance(user.get("enterprise_user"), dict)
                else None
            )
            outsider = not (enterprise and org == enterprise)
        with self._lock:
            self._flags[user_id] = (self._monotonic(), outsider)
        if outsider:
            log_event(logging.INFO, "slack.outsider", user=user_id, source="users.info")

    # -- the answer ------------------------------------------------------------------------------------------
    def members(self) -> frozenset[str]:
        """Every user currently known to be an outsider."""
        with self._lock:
            teams = dict(self._teams)
            now = self._monotonic()
            flagged = {
                user for user, (at, outsider) in self._flags.items() if outsider and now - at < self._ttl
            }
        if teams:
            team, enterprise = self.home()
            if (
                team and not enterprise
            ):  # in an Enterprise Grid org, other teams are colleagues: users.info decides
                flagged |= {user for user, their in teams.items() if their != team}
        return frozenset(flagged)
