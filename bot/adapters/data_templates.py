"""Data kept as a template in bot/templates (the app manifests): values go in as JSON, the text is parsed back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def render_data(name: str, **values: Any) -> Any:
    """The template `name` rendered with `values` and parsed (JSON for *.json.j2, else YAML)."""
    # Autoescape stays on (HTML escaping never reaches a value: each goes through `tojson`, whose output is safe).
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    text = environment.get_template(name).render(**values)
    return json.loads(text) if name.endswith(".json.j2") else yaml.safe_load(text)
