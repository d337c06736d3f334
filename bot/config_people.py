"""Fields of app.yaml that name people, refusing what matches nobody: a channel or group id, a display name, an
e-mail address (each platform's events carry the person's id only)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bot import identity

if TYPE_CHECKING:
    from bot.config import FileSettings

_SLACK_CHANNEL = re.compile(r"[CGD][A-Z0-9]{6,}")  # public C…, private G…, direct message D…
_SLACK_GROUP = re.compile(r"S[A-Z0-9]{6,}")
_TEAMS_CHANNEL = re.compile(r"19:.+|.+@thread\.(?:tacv2|skype|v2)")  # channels and group chats
_SLACK_ID = re.compile(r"[A-Z0-9][A-Z0-9_]*")  # as bot/config_values.py (tests add _)


def half_width(value: str) -> str:
    """`ｓｌａｃｋ：Ｕ０…` (the IME left in full width) as `slack:U0…`: the platform, and a Slack or Teams id (ASCII
    by nature); console and LINE WORKS ids may be Japanese and are kept as written."""
    match = re.fullmatch(r"([^:：]+)([:：])(.*)", value, re.S)
    if match is None:
        return value
    head, sep, rest = match.groups()
    platform = unicodedata.normalize("NFKC", head).strip().lower()
    if platform not in identity.PLATFORMS or (head == platform and sep == ":"):
        return value
    return f"{platform}:" + (unicodedata.normalize("NFKC", rest).strip() if platform in ("slack", "teams") else rest)


def _what(platform: str, raw: str) -> tuple[str, str] | None:
    """(ja, en) saying what a non-person id is and what to write instead; None for an id that may be a person."""
    if platform == "slack" and _SLACK_CHANNEL.fullmatch(raw):
        return ("Slack のチャンネル ID（C・G・D で始まる）です。ここには職員のユーザー ID（U または W で始まる。"
                "Slack のプロフィールの「メンバー ID をコピー」）を slack:U0123ABCD の形で書いてください。",
                "is a Slack channel id (C…, G…, D…); write the person's member id (U… or W…, from the profile's "
                "'Copy member ID') as slack:U0123ABCD")
    if platform == "slack" and _SLACK_GROUP.fullmatch(raw):
        return ("Slack のユーザーグループ ID（S で始まる）です。グループの人は一人ずつの ID で照合するため、職員の"
                "ユーザー ID（U または W で始まる）を書いてください（グループへのメンションは "
                "escalation.levels[].mention と slack.pr_user_groups に書きます）。",
                "is a Slack user group id (S…); people are matched one by one: write each person's member id "
                "(U… or W…); a group goes under escalation.levels[].mention and slack.pr_user_groups")
    if platform == "slack" and not _SLACK_ID.fullmatch(raw):
        upper = raw.upper()
        if _SLACK_ID.fullmatch(upper):
            return (f"英小文字を含みます。Slack の ID は英大文字と数字です。slack:{upper} と書いてください。",
                    f"has small letters; Slack ids are capital letters and digits: write slack:{upper}")
        return ("Slack のユーザー ID ではありません（表示名・@名前・メールアドレスでは照合できません）。"
                "職員のメンバー ID（U または W で始まる。Slack のプロフィールの「メンバー ID をコピー」）を"
                " slack:U0123ABCD の形で書いてください。",
                "is no Slack user id (a display name, @name or e-mail address never matches); write the person's "
                "member id (U… or W…, from the profile's 'Copy member ID') as slack:U0123ABCD")
    if platform == "teams" and "@" in raw and not _TEAMS_CHANNEL.fullmatch(raw):
        return ("メールアドレス（UPN）です。Teams はメールアドレスでは照合できません。職員の Entra ID のオブジェクト ID"
                "（8f1c2a3b-…-… の形。Entra 管理センターのユーザーの「オブジェクト ID」）を書いてください。",
                "is an e-mail address (UPN), which Teams never matches; write the person's Entra ID object id (a "
                "GUID like 8f1c2a3b-…, the user's 'Object ID' in the Entra admin center)")
    if platform == "teams" and _TEAMS_CHANNEL.fullmatch(raw):
        return ("Teams のチャネル（またはチャット）の ID です。ここには職員の Entra ID のオブジェクト ID"
                "（8f1c2a3b-…-… の形。Entra 管理センターのユーザーの「オブジェクト ID」）を書いてください。",
                "is a Teams channel (or chat) id; write the person's Entra ID object id (a GUID like "
                "8f1c2a3b-…, the user's 'Object ID' in the Entra admin center)")
    return None


def _people(file_settings: FileSettings, source: str) -> Iterator[tuple[str, str, str, str]]:
    """(where, platform, raw id, as written) of every person app.yaml names; a bare id in access is Slack's or
    refused already (bot/config_ids.py)."""
    for name in ("pr_members", "security_officers"):
        for index, value in enumerate(getattr(file_settings.access, name)):
            platform, raw = identity.split(half_width(value))
            if platform is not None:
                yield f"{source}: access.{name}[{index}]", platform, raw, value
    for index, value in enumerate(file_settings.slack.pr_members):
        yield f"{source}: slack.pr_members[{index}]", "slack", identity.split(value)[1], value
    for platform in ("teams", "lineworks"):
        block: Any = getattr(file_settings, platform)
        if not isinstance(block, dict):
            continue
        for name in ("pr_members", "security_officers"):
            values = block.get(name)
            for index, value in enumerate(values if isinstance(values, list) else []):
                if isinstance(value, str):
                    yield f"{source}: {platform}.{name}[{index}]", platform, identity.split(value.strip())[1], value
    mentions = file_settings.teams.get("mentions") if isinstance(file_settings.teams, dict) else None
    for key, entries in (mentions.items() if isinstance(mentions, dict) else []):
        listed = entries if isinstance(entries, list) else [entries]
        for index, entry in enumerate(listed):
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                where = f"teams.mentions.{key}" + (f"[{index}]" if isinstance(entries, list) else "") + ".id"
                yield f"{source}: {where}", "teams", entry["id"].strip(), entry["id"]


def unmatchable_people(file_settings: FileSettings, source: str) -> list[str]:
    """One line per id written where a person's id belongs that can match nobody (in app.yaml's language)."""
    found = []
    for where, platform, raw, written in _people(file_settings, source):
        said = _what(platform, raw)
        if said is not None:
            ja, en = said
            found.append(f"{where}: {written!r} " + (en if file_settings.locale == "en" else f"は {ja}"))
    return found


def spaced_ids(data: Any, source: str, locale: str) -> str:
    """For `pr_members: [slack: U0123ABCD]` (a space after the colon, so YAML reads a pair, not an id): what to
    write instead, one line per such entry; empty when there is none."""
    found = []
    for block, name in (("access", "pr_members"), ("access", "security_officers"), ("teams", "pr_members"),
                        ("teams", "security_officers"), ("lineworks", "pr_members"),
                        ("lineworks", "security_officers")):
        section = data.get(block) if isinstance(data, dict) else None
        values = section.get(name) if isinstance(section, dict) else None
        for index, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, dict) and len(value) == 1:
                [(platform, raw)] = value.items()
                if platform in identity.PLATFORMS and isinstance(raw, str | int):
                    found.append(f"{source}: {block}.{name}[{index}]: " + (
                        f"'{platform}: {raw}' has a space after the colon, so YAML reads a pair; write "
                        f"{platform}:{raw} without the space" if locale == "en" else
                        f"「{platform}: {raw}」はコロンの後に空白があるため「名前: 値」の組として読まれます。"
                        f"{platform}:{raw} と空白なしで書いてください。"))
    return "\n".join(found)
