"""Message catalogues (ja first, en selectable) loaded from bot/locales/*.yaml."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

LOCALES = ("ja", "en")


class Catalog:
    """Looks up user-facing strings by key for one locale."""

    def __init__(self, locale: str, messages: dict[str, str]) -> None:
        self.locale = locale
        self._messages = messages

    @classmethod
    def load(cls, locale: str, terms: Mapping[str, str] | None = None) -> Catalog:
        """Read the catalogue for a locale from package data; `terms` names the profile's own offices
        ({ack_by}: who acknowledges, e.g. アカウント管理者), defaulting to the catalogue's terms section."""
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r} (known: {', '.join(LOCALES)})")
        folder = Path(__file__).resolve().parent / "locales"
        messages: dict[str, str] = {}
        names: dict[str, str] = {}
        # The main file, then feature files named <feature>.<locale>.yaml (kept apart to edit independently).
        for path in (folder / f"{locale}.yaml", *sorted(folder.glob(f"*.{locale}.yaml"))):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            names.update({str(k): str(v) for k, v in (data.pop("terms", None) or {}).items()})
            for key, value in _flatten(data).items():
                if str(key) in messages:
                    raise ValueError(f"{path.name}: {key}: already defined in another catalogue file")
                messages[str(key)] = str(value)
        names.update(terms or {})
        for key, value in names.items():  # plain replacement: other {placeholders} stay for t()
            messages = {k: v.replace("{" + key + "}", value) for k, v in messages.items()}
        return cls(locale, messages)

    def keys(self) -> set[str]:
        """Every key this catalogue defines."""
        return set(self._messages)

    def t(self, key: str, **params: Any) -> str:
        """The message for key, with {name} placeholders filled (values are never re-interpreted)."""
        template = self._messages[key]
        return template.format_map(params) if params else template

    def platform_word(self, key: str, platform: str | None, **params: Any) -> str:
        """A word that differs by chat platform (key.lineworks: トークルーム), else key.default."""
        own = f"{key}.{platform}"
        return self.t(own if own in self._messages else f"{key}.default", **params)

    def label(self, group: str, value: str) -> str:
        """A label such as kind.flaming or status.resolved, falling back to the raw value."""
        return self._messages.get(f"{group}.{value}", value)

    def labels(self, group: str, values: list[str] | tuple[str, ...]) -> str:
        """Several labels as one list in the locale's way (炎上、なりすまし / Flaming, Impersonation)."""
        return listed(self.locale, [self.label(group, value) for value in values])


def listed(locale: str, items: Iterable[str]) -> str:
    """Items as one list in the locale's way (旭川市ガイドライン 7(1)エ、… / Asahikawa guideline 7(1)エ, …)."""
    return ("、" if locale == "ja" else ", ").join(items)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = value
    return flat
