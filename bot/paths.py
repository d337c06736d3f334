"""Where the bot finds its built-in data, its config and its database (one rule, documented in README.md)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path

CONFIG_ENV = "INCIDENT_BOT_CONFIG"
DEFAULT_CONFIG_NAME = "app.yaml"
DEFAULT_DB_NAME = "incident-bot.db"
EXAMPLE_CONFIG = Path(__file__).resolve().parent / "templates" / "app.example.yaml"


def builtin_playbooks_dir() -> Path:
    """The folder of the built-in playbooks, profiles and drafts (the `playbooks` package, wheel or checkout)."""
    spec = importlib.util.find_spec("playbooks")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the built-in playbooks package is not installed (reinstall sns-incident-bot)")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def config_path(given: str | None, environ: Mapping[str, str] | None = None) -> Path:
    """--config, else $INCIDENT_BOT_CONFIG, else ./app.yaml."""
    env = os.environ if environ is None else environ
    return Path(given or env.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME)


def beside(config: Path, value: str) -> Path:
    """A path from app.yaml: relative paths are taken from the folder app.yaml is in, never the cwd."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (config.resolve().parent / path).resolve()


def sqlite_url(url: str, base: Path) -> str:
    """A SQLite URL with its file path made absolute against base (other URLs unchanged)."""
    head, sep, rest = url.partition(":///")
    if not sep or not head.startswith("sqlite") or not rest or rest.startswith((":memory:", "/", "file:")):
        return url
    return f"{head}:///{(base / rest).resolve()}"


def example_config() -> str:
    """The commented example app.yaml that `incident-bot init` writes."""
    return EXAMPLE_CONFIG.read_text(encoding="utf-8")
