"""User ids namespaced by chat platform: "slack:U123", "teams:<aad id>", "lineworks:<user id>", "console:<name>"."""

from __future__ import annotations

import re
from collections.abc import Iterable

PLATFORMS = ("slack", "teams", "lineworks", "console")


def qualify(platform: str, raw_id: str) -> str:
    """The namespaced id of a platform's own user id (unchanged when it already carries that platform)."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform: {platform}")
    return raw_id if raw_id.startswith(f"{platform}:") else f"{platform}:{raw_id}"


def split(user_id: str) -> tuple[str | None, str]:
    """(platform, raw id) of a namespaced id; (None, id) for an id without a known platform prefix."""
    head, sep, rest = user_id.partition(":")
    if sep and head in PLATFORMS and rest:
        return head, rest
    return None, user_id


def raw(platform: str, user_id: str) -> str | None:
    """The platform's own id for a namespaced id of that platform; None when it belongs to another platform."""
    owner, rest = split(user_id)
    if owner is None:
        return None
    return rest if owner == platform else None


# What a Slack user id looks like (U… for users, W… for Enterprise Grid users).
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{6,}")
# What a Teams id looks like: a Bot Framework user id ("29:…") or an Entra ID object id (a GUID).
_TEAMS_USER_ID = re.compile(r"29:.+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Console users as `incident-bot console` named them before ids were namespaced (console-staff, console-pr…).
_CONSOLE_USER_ID = re.compile(r"console-.+")


def namespaced(user_id: str, platform: str | None = None) -> str:
    """The namespaced form of a user id stored before ids were (migration 0006); one rule for the migration and
    for the checks that compare the tables with the timeline (whose hashed events keep the old form).

    An id that carries a platform is kept; a Slack-shaped id is Slack's and a console-… id the console's,
    whatever the row says; otherwise the chat platform of the incident the row belongs to decides; without one,
    a Teams-shaped id is Teams'. Anything else is kept as it is: it then matches no namespaced id (fail closed).
    """
    if split(user_id)[0] is not None:
        return user_id
    if SLACK_USER_ID.fullmatch(user_id):
        return qualify("slack", user_id)
    if _CONSOLE_USER_ID.fullmatch(user_id):
        return qualify("console", user_id)
    if platform in PLATFORMS:
        return qualify(platform, user_id)
    if _TEAMS_USER_ID.fullmatch(user_id):
        return qualify("teams", user_id)
    return user_id


def qualify_all(platform: str, raw_ids: Iterable[str]) -> frozenset[str]:
    """Every id of a platform's own list (a per-platform config section, a user group's members) namespaced."""
    return frozenset(qualify(platform, item) for item in raw_ids)
