"""The Slack app manifest: exactly the features, scopes and events the adapter uses (Socket Mode without a URL)."""

from __future__ import annotations

from typing import Any

import yaml

from bot.adapters.slack.render import REPORT_SHORTCUT
from bot.config import Settings
from bot.i18n import Catalog

# Each scope with what needs it, so a scope is never asked for "just in case".
BASE_SCOPES: dict[str, str] = {
    "app_mentions:read": "app_mention event (reports by @mention)",
    "channels:history": "message.channels event; conversations.history/replies (timeline capture)",
    "groups:history": "message.groups event (private report channels); history/replies there",
    "im:history": "message.im event (reports by direct message); history/replies in DMs",
    "chat:write": "chat.postMessage, chat.update, chat.postEphemeral (threads, steps, PR message)",
    "commands": "the slash command and the message shortcut",
    "reactions:read": "reaction_added event (timeline capture)",
    "reactions:write": "reactions.add (capture confirmation)",
    "users:read": "users.info (display names)",
    "files:write": "files.getUploadURLExternal/completeUploadExternal (records at closing; the weekly chart)",
}
USERGROUP_SCOPE = "usergroups:read"  # usergroups.users.list, only when slack.pr_user_groups is set
BOT_EVENTS = ("app_mention", "message.channels", "message.groups", "message.im", "reaction_added")


def bot_scopes(settings: Settings) -> list[str]:
    """The bot token scopes for this configuration."""
    scopes = set(BASE_SCOPES)
    if settings.file.slack.pr_user_groups:
        scopes.add(USERGROUP_SCOPE)
    return sorted(scopes)


def build_manifest(settings: Settings, *, request_url: str | None = None) -> dict[str, Any]:
    """The manifest as a dict (validated in tests against Slack's published JSON schema)."""
    catalog = Catalog.load(settings.file.locale)
    t = catalog.t
    slack = settings.file.slack
    command: dict[str, Any] = {"command": slack.slash_command, "description": t("slack.app.slash_description"),
                               "usage_hint": t("slack.app.slash_usage"), "should_escape": False}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if request_url:
        command["url"] = request_url
        events["request_url"] = request_url
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {"name": t("slack.app.name")[:35], "description": t("slack.app.description")[:140],
                                "background_color": "#1d4e89"},
        "features": {
            "app_home": {"home_tab_enabled": False, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": t("slack.app.bot_name"), "always_online": True},
            "slash_commands": [command],
            "shortcuts": [{"name": t("slack.app.shortcut_name")[:24], "type": "message",
                           "callback_id": REPORT_SHORTCUT, "description": t("slack.app.shortcut_description")[:150]}],
        },
        "oauth_config": {"scopes": {"bot": bot_scopes(settings)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not request_url,
            # bandit B105: a manifest flag, not a password.
            "token_rotation_enabled": False,  # nosec B105
        },
    }


def manifest_yaml(settings: Settings, *, request_url: str | None = None) -> str:
    """The manifest as YAML, ready to paste into "Create New App → From an app manifest"."""
    return yaml.safe_dump(build_manifest(settings, request_url=request_url), allow_unicode=True, sort_keys=False)
