"""Timeline export: readable Markdown and CSV (one sentence per event, Asia/Tokyo dates), JSON for machines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.clock import to_jst
from bot.i18n import Catalog
from bot.ports import IncidentView
from bot.triage.queries import TimelineEntry

if TYPE_CHECKING:
    from bot.triage.core import CoreDeps

FORMATS = ("md", "csv", "json")  # text formats; .xlsx comes from bot/records/service.py


def export_json(view: IncidentView, entries: Sequence[TimelineEntry]) -> str:
    """The machine format: raw types and values, times as ISO 8601 in Asia/Tokyo."""
    return json.dumps({
        "incident": {"id": view.id, "ref": view.ref, "kind": view.kind, "status": view.status,
                     "severity": view.severity, "restricted": view.restricted,
                     "created_at": to_jst(view.created_at).isoformat()},
        "events": [{"seq": e.seq, "at": to_jst(e.at).isoformat(), "type": e.type, "actor": e.actor,
                    "old": e.old, "new": e.new, "data": e.data, "hash": e.hash, "redacted": e.redacted}
                   for e in entries],
    }, ensure_ascii=False, indent=2)


def export_timeline(view: IncidentView, entries: Sequence[TimelineEntry], fmt: str, catalog: Catalog, *,
                    deps: CoreDeps | None = None, names: dict[str, str] | None = None) -> str:
    """One incident's timeline as text (CSV starts with a BOM: write it as UTF-8)."""
    # deps brings the profile (section names, clauses), playbooks (step titles), roles and reporter names;
    # without it the sentences name sections, steps and people by their ids.
    if fmt == "json":
        return export_json(view, entries)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    from bot.records.model import reporter_names
    from bot.records.sentences import Describer
    from bot.records.tables import timeline_csv, timeline_markdown

    if deps is not None and names is None and view.details_visible:
        names = reporter_names(deps, view.id)
    describer = Describer.for_deps(deps, names=names) if deps is not None else Describer.bare(catalog)
    lines = describer.describe(entries)
    return timeline_csv(lines, catalog) if fmt == "csv" else timeline_markdown(view, lines, catalog)
