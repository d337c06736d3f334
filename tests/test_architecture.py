"""The core and the delivery layer import no chat SDK (checked on the source, so a lazy import counts too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_FREE = ("bot/triage", "bot/delivery", "bot/ports.py", "bot/presenting.py")
CHAT_SDKS = ("slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp", "botbuilder", "bot.adapters")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def sources() -> list[Path]:
    files: list[Path] = []
    for entry in PLATFORM_FREE:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_chat_sdk_in_core_or_delivery(path: Path) -> None:
    bad = [name for name in imported_modules(path) if name.split(".")[0] in CHAT_SDKS or name.startswith(CHAT_SDKS)]
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_the_check_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from slack_sdk import WebClient\n", encoding="utf-8")
    assert imported_modules(sample) == ["slack_sdk"]


def test_the_delivery_layer_is_checked() -> None:
    assert any("bot/delivery" in str(path) for path in sources())


# The composition roots: they choose which adapter a command runs (bot/main.py, and the summary command's Slack
# poster). Every other module outside bot/adapters, config and check included, reads no adapter module.
COMPOSITION_ROOTS = ("bot/main.py", "bot/summary_cli.py")


def core_modules() -> list[Path]:
    return [path for path in sorted((ROOT / "bot").rglob("*.py"))
            if "adapters" not in path.relative_to(ROOT / "bot").parts[:1]
            and str(path.relative_to(ROOT)) not in COMPOSITION_ROOTS]


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_adapter_module_outside_the_adapters(path: Path) -> None:
    bad = [name for name in imported_modules(path) if name == "bot.adapters" or name.startswith("bot.adapters.")]
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_config_and_check_are_checked_for_adapter_imports() -> None:
    checked = {str(path.relative_to(ROOT)) for path in core_modules()}
    assert {"bot/config.py", "bot/wiring.py", "bot/checks.py", "bot/check_cli.py"} <= checked
    assert not any(name.startswith("bot/adapters/") for name in checked)
