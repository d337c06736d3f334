"""Slack users as the core sees them: actors, PR user groups' members, outsiders; the core with them in its policy."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import identity
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.port import PLATFORM, error_code
from bot.adapters.slack.text import slack_id
from bot.ports import Actor
from bot.standings import TTL_SECONDS, Standings
from bot.triage.access import PermissionDenied
from bot.triage.platform_access import PlatformCore
from bot.triage.service import Triage
from bot.triage.short_input import fold

NAME_TTL_SECONDS = 3600.0
DEFAULT_TTL_SECONDS = 300.0  # PR user groups' members
GUEST_FLAGS = ("is_restricted", "is_ultra_restricted")
# What may be a Slack user id (U…/W…); a name, a user group (S…) or a channel (C…/#…) is never sent to users.info.
_USER_SHAPE = re.compile(r"[UW][A-Z0-9_]+")
GONE_ERRORS = ("user_not_found", "users_not_found", "user_not_visible")


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


# The core's AccessPolicy knows outsiders only as user ids. Outsiders are Slack Connect users of another organisation
# (a signed payload names another user team, users.info says `is_stranger`, or their team_id is another workspace's
# outside our Enterprise Grid org) and guests (`is_restricted`, `is_ultra_restricted`). This workspace is what
# auth.test answers, asked once; users.info's answer is kept for an hour, a payload's team for good. A user whose
# users.info failed is unverified for a minute (as on Teams): a colleague for ordinary incidents, so an outage does
# not lock everyone out, but nobody for a leak unless app.yaml names them (fail closed).
class Outsiders:
    """The user ids currently recognised as outsiders, thread-safe."""

    def __init__(self, client: WebClient, monotonic: Callable[[], float] = time.monotonic,
                 ttl: float = TTL_SECONDS) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._home: tuple[str | None, str | None] | None = None  # (team_id, enterprise_id) of this workspace
        self._teams: dict[str, str] = {}  # user -> team named by a signed payload
        self._other_teams: frozenset[str] | None = None  # users of another team, worked out again on a change
        self._flags = Standings(monotonic, ttl)  # what users.info said (a failed lookup records nothing)

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
            if self._teams.get(user_id) != team_id:  # every payload names it: only a change costs anything
                self._teams[user_id] = team_id
                self._other_teams = None

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
        self._flags.remember(user_id, "external" if outsider else "member")  # guests too: outsiders alike here
        if outsider:
            log_event(logging.INFO, "slack.outsider", user=user_id, source="users.info")

    def observe_failure(self, user_id: str) -> None:
        """users.info could not say who this user is (an outage, a rate limit beyond the retries)."""
        self._flags.remember(user_id, "unknown")

    def unverified(self) -> frozenset[str]:
        """Every user whose last lookup failed, for the short time a failure is remembered."""
        return self._flags.snapshot()[1]

    def members(self) -> frozenset[str]:
        """Every user currently known to be an outsider."""
        flagged = self._flags.snapshot()[0]
        team, enterprise = self.home() if self._teams else (None, None)
        if not team or enterprise:  # in an Enterprise Grid org, other teams are colleagues: users.info decides
            return flagged
        with self._lock:  # asked for on every delivery: worked out again only when a payload named a new team
            if self._other_teams is None:
                self._other_teams = frozenset(user for user, their in self._teams.items() if their != team)
            others = self._other_teams
        return flagged | others if others else flagged


class People:
    """Who acts, and the core as it applies to them (see the module docstring)."""

    def __init__(self, base: Triage, client: WebClient, groups: UserGroupMembers, outsiders: Outsiders) -> None:
        self.client = client
        self.groups = groups
        self.outsiders = outsiders
        self._core = PlatformCore(base, PLATFORM)  # slack.pr_members are in the base policy (wiring.py)
        self._names: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def triage(self) -> Triage:
        """The core, with the PR user groups' members and the outsiders known now added to its policy."""
        return self._core.get(pr_members=identity.qualify_all(PLATFORM, self.groups.members()),
                              outsiders=identity.qualify_all(PLATFORM, self.outsiders.members()),
                              unverified=identity.qualify_all(PLATFORM, self.outsiders.unverified()))

    def now(self) -> datetime:
        """The core's clock (so tests and timelines agree)."""
        return self._core.base.deps.clock.now()

    def actor(self, user_id: str, fallback_name: str = "") -> Actor:
        """A Slack user (raw or namespaced id) as the core's Actor ("slack:U…"), named by users.info (cached)."""
        return Actor(user_id=identity.qualify(PLATFORM, user_id),
                     display_name=self.display_name(user_id, fallback_name), platform=PLATFORM)

    def is_outsider(self, user_id: str) -> bool:
        """Whether a user (raw or namespaced id) is known now as a guest or another organisation's user."""
        return slack_id(user_id) in self.outsiders.members()

    def refusal(self, exc: BaseException) -> str | None:
        """Why the core refused an outsider, in their words (None for any other failure): the core says only that
        they may not, and names nobody they could ask."""
        if not isinstance(exc, PermissionDenied):
            return None
        t = self._core.base.catalog.t
        if self.is_outsider(exc.user_id):
            return t("error.denied") + t("slack.outsider")
        if exc.restricted and slack_id(exc.user_id) in self.outsiders.unverified():
            return t("error.denied") + t("slack.unverified")
        return None

    def grantee(self, typed: str) -> str | None:
        """A typed grantee as the core's user id: a person Slack knows (not a bot, not deactivated), or another
        platform's namespaced id as co-report notices show it; None for a name, a user group, a channel or an id
        Slack does not know (granting to it would give the role to nobody)."""
        typed = fold(typed).lstrip("@")
        platform, raw = identity.split(typed)
        if platform not in (None, PLATFORM):
            return typed
        if not _USER_SHAPE.fullmatch(raw):
            return None
        try:
            user = self.client.users_info(user=raw).get("user") or {}
        except (SlackApiError, OSError) as exc:
            code = error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            if code in GONE_ERRORS:
                return None
            log_event(logging.WARNING, "slack.users_info_failed", user=raw, error=code)
            self.outsiders.observe_failure(raw)  # granted, but unverified for a leak until Slack answers
            return identity.qualify(PLATFORM, raw)  # an outage: a completed @mention's id is taken as it is
        self.outsiders.observe_user(user)  # a guest is then one to the policy the grant is checked against
        if user.get("deleted") or user.get("is_bot") or raw == "USLACKBOT":
            return None
        return identity.qualify(PLATFORM, raw)

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
        except (SlackApiError, OSError) as exc:  # OSError: the network, after the client's own retries
            code = error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log_event(logging.WARNING, "slack.users_info_failed", user=user_id, error=code)
            self.outsiders.observe_failure(user_id)
            return name
        with self._lock:
            self._names[user_id] = (time.monotonic(), name)
        return name
