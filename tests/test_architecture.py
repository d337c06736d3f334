"""The core and the delivery layer import no chat SDK (checked on the source, so a lazy import counts too)."""

from __future__ import annotations

import ast
import sys
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


# -- the Slack adapter: listeners translate, one factory builds (issue 12) ------------------------------------
SLACK = ROOT / "bot" / "adapters" / "slack"
LISTENERS = sorted((SLACK / "listeners").glob("*.py"))
# A listener reaches the core only through the handler object it is given: never the core, never the built bundle.
LISTENER_FORBIDDEN = ("bot.triage", "bot.adapters.slack.app", "bot.wiring")


def _constructs(value: ast.expr) -> bool:
    """A call of a class (by the naming convention: CamelCase)."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name[:1].isupper()


def late_assignments(path: Path) -> list[str]:
    """`x.attr = …` where x was constructed (`x = SomeClass(…)`) in the same function: a part wired into another
    after both were built (two-phase construction)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[str] = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            continue
        built = {target.id for node in ast.walk(function)
                 if isinstance(node, ast.Assign) and _constructs(node.value)
                 for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(function):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
            for target in targets:
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id in built):
                    found.append(f"{path.name}:{node.lineno} {ast.unparse(target)}")
    return sorted(set(found))


@pytest.mark.parametrize("path", LISTENERS, ids=lambda p: p.name)
def test_slack_listeners_reach_the_core_only_through_their_handler(path: Path) -> None:
    bad = [name for name in imported_modules(path) if name.startswith(LISTENER_FORBIDDEN)]
    assert bad == [], f"{path.name} imports {bad}"


def test_the_listener_check_sees_core_imports(tmp_path: Path) -> None:
    sample = tmp_path / "listener.py"
    sample.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                      "    from bot.triage.service import Triage\n", encoding="utf-8")
    assert [n for n in imported_modules(sample) if n.startswith(LISTENER_FORBIDDEN)] == ["bot.triage.service"]


def fields_left_for_later(folder: Path) -> list[str]:
    """Dataclass fields of the folder's modules that the constructor does not set (`field(init=False)`)."""
    import dataclasses
    import importlib
    import inspect

    left_for_later: list[str] = []
    for path in sorted(folder.rglob("*.py")):
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for name, cls in inspect.getmembers(module, dataclasses.is_dataclass):
            if cls.__module__ == module.__name__:
                left_for_later += [f"{name}.{f.name}" for f in dataclasses.fields(cls) if not f.init]
    return left_for_later


@pytest.mark.parametrize("adapter", ["slack", "teams"])
def test_adapter_parts_are_complete_when_constructed(adapter: str) -> None:
    """No dataclass field left for later (`field(init=False)`) and no part assigned into another after both were
    built: the factory constructs each part once, in order, with what it needs (Slack, and Teams the same)."""
    if adapter == "teams":
        pytest.importorskip("microsoft_agents.hosting.core")
    folder = ROOT / "bot" / "adapters" / adapter
    assert fields_left_for_later(folder) == []
    assert [found for path in sorted(folder.rglob("*.py")) for found in late_assignments(path)] == []


def test_the_field_check_sees_fields_left_for_later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "sample_late"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "bot.py").write_text("from dataclasses import dataclass, field\n\n\n@dataclass\nclass Bot:\n"
                                    "    name: str\n    port: object = field(init=False)\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert fields_left_for_later(package) == ["Bot.port"]


def test_the_construction_check_sees_late_wiring(tmp_path: Path) -> None:
    sample = tmp_path / "app.py"
    sample.write_text("def build(a, record):\n    adapter = A(a)\n    adapter.handlers = H(adapter)\n"
                      "    record.msg = 'x'\n    self.x = 1\n", encoding="utf-8")
    assert late_assignments(sample) == ["app.py:3 adapter.handlers"]
