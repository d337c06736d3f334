"""Message catalogues: ja and en define the same keys, and every key the code uses exists."""

from __future__ import annotations

import re

import yaml

from bot.i18n import Catalog
from tests.conftest import REPO


def test_locales_have_the_same_keys() -> None:
    ja, en = Catalog.load("ja"), Catalog.load("en")
    assert ja.keys() == en.keys(), sorted(ja.keys() ^ en.keys())


def test_no_duplicate_keys_in_yaml() -> None:
    class Strict(yaml.SafeLoader):
        pass

    def construct(loader: Strict, node: yaml.MappingNode, deep: bool = False) -> dict:  # type: ignore[type-arg]
        keys = [loader.construct_object(k) for k, _ in node.value]
        duplicates = {k for k in keys if keys.count(k) > 1}
        assert not duplicates, f"duplicate keys {duplicates} at line {node.start_mark.line + 1}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct)
    for locale in ("ja", "en"):
        yaml.load((REPO / "bot" / "locales" / f"{locale}.yaml").read_text(encoding="utf-8"), Loader=Strict)


def test_every_key_used_in_code_exists() -> None:
    keys = Catalog.load("ja").keys()
    used = set()
    for path in (REPO / "bot").rglob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    missing = sorted(used - keys)
    assert used and not missing, missing
