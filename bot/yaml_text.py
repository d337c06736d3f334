"""app.yaml's YAML: the safe loader, except that 9:00 and 17:30 stay clock times instead of base-60 numbers."""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
# PyYAML's YAML 1.1 patterns without their base-60 forms (YAML 1.2 dropped them): unquoted `time: 17:30` would
# otherwise load as the number 1050, which a time field reads as 00:17:30.
_INT_PATTERN = r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$"""
_FLOAT_PATTERN = r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$"""


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    """The safe loader with base-60 numbers read as text (built on first use, not at import)."""

    class ClockLoader(yaml.SafeLoader):
        """yaml.SafeLoader whose int and float resolvers know no base-60 form."""

    ClockLoader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag not in (_INT, _FLOAT)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    ClockLoader.add_implicit_resolver(_INT, re.compile(_INT_PATTERN, re.X), list("-+0123456789"))
    ClockLoader.add_implicit_resolver(_FLOAT, re.compile(_FLOAT_PATTERN, re.X), list("-+0123456789."))
    return ClockLoader


# `pr_channel: #koho` or `- #koho`: YAML reads everything from " #" as a comment, so the value is silently null.
_COMMENTED_VALUE = re.compile(r"^\s*(?:-\s+)*(?:([A-Za-z_]\w*)\s*:\s+|-\s+)(#[^\s#]\S*)(?:\s.*)?$")


def commented_values(text: str) -> list[tuple[int, str, str]]:
    """(line number, key or "-", what was written) for each channel field or list item whose whole value YAML
    reads as a comment because it starts with #."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _COMMENTED_VALUE.match(line)
        if match and (match.group(1) is None or match.group(1).endswith(("channel", "channels"))):
            found.append((number, match.group(1) or "-", match.group(2)))
    return found


def trimmed(value: Any) -> Any:
    """Every text value and key with the spaces around it removed: a full-width space an IME leaves after
    `slack:U0123ABCD　` is invisible, is not trimmed by YAML, and makes an id that matches nobody."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [trimmed(item) for item in value]
    if isinstance(value, dict):
        return {trimmed(key): trimmed(item) for key, item in value.items()}
    return value


def load(text: str) -> Any:
    """One YAML document, as yaml.safe_load reads it except for base-60 numbers (YAMLError on bad YAML)."""
    loader = _loader()(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
