"""Slack users as the core sees them, and the core with PR user groups and outsiders in its access policy."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import identity
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.members import UserGroupMembers
from bot.adapters.slack.outsiders import Outsiders
from bot.adapters.slack.port import PLATFORM, error_code
from bot.adapters.slack.text import slack_id
from bot.ports import Actor
from bot.triage.service import Memberships, Triage

NAME_TTL_SECONDS = 3600.0


class People:
    """Who acts, and the core as it applies to them (see the module docstring)."""

    def __init__(self, base: Triage, client: WebClient, groups: UserGroupMembers, outsiders: Outsiders) -> None:
        self.client = client
        self.groups = groups
        self.outsiders = outsiders
        self._memberships = Memberships(base)
        self._names: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def triage(self) -> Triage:
        """The core, with the PR user groups' members and the outsiders known now added to its policy."""
        return self._memberships.triage(pr=identity.qualify_all(PLATFORM, self.groups.members()),
                                        outsiders=identity.qualify_all(PLATFORM, self.outsiders.members()))

    def now(self) -> datetime:
        """The core's clock (so tests and timelines agree)."""
        return self._memberships.base.deps.clock.now()

    def actor(self, user_id: str, fallback_name: str = "") -> Actor:
        """A Slack user (raw or namespaced id) as the core's Actor ("slack:U…"), named by users.info (cached)."""
        return Actor(user_id=identity.qualify(PLATFORM, user_id),
                     display_name=self.display_name(user_id, fallback_name), platform=PLATFORM)

    def display_name(self, user_id: str, fallback: str = "") -> str:
        user_id = slack_id(user_id)
        with self._lock:
            cached = self._names.get(user_id)
        if cached and time.monotonic() - cached[0] < NAME_TTL_SECONDS:
            return cached[1]
        name = fallback or user_id
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
            self.outsiders.observe_user(user)
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or name
        except SlackApiError as exc:
            log_event(logging.WARNING, "slack.users_info_failed", user=user_id, error=error_code(exc))
            return name
        with self._lock:
            self._names[user_id] = (time.monotonic(), name)
        return name
