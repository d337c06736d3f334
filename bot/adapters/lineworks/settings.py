"""LINE WORKS settings (a `lineworks:` block of app.yaml) and credentials (environment only).

Plain pydantic, no HTTP or JWT import; the shared fields come from bot/chat_sections.py, which the core reads
without this module. The block's shape:

    lineworks:
      report_channels: ["<channelId>", ...]   # talk rooms whose messages are reports
      pr_channel: "<channelId>"               # first notices and escalations
      restricted_channel: "<channelId>"       # notices of restricted (leak) incidents, when set
      summary_channel: "<channelId>"          # the weekly summary and the daily audit
      pr_members: ["<userId>", ...]           # LINE WORKS user ids of the PR section
      security_officers: ["<userId>", ...]
      callback_path: /lineworks/callback

A 1:1 chat with the bot needs no configuration: its messages are reports too, and the playbook runs there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import ConfigDict, SecretStr, field_validator

from bot.chat_sections import ChatSection, Strict

DEFAULT_API_URL = "https://www.worksapis.com/v1.0"
DEFAULT_AUTH_URL = "https://auth.worksmobile.com/oauth2/v2.0"
# `bot` covers sending and bot.read; `user.read` gives display names. Both must be granted to the app.
DEFAULT_SCOPE = "bot user.read"
_ID_LIMIT = 120  # the platform_refs columns the ids are stored in
_ID = re.compile(r"^[A-Za-z0-9@._:\-]+$")

# The environment variables read; each sets the credential field named by its lower-cased tail
# (LW_BOT_SECRET -> bot_secret).
ENV = ("LW_BOT_ID", "LW_BOT_SECRET", "LW_CLIENT_ID", "LW_CLIENT_SECRET", "LW_SERVICE_ACCOUNT",
       "LW_PRIVATE_KEY_FILE", "LW_API_URL", "LW_AUTH_URL", "LW_SCOPE")
REQUIRED = ("LW_BOT_ID", "LW_BOT_SECRET", "LW_CLIENT_ID", "LW_CLIENT_SECRET", "LW_SERVICE_ACCOUNT",
            "LW_PRIVATE_KEY_FILE")


def env_field(name: str) -> str:
    """The credential field an LW_* variable sets."""
    return name.removeprefix("LW_").lower()


_WHAT_JA = {"channel": "チャンネル ID", "user": "ユーザー ID"}


def _check_id(value: str, what: str) -> str:
    if not value or len(value) > _ID_LIMIT or not _ID.match(value):
        raise ValueError(f"LINE WORKS の{_WHAT_JA[what]}（英数字と @ . _ : -、{_ID_LIMIT} 文字まで）を指定してください"
                         f"（指定された値: {value!r}）/ a LINE WORKS {what} id (letters, digits, @ . _ : -, up to "
                         f"{_ID_LIMIT} characters) was expected, got {value!r}")
    head, sep, _ = value.partition(":")
    if what == "user" and sep and head in ("slack", "teams", "console"):
        raise ValueError(f"{value!r} は {head} のユーザー ID です。LINE WORKS のユーザー ID（lineworks:<ID>）を指定して"
                         f"ください / {value!r} is a {head} user id, not a LINE WORKS one")
    return value


class LineWorksSettings(ChatSection):
    """Where the bot listens and posts in LINE WORKS, and who belongs to the PR section."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    callback_path: str = "/lineworks/callback"

    @field_validator("report_channels", "pr_channel", "restricted_channel", "summary_channel")
    @classmethod
    def _channels(cls, value: str | list[str] | None) -> str | list[str] | None:
        for item in [value] if isinstance(value, str) else (value or []):
            _check_id(item, "channel")
        return value

    @field_validator("pr_members", "security_officers")
    @classmethod
    def _users(cls, value: list[str]) -> list[str]:
        for item in value:
            _check_id(item, "user")
        return value

    @field_validator("callback_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not re.fullmatch(r"/[A-Za-z0-9_\-/]{0,100}", value):
            raise ValueError("callback_path is a URL path such as /lineworks/callback")
        return value


class LineWorksCredentials(Strict):
    """The bot and the Developer Console app (service account), from LW_* environment variables."""

    bot_id: str | None = None
    bot_secret: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    service_account: str | None = None
    private_key_file: Path | None = None
    # Overrides for tests (a local LINE WORKS-compatible server) and for the scope the app was granted.
    api_url: str = DEFAULT_API_URL
    auth_url: str = DEFAULT_AUTH_URL
    scope: str = DEFAULT_SCOPE

    @field_validator("api_url", "auth_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"http:// または https:// で始まる URL を指定してください（指定された値: {value!r}）"
                             f"/ must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("bot_id")
    @classmethod
    def _bot_id(cls, value: str | None) -> str | None:
        if value is not None and not value.isdigit():
            raise ValueError(f"Developer Console の Bot ID（数字）を指定してください（指定された値: {value!r}）"
                             f"/ LW_BOT_ID is the bot's number from the Developer Console, got {value!r}")
        return value

    def missing(self) -> list[str]:
        """Required variables that are not set, by name."""
        return [name for name in REQUIRED if not getattr(self, env_field(name))]

    def private_key(self) -> str:
        """The service account's private key (PEM); ValueError naming the variable when unreadable."""
        if self.private_key_file is None:
            raise ValueError("LW_PRIVATE_KEY_FILE is not set")
        try:
            text = self.private_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise ValueError(f"LW_PRIVATE_KEY_FILE: {self.private_key_file} を読み込めません（ファイルの場所と"
                             f"読み取り権限を確認してください）/ cannot read {self.private_key_file}: {why}") from None
        if "PRIVATE KEY-----" not in text:
            raise ValueError(f"LW_PRIVATE_KEY_FILE: {self.private_key_file} は Private Key（PEM 形式）の"
                             "ファイルではありません。Developer Console の Service Account の「発行/再発行」で"
                             "ダウンロードし直してください / "
                             f"{self.private_key_file} is not a PEM private key (download it again from the Developer "
                             "Console)")
        return text

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LineWorksCredentials:
        """Read the LW_* variables; empty ones count as unset (ValidationError names the field)."""
        values = {env_field(name): environ[name] for name in ENV if environ.get(name)}
        return cls.model_validate(values)


__all__ = ["LineWorksSettings", "LineWorksCredentials", "ENV", "env_field", "REQUIRED", "DEFAULT_API_URL",
           "DEFAULT_AUTH_URL", "DEFAULT_SCOPE"]
