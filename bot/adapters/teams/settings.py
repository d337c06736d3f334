"""Teams settings (the `teams:` block of app.yaml) and credentials (environment only)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Literal
from urllib.parse import unquote

from pydantic import ConfigDict, Field, SecretStr, StringConstraints, field_validator

from bot.chat_sections import ChatSection, Strict
from bot.identity import split

# Where proactive messages go when no activity has told us the tenant's service URL (public cloud).
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
_LINK = re.compile(r"https://teams\.microsoft\.com/l/channel/([^/?#]+)")


def channel_id(value: str) -> str:
    """A channel id as Teams' 「チャネルへのリンクを取得」 gives it (the link, or its URL-encoded id) decoded."""
    text = value.strip()
    link = _LINK.match(text)
    return unquote(link.group(1) if link else text) if link or "%3a" in text.lower() else text


_ID_LIMIT = 512  # the platform_refs columns the ids are stored in (migration 0005_wide_conversation_ids)
MAX_MENTIONS = 20  # per section: Teams renders at most a handful; more is a configuration mistake


def _both(ja: str, en: str) -> ValueError:
    return ValueError(f"{ja} / {en}")  # the people who edit app.yaml read Japanese first


# Filled in (spaces alone are nothing); pydantic's own checks are worded by bot/triage/validation_text.py.
Filled = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class TeamsMention(Strict):
    """Someone (a user or a tag) a notification mentions: id is the AAD object id or the Teams user id."""

    id: Filled = Field(max_length=200)
    name: Filled = Field(max_length=100)
    type: Literal["person", "tag"] = "person"  # a tag: a Teams tag id

    @field_validator("id")
    @classmethod
    def _teams_id(cls, value: str) -> str:
        """A Teams id, not another platform's."""
        platform = split(value)[0]
        if platform is not None and platform != "teams":
            raise _both(f"{platform} の利用者 ID は Teams では使えません",
                        f"a {platform} user id cannot be mentioned in Teams")
        return value

    @field_validator("name")
    @classmethod
    def _fits_a_tag(cls, value: str) -> str:
        """A name that fits inside an <at> tag."""
        if re.search(r"[<>]", value):
            raise _both("name に < や > は使えません", "name may not contain < or >")
        return value


class TeamsSettings(ChatSection):
    """Where the Teams app listens and posts, and who belongs to the PR section."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Mentions per escalation chain section key (e.g. pr_section), used in notifications of that level:
    # one person/tag or a list (bot/adapters/teams/mentions.py renders them).
    mentions: dict[str, Annotated[list[TeamsMention], Field(min_length=1, max_length=MAX_MENTIONS)]] = Field(
        default_factory=dict)
    # The reaction that captures a message into the timeline, the home tenant (default: TEAMS_TENANT_ID;
    # other tenants are outsiders) and the channel of the daily timeline audit.
    capture_reaction: str = Field(default="1f4cc_pushpin", min_length=1, max_length=80)
    tenant_id: str | None = Field(default=None, max_length=100)
    audit_channel: str | None = None
    # The Bot Connector service URL for proactive posts (scheduler, summary); an incident's own
    # conversation uses the URL its activities came with.
    service_url: str = DEFAULT_SERVICE_URL
    # Extra hosts (besides Microsoft's) the bot may send to, e.g. a sovereign cloud's service host.
    allowed_service_hosts: list[str] = Field(default_factory=list)
    # Pacing per conversation: the Bot Connector allows about 7 messages/s, 60 per 30 s and 1800 per hour in one
    # conversation; one post per 0.5 s (2/s) stays under all three. Rate-limited posts are waited out (429/503).
    post_interval_seconds: float = Field(default=0.5, ge=0.0, le=60.0)
    delivery_queue_limit: int = Field(default=5000, ge=1)

    @field_validator("mentions", mode="before")
    @classmethod
    def _mentions(cls, value: object) -> object:
        """Each section one entry or a list, read as a list."""
        if value is None or not isinstance(value, Mapping):
            return {} if value is None else value  # not a mapping: pydantic says one was expected
        return {section: list(entries) if isinstance(entries, Sequence) and not isinstance(entries, str | bytes)
                else [entries] for section, entries in value.items()}

    @field_validator("report_channels", "pr_channel", "restricted_channel", "summary_channel", "audit_channel")
    @classmethod
    def _channel_ids(cls, value: str | list[str] | None) -> str | list[str] | None:
        items = [channel_id(item) for item in ([value] if isinstance(value, str) else (value or []))]
        for item in items:
            if not item or len(item) > _ID_LIMIT or ";" in item:
                raise ValueError(f"a Teams channel id (19:…@thread.tacv2, up to {_ID_LIMIT} characters, "
                                 f"without ;messageid=) was expected, got {item!r}")
        return items[0] if isinstance(value, str) else (items if value is not None else None)

    @field_validator("service_url")
    @classmethod
    def _service_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("service_url must be an http(s) URL")
        return value if value.endswith("/") else value + "/"


class TeamsCredentials(Strict):
    """The bot's Entra app registration, from TEAMS_APP_ID / TEAMS_APP_PASSWORD / TEAMS_TENANT_ID."""

    app_id: str | None = None
    app_password: SecretStr | None = None
    tenant_id: str | None = None

    @property
    def anonymous(self) -> bool:
        return not self.app_id

    def missing(self) -> list[str]:
        """Variables that must be set together with TEAMS_APP_ID."""
        if self.anonymous:
            return []
        needed = {"TEAMS_APP_PASSWORD": self.app_password, "TEAMS_TENANT_ID": self.tenant_id}
        return [name for name, value in needed.items() if not value]

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TeamsCredentials:
        return cls(app_id=environ.get("TEAMS_APP_ID") or None,
                   app_password=environ.get("TEAMS_APP_PASSWORD") or None,
                   tenant_id=environ.get("TEAMS_TENANT_ID") or None)


__all__ = ["TeamsSettings", "TeamsMention", "TeamsCredentials", "DEFAULT_SERVICE_URL"]
