"""Timeline export as Markdown, CSV or JSON (times in Asia/Tokyo with dates)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from bot.clock import format_jst, to_jst
from bot.i18n import Catalog
from bot.ports import IncidentView
from bot.triage.queries import TimelineEntry

FORMATS = ("md", "csv", "json")
# Characters that turn plain text into an image, a link, code or a new table cell (HTML is made inert apart).
_MD_SPECIAL = re.compile(r"([\\`\[\]|])")


def md_cell(text: str) -> str:
    """Plain text made inert inside a Markdown table cell: no image, link, HTML tag, code or new cell or row."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def _payload(entry: TimelineEntry) -> str:
    if entry.redacted:
        return "(restricted)"
    parts = []
    if entry.old is not None or entry.new is not None:
        parts.append(f"{entry.old if entry.old is not None else '—'} → {entry.new if entry.new is not None else '—'}")
    if entry.data:
        parts.append(json.dumps(entry.data, ensure_ascii=False, sort_keys=True))
    return " ".join(parts)


def export_timeline(view: IncidentView, entries: Sequence[TimelineEntry], fmt: str, catalog: Catalog) -> str:
    """Render one incident's timeline in the requested format."""
    if fmt == "json":
        return json.dumps({
            "incident": {"id": view.id, "ref": view.ref, "kind": view.kind, "status": view.status,
                         "severity": view.severity, "restricted": view.restricted,
                         "created_at": to_jst(view.created_at).isoformat()},
            "events": [{"seq": e.seq, "at": to_jst(e.at).isoformat(), "type": e.type, "actor": e.actor,
                        "old": e.old, "new": e.new, "data": e.data, "hash": e.hash, "redacted": e.redacted}
                       for e in entries],
        }, ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["seq", "at_jst", "type", "actor", "old", "new", "data", "hash"])
        for e in entries:
            writer.writerow([e.seq, to_jst(e.at).isoformat(), e.type, e.actor,
                             "" if e.redacted else json.dumps(e.old, ensure_ascii=False),
                             "" if e.redacted else json.dumps(e.new, ensure_ascii=False),
                             "(restricted)" if e.redacted else json.dumps(e.data, ensure_ascii=False, sort_keys=True),
                             e.hash])
        return out.getvalue()
    if fmt != "md":
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    lines = [catalog.t("export.heading", ref=view.ref, kind=view.kind_label, status=view.status_label),
             "", f"| {catalog.t('export.col_time')} | {catalog.t('export.col_event')} | "
             f"{catalog.t('export.col_actor')} | {catalog.t('export.col_detail')} |", "|---|---|---|---|"]
    for e in entries:
        detail = md_cell(_payload(e))
        event = catalog.label("event", e.type)
        lines.append(f"| {format_jst(e.at, catalog.locale)} | {event} | {md_cell(e.actor)} | {detail} |")
    return "\n".join(lines) + "\n"
