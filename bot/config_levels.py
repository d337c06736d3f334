"""An escalation chain written in an odd shape, rewritten as the shape app.yaml takes: the example a refusal shows."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

_FIELDS = ("section", "after_minutes", "mention")
# What people write for after_minutes (after: 60, 待ち時間: 60分 …).
_MINUTE_KEYS = ("after_minutes", "after_minute", "after", "minutes", "minute", "wait", "wait_minutes", "待ち時間", "分")
_MENTION_KEYS = ("mention", "mentions", "メンション")
_SECTION_KEYS = ("section", "sections", "部署")
# Shape mistakes; a wrong value in the right shape (after_minutes: 0) needs no example.
_SHAPES = {"extra_forbidden", "missing", "model_type", "model_attributes_type", "list_type", "dict_type",
           "string_type"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(分|min|minutes?|時間|h|hours?)?")


def _minutes(value: Any) -> int | None:
    """Minutes from 60, "60分", "1時間", "1.5h"; None when it names no duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    match = _DURATION.fullmatch(unicodedata.normalize("NFKC", str(value)).strip().lower())
    if not match:
        return None
    number = float(match.group(1)) * (60 if match.group(2) in ("時間", "h", "hour", "hours") else 1)
    return int(number) if number.is_integer() else None


def _level(item: Any) -> list[dict[str, Any]]:
    """The levels one written item means: a mapping with odd keys, `{総務課長: 60}`, `"pr_head 60分"`, or a list
    of sections (one level each)."""
    if isinstance(item, str):
        words = unicodedata.normalize("NFKC", item).replace(",", " ").replace(":", " ").split()
        wait = next((_minutes(word) for word in words[1:] if _minutes(word) is not None), None)
        return [{"section": words[0], "after_minutes": wait}] if words else []
    if not isinstance(item, Mapping):
        return []
    found: dict[str, Any] = {}
    for key, value in item.items():
        name = unicodedata.normalize("NFKC", str(key)).strip().lower()
        if name in _SECTION_KEYS:
            found["section"] = value
        elif name in _MINUTE_KEYS:
            found["after_minutes"] = _minutes(value)
        elif name in _MENTION_KEYS:
            found["mention"] = value
        elif "section" not in found and len(item) == 1:  # - 総務課長: 60
            found.update(section=str(key), after_minutes=_minutes(value))
    sections = found.get("section")
    if isinstance(sections, list):
        return [{**found, "section": str(one)} for one in sections]
    return [found] if found else []


def _levels(written: Any) -> list[dict[str, Any]]:
    """Every level the written chain means, in order; a item with no section adds to the level before it."""
    if isinstance(written, Mapping):
        items: list[Any] = ([written] if any(str(k) in _SECTION_KEYS for k in written)
                            else [{key: value} for key, value in written.items()])
    elif isinstance(written, list):
        items = written
    else:
        items = [written] if written else []
    levels: list[dict[str, Any]] = []
    for item in items:
        for level in _level(item):
            if "section" not in level and levels:
                levels[-1].update({k: v for k, v in level.items() if v is not None})
            elif "section" in level:
                levels.append(level)
    return levels


def _key(written: str, sections: Mapping[str, tuple[str, ...]]) -> str:
    """The section key for a section written by its name (総務課長 → pr_head), else as written."""
    wanted = unicodedata.normalize("NFKC", written).strip().casefold()
    return next((key for key, names in sections.items() if wanted in names), written)


def _sections(data: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Section key → its names in the profile app.yaml selects, read as far as it can be; {} when it cannot."""
    from bot.paths import builtin_playbooks_dir  # at call time: only a refusal needs the profiles
    from bot.triage.profiles import ProfileError, load_profiles, profile_from_dict

    try:
        profiles = load_profiles(builtin_playbooks_dir() / "profiles")
        for pid, custom in (data.get("custom_profiles") or {}).items():
            profiles[pid] = profile_from_dict({"id": pid, **custom}, profiles, "custom_profiles")
        profile = profiles[str(data.get("profile") or "asahikawa")]
    except (ProfileError, KeyError, TypeError, ValueError, AttributeError, OSError):
        return {}
    return {key: tuple(unicodedata.normalize("NFKC", profile.section_name(key, lang)).casefold()
                       for lang in ("ja", "en")) for key in profile.sections}


def example(data: Mapping[str, Any], error: ValidationError, source: str, locale: str) -> str | None:
    """For a chain refused for its shape, the escalation block rewritten from what was written, or None."""
    level_keys = ("levels", *_MINUTE_KEYS, *_MENTION_KEYS, *_SECTION_KEYS)  # a level's, or one written beside them
    shapes = [e for e in error.errors() if e["type"] in _SHAPES and tuple(e["loc"])[:1] == ("escalation",)
              and len(e["loc"]) > 1 and str(e["loc"][1]) in level_keys]
    block = data.get("escalation")
    if not shapes or not isinstance(block, Mapping):
        return None
    levels = _levels(block.get("levels"))
    stray = {field: block[key] for key in block for field in ("after_minutes", "mention")
             if str(key) in (_MINUTE_KEYS if field == "after_minutes" else _MENTION_KEYS)}
    if stray and levels:  # after_minutes written beside levels: instead of under the last level
        levels[-1].update({k: _minutes(v) if k == "after_minutes" else v for k, v in stray.items()})
    if not levels:
        levels = [{"section": "pr_section", "after_minutes": 30}]
    sections = _sections(data)
    lines = ["  escalation:", "    levels:"]
    for level in levels:
        lines.append(f"      - section: {_key(str(level['section']), sections)}")
        lines += [f"        {field}: {level[field]}" for field in _FIELDS[1:] if level.get(field) is not None]
    shown = "\n".join(lines)
    if locale == "en":
        return (f"{source}: escalation.levels: write each level as '- section: KEY' with 'after_minutes: MINUTES' "
                f"(and mention) lined up under it; what you wrote reads as follows (check it, then write it so):\n"
                f"{shown}")
    return (f"{source}: escalation.levels: 段階は一つずつ「- section: 部署のキー」と書き、その下にそろえて"
            f"「after_minutes: 分の数」（と mention）を書きます。書かれた内容は次のように読めます"
            f"（確かめてから、この形で書き直してください）:\n{shown}")
