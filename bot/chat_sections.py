"""What every chat platform's section of app.yaml holds in common, and how a section is read (no adapter import).

`bot/config.py` keeps each platform's block as a plain mapping; the adapter validates its own block at start-up
with a subclass of `ChatSection` (forbidding unknown fields), and the core reads the shared fields through
`ChatSection` itself (e.g. `incident-bot check`), so neither config nor the core imports an adapter.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.config import Settings
from bot.triage.validation_text import describe_errors


class Strict(BaseModel):
    """A settings model that refuses unknown fields and cannot change once read (credentials, entries)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ChatSection(BaseModel):
    """Channels and people every platform's section names; fields only one platform knows are ignored here."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    report_channels: list[str] = Field(default_factory=list)
    pr_channel: str | None = None
    restricted_channel: str | None = None
    summary_channel: str | None = None
    pr_members: list[str] = Field(default_factory=list)
    security_officers: list[str] = Field(default_factory=list)

    def in_use(self) -> bool:
        """Whether this platform has channels set up (then escalations must reach someone)."""
        return bool(self.pr_channel or self.report_channels)


S = TypeVar("S", bound=ChatSection)


class SectionError(ValueError):
    """A platform's section is invalid; the message names file and field (ja + en where the model gave both)."""


def mentioned_sections(settings: Settings, name: str) -> frozenset[str]:
    """Escalation sections the platform's block names its own mentions for (`mentions:`, Teams only today)."""
    value: Any = getattr(settings.file, name, None) or {}
    mentions = value.get("mentions") if isinstance(value, dict) else getattr(value, "mentions", None)
    return frozenset(str(key) for key in mentions) if isinstance(mentions, dict) else frozenset()


def platform_people(settings: Settings, names: tuple[str, ...] = ("teams", "lineworks")) -> tuple[frozenset[str],
                                                                                                frozenset[str]]:
    """(PR members, security officers) the platform blocks name, namespaced with their platform: the adapters add
    them to the core they run, and the CLI (records exported with --as) must know them too."""
    from bot.triage.platform_access import configured  # at call time: keeps this module free of the core's imports

    pr: set[str] = set()
    security: set[str] = set()
    for name in names:
        try:
            section = read_section(settings, name, ChatSection)
        except SectionError as exc:
            from bot.config import ConfigError

            raise ConfigError(str(exc)) from None
        pr |= configured(name, section.pr_members)
        security |= configured(name, section.security_officers)
    return frozenset(pr), frozenset(security)


def read_section(settings: Settings, name: str, model: type[S]) -> S:
    """The `name:` block of app.yaml validated by `model`; SectionError naming `file: name.field: problem`."""
    value = getattr(settings.file, name, None) or {}
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value.model_dump() if isinstance(value, BaseModel) else value)
    except ValidationError as exc:
        # The same wording as the rest of app.yaml (bot/triage/validation_text.py), in the file's locale.
        problems = "; ".join(f"{settings.source}: {name}.{line}"
                             for line in describe_errors(exc, getattr(settings.file, "locale", "ja"), model))
        raise SectionError(problems) from None


__all__ = ["ChatSection", "SectionError", "mentioned_sections", "platform_people", "read_section"]
