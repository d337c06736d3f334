"""User ids namespaced by chat platform: "slack:U123", "teams:<aad id>", "lineworks:<user id>", "console:<name>"."""

from __future__ import annotations

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
