"""User ids in app.yaml, namespaced by chat platform: a Slack id never matches a Teams one (issue 13)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot import identity
from bot.config_people import half_width, unmatchable_people

if TYPE_CHECKING:
    from bot.config import FileSettings

# The shared section names people on any platform, so each id must say which; per-platform sections do not.
SHARED_FIELDS = ("pr_members", "security_officers")


def _shared_id(value: str, where: str, warnings: list[str]) -> str:
    """A shared-section id as the core sees it; a bare Slack-shaped id is read as Slack's (with a warning)."""
    value = half_width(value)
    if identity.split(value)[0] is not None:
        return value
    if identity.SLACK_USER_ID.fullmatch(value):
        qualified = identity.qualify("slack", value)
        warnings.append(
            f"{where}: {value!r} にプラットフォームがないため、Slack のユーザー ID（{qualified}）として扱います。"
            f"{qualified!r} と書いてください / {value!r} names no platform and is read as the Slack user "
            f"{qualified}; write {qualified!r}")
        return qualified
    from bot.config import ConfigError  # at call time: bot.config imports this module

    raise ConfigError(
        f"{where}: {value!r} がどのチャットのユーザー ID か分かりません。先頭にプラットフォームを付けてください"
        f"（slack:U0123ABCD、teams:<Entra ID のオブジェクト ID>、lineworks:<ユーザー ID>、console:console-pr）。"
        f"プラットフォームをまたいで照合することはありません。\n"
        f"{where}: {value!r}: which chat platform's user is this? Prefix it with its platform (slack:…, teams:…, "
        f"lineworks:…, console:…); ids are never matched across platforms")


def _platform_id(platform: str, value: str, where: str) -> str:
    """A per-platform section's id, namespaced with that platform; another platform's prefix is a mistake."""
    owner, _ = identity.split(value)
    if owner not in (None, platform):
        from bot.config import ConfigError

        raise ConfigError(
            f"{where}: {value!r} は {owner} のユーザー ID です。{platform} の項目には {platform} の ID だけを書いて"
            f"ください（ほかのプラットフォームの人は access に書きます）。\n"
            f"{where}: {value!r} is a {owner} user id; this {platform} field takes {platform} ids only (put "
            f"people of other platforms under access)")
    return identity.qualify(platform, value)


def _twice(values: Iterable[tuple[str, str]], locale: str) -> str | None:
    """The first (where, id) whose id an earlier entry already gave, said in the file's language; else None."""
    seen: dict[str, str] = {}
    for where, value in values:
        if value in seen:
            if locale == "en":
                return (f"{where}: {value!r} is the same id as {seen[value]}; remove the duplicate (one person is "
                        f"listed once)")
            return (f"{where}: {value!r} は {seen[value]} と同じ ID です。重複している方を削除してください"
                    f"（一人は一度だけ書きます）。")
        seen[value] = where
    return None


def _platform_list(block: Any, platform: str, name: str, source: str) -> list[tuple[str, str]]:
    """A platform block's people list as (where, namespaced id); anything not a list of text is the adapter's to
    refuse when it validates its own block."""
    values = block.get(name) if isinstance(block, dict) else None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return []
    return [(f"{source}: {platform}.{name}[{i}]", identity.qualify(platform, v.strip())) for i, v in enumerate(values)]


def refuse_duplicates(file_settings: FileSettings, source: str) -> None:
    """Each people list names a person once: a repeat is a copy-and-paste slip, and two console users with one id
    would act as one person."""
    lists = [[(f"{source}: access.{name}[{i}]", v) for i, v in enumerate(getattr(file_settings.access, name))]
             for name in SHARED_FIELDS]
    lists += [[(f"{source}: slack.{name}[{i}]", identity.qualify("slack", v))
               for i, v in enumerate(getattr(file_settings.slack, name))] for name in ("pr_members", "pr_user_groups")]
    lists += [_platform_list(getattr(file_settings, platform), platform, name, source)
              for platform in ("teams", "lineworks") for name in SHARED_FIELDS]
    lists.append([(f"{source}: console.users.{key}.id", user.id) for key, user in file_settings.console.users.items()])
    for entries in lists:
        problem = _twice(entries, file_settings.locale)
        if problem:
            from bot.config import ConfigError

            raise ConfigError(problem)


def namespace_user_ids(file_settings: FileSettings, source: str) -> tuple[FileSettings, tuple[str, ...]]:
    """app.yaml's user ids namespaced (access: as written, or Slack-shaped with a warning; slack: slack's own),
    and the start-up warnings; ConfigError for an id whose platform cannot be told."""
    if any(not value for name in SHARED_FIELDS for value in getattr(file_settings.access, name)):
        from bot.config import ConfigError

        raise ConfigError(f"{source}: access: 空のユーザー ID があります / an empty user id")
    warnings: list[str] = []
    access = {name: [_shared_id(value, f"{source}: access.{name}[{index}]", warnings)
                     for index, value in enumerate(getattr(file_settings.access, name))]
              for name in SHARED_FIELDS}
    slack_members = [_platform_id("slack", value, f"{source}: slack.pr_members[{index}]")
                     for index, value in enumerate(file_settings.slack.pr_members)]
    updated = file_settings.model_copy(update={
        "access": file_settings.access.model_copy(update=access),
        "slack": file_settings.slack.model_copy(update={"pr_members": slack_members}),
    })
    misplaced = unmatchable_people(file_settings, source)  # as written, before namespacing
    if misplaced:
        from bot.config import ConfigError

        raise ConfigError("\n".join(misplaced))
    refuse_duplicates(updated, source)
    return updated, tuple(warnings)
