"""The Slack app manifest: exactly the features, scopes and events the adapter uses (Socket Mode without a URL)."""

from __future__ import annotations

from typing import Any

import yaml

from bot.adapters.data_templates import render_data
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
    """The manifest as a dict (bot/templates/slack-manifest.yaml.j2; validated in tests against Slack's schema)."""
    manifest: dict[str, Any] = render_data(
        "slack-manifest.yaml.j2", t=Catalog.load(settings.file.locale).t, request_url=request_url,
        slash_command=settings.file.slack.slash_command, shortcut=REPORT_SHORTCUT, scopes=bot_scopes(settings),
        events=list(BOT_EVENTS))
    return manifest


def manifest_yaml(settings: Settings, *, request_url: str | None = None) -> str:
    """The manifest as YAML, ready to paste into "Create New App → From an app manifest"."""
    return yaml.safe_dump(build_manifest(settings, request_url=request_url), allow_unicode=True, sort_keys=False)
