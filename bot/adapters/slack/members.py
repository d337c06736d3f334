"""PR membership from Slack user groups (usergroups.users.list), cached with a time to live; the core decides."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.logs import log_event

DEFAULT_TTL_SECONDS = 300.0


class UserGroupMembers:
    """Members of the configured user groups; refreshed at most once per TTL, last good answer kept on errors."""

    def __init__(self, client: WebClient, groups: Sequence[str], ttl: float = DEFAULT_TTL_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.groups = tuple(groups)
        self.ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._members: frozenset[str] = frozenset()
        self._fetched_at: float | None = None

    def members(self) -> frozenset[str]:
        """Current members (fetching when the cache is older than the TTL)."""
        if not self.groups:
            return frozenset()
        with self._lock:
            now = self._monotonic()
            if self._fetched_at is None or now - self._fetched_at >= self.ttl:
                self._members = self._fetch(self._members)
                self._fetched_at = now
            return self._members

    def _fetch(self, previous: frozenset[str]) -> frozenset[str]:
        found: set[str] = set()
        for group in self.groups:
            try:
                response = self.client.usergroups_users_list(usergroup=group)
            except SlackApiError as exc:
                log_event(logging.WARNING, "slack.usergroup_failed", usergroup=group,
                          error=exc.response.get("error"))
                return previous
            found.update(str(user) for user in response.get("users") or [])
        log_event(logging.INFO, "slack.usergroups_resolved", groups=len(self.groups), members=len(found))
        return frozenset(found)
