"""Record files for people and adapters: timeline, incident list and report, checked against the access matrix."""

# Adapters offering the report in chat when an incident is closed call `deliverable_reports` (or
# `report_for_recipient`) and upload the returned bytes under the returned file name: the core decides who may
# receive what, the adapter only delivers.

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import to_jst
from bot.ports import Actor
from bot.records.model import REVIEW_EVENT, IncidentRecord, load_record, reporters_of
from bot.records.render_docx import render_docx
from bot.records.render_md import render_md
from bot.records.report import build_report, mismatch_items, step_headers, step_rows, suspect_file_warning
from bot.records.sentences import Describer, default_calendar, mark_suspect
from bot.records.tables import incidents_xlsx, timeline_csv, timeline_markdown, timeline_xlsx
from bot.triage.access import PermissionDenied
from bot.triage.actors import require_as
from bot.triage.core import CoreDeps, InvalidRequest, incident_ref, load_incident, record, reporter_ids, transaction
from bot.triage.export import export_json
from bot.triage.queries import IncidentQueries
from bot.triage.sanitize import storable
from storage.models import Incident, IncidentReporter

TIMELINE_FORMATS = ("md", "csv", "json", "xlsx")
REPORT_FORMATS = ("docx", "md")
LIST_FORMATS = ("xlsx",)
BINARY_FORMATS = frozenset({"xlsx", "docx"})
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_REVIEW = 4000


@dataclass(frozen=True)
class RecordFile:
    """A file ready to save or upload: name, bytes, media type and a localised description."""

    filename: str
    content: bytes
    media_type: str
    title: str
    suspect: tuple[int, ...] = ()  # timeline records the chain no longer vouches for (the file says so)
    mismatch: str = ""  # the incident's row differs from its chain: what differs (the file says so)


class RecordsDesk:
    """Builds record files for a viewer; None as the viewer is the operator (CLI with database access)."""

    def __init__(self, deps: CoreDeps, names: Mapping[str, str] | None = None) -> None:
        self.deps = deps
        self.names = dict(names or {})  # people the caller can name (the console's users): a refusal says who

    # -- access ------------------------------------------------------------------------------------------
    def _require(self, action: str, incident_id: int, user: str | None) -> None:
        """Raise PermissionDenied (recorded on the timeline) unless the user may take the action."""
        if user is None:
            return

        def check(session: Session) -> None:
            incident = load_incident(session, incident_id)
            try:
                self.deps.access.require(action, user, incident_id, restricted=incident.restricted,
                                         reporters=reporter_ids(session, incident_id))
            except PermissionDenied as denied:
                denied.name = self.names.get(user, "")  # recorded after the rollback under this name
                raise

        transaction(self.deps, check)

    def may_receive(self, incident_id: int, user: str) -> bool:
        """Whether the report of this incident may be sent to the user (restricted: reporters, PR, security)."""
        with self.deps.sessions.begin() as session:
            incident = load_incident(session, incident_id)
            return self.deps.access.allows("view_details", user, restricted=incident.restricted,
                                           reporters=reporter_ids(session, incident_id))

    # -- files -------------------------------------------------------------------------------------------
    def timeline_file(self, incident_id: int, viewer: str | None, fmt: str) -> RecordFile:
        """The timeline in md, csv (UTF-8 with BOM), json or xlsx, for someone allowed to export it."""
        if fmt not in TIMELINE_FORMATS:
            raise ValueError(f"unknown format {fmt!r} (known: {', '.join(TIMELINE_FORMATS)})")
        self._require("export", incident_id, viewer)
        return self._timeline(incident_id, viewer, fmt)

    def _timeline(self, incident_id: int, viewer: str | None, fmt: str) -> RecordFile:
        rec = load_record(self.deps, incident_id, viewer)
        view, cat = rec.view, self.deps.catalog
        if fmt == "json":
            content = export_json(view, rec.entries).encode("utf-8")
        else:
            describer = Describer.for_deps(self.deps, names=rec.names, hidden=not view.details_visible)
            lines = mark_suspect(describer.describe(rec.entries), rec.suspect, cat)
            warning = suspect_file_warning(self.deps, rec)  # the file says it, not only the command line
            # The steps' status (done, skipped, 未実施) follows the events; CSV stays one table of events.
            steps = (step_headers(self.deps), step_rows(self.deps, rec, describer,
                                                        lambda at: describer.when(at) if at else ""))
            head = rec.entries[-1].hash[:16] if rec.entries else ""
            content = (timeline_xlsx(view, lines, cat, steps, warning, rec.suspect, head, describer.calendar)
                       if fmt == "xlsx" else
                       timeline_csv(lines, cat).encode("utf-8") if fmt == "csv" else
                       timeline_markdown(view, lines, cat, warning, steps).encode("utf-8"))
        return RecordFile(f"{view.ref}-timeline.{fmt}", content, MEDIA_TYPES[fmt],
                          cat.t("records.file.timeline", ref=view.ref), rec.suspect, mismatch_items(self.deps, rec))

    def report_file(self, incident_id: int, viewer: str | None, fmt: str = "docx", *,
                    calendar: str | None = None) -> RecordFile:
        """The draft report, for someone allowed to export the incident."""
        self._require("export", incident_id, viewer)
        return self._report(load_record(self.deps, incident_id, viewer), fmt, calendar)

    def report_for_recipient(self, incident_id: int, recipient: str, fmt: str = "docx") -> RecordFile:
        """The report for one chat recipient; refused and recorded for anyone who may not see the details."""
        self._require("view_details", incident_id, recipient)
        return self._report(load_record(self.deps, incident_id, recipient), fmt, None)

    def timeline_for_recipient(self, incident_id: int, recipient: str, fmt: str = "xlsx") -> RecordFile:
        """The timeline for one chat recipient at closing; refused and recorded for anyone who may not see it."""
        self._require("view_details", incident_id, recipient)
        return self._timeline(incident_id, recipient, fmt)

    def review_version(self, incident_id: int) -> int:
        """The sequence number of the latest closing review (0: none yet); a new review is a new report."""
        entries = IncidentQueries(self.deps).timeline(incident_id, None)
        return max((e.seq for e in entries if e.type == REVIEW_EVENT), default=0)

    def deliverable_reports(self, incident_id: int, candidates: Iterable[str],
                            fmt: str = "docx") -> list[tuple[str, RecordFile]]:
        """(user, file) for each candidate allowed to receive the report (others are silently left out)."""
        allowed = [user for user in dict.fromkeys(candidates) if self.may_receive(incident_id, user)]
        return [(user, self.report_for_recipient(incident_id, user, fmt)) for user in allowed]

    def _report(self, rec: IncidentRecord, fmt: str, calendar: str | None) -> RecordFile:
        if fmt not in REPORT_FORMATS:
            raise ValueError(f"unknown format {fmt!r} (known: {', '.join(REPORT_FORMATS)})")
        report = build_report(self.deps, rec, calendar=calendar)
        content = render_docx(report) if fmt == "docx" else render_md(report).encode("utf-8")
        return RecordFile(f"{rec.view.ref}-report.{fmt}", content, MEDIA_TYPES[fmt],
                          self.deps.catalog.t("records.file.report", ref=rec.view.ref), rec.suspect,
                          mismatch_items(self.deps, rec))

    def incidents_file(self, viewer: str | None, fmt: str = "xlsx", *, open_only: bool = False,
                       now: datetime | None = None) -> RecordFile:
        """The incident list as a workbook, for the operator or someone the matrix lets export."""
        if fmt not in LIST_FORMATS:
            raise ValueError(f"unknown format {fmt!r} (known: {', '.join(LIST_FORMATS)})")
        if viewer is not None and not self.deps.access.allows("export", viewer, restricted=False):
            def refuse(session: Session) -> None:
                raise PermissionDenied("export", viewer, None)

            transaction(self.deps, refuse)
        views = IncidentQueries(self.deps).list(viewer, open_only=open_only, limit=100_000)
        stamp = now or self.deps.clock.now()
        content = incidents_xlsx(views, self.deps.catalog, self._reporter_names(),
                                 default_calendar(self.deps.catalog.locale, self.deps.profile.date_style))
        return RecordFile(f"incidents-{to_jst(stamp):%Y%m%d}.xlsx", content, MEDIA_TYPES["xlsx"],
                          self.deps.catalog.t("records.file.incidents", count=len(views)))

    def _reporter_names(self) -> dict[int, dict[str, str]]:
        """Each incident's reporter names (what the timeline shows; none once erased), read in two queries."""
        names: dict[int, dict[str, str]] = {}
        with self.deps.sessions.begin() as session:
            for incident_id, user, name in session.execute(select(Incident.id, Incident.reporter_id,
                                                                  Incident.reporter_name)):
                if name:
                    names.setdefault(incident_id, {})[user] = name
            for incident_id, user, name in session.execute(select(IncidentReporter.incident_id,
                                                                  IncidentReporter.user_id, IncidentReporter.name)):
                if name:
                    names.setdefault(incident_id, {})[user] = name
        return names

    def may_review(self, incident_id: int, user: str) -> bool:
        """Whether the user may record the closing review (the matrix's `review`: who may end the incident)."""
        with self.deps.sessions.begin() as session:
            incident = load_incident(session, incident_id)
            return self.deps.access.allows("review", user, restricted=incident.restricted,
                                           reporters=reporter_ids(session, incident_id))

    def require_review(self, incident_id: int, actor: Actor) -> None:
        """Raise PermissionDenied (recorded on the timeline, with the actor's name) unless the actor may record the
        closing review."""
        def check(session: Session) -> None:
            incident = load_incident(session, incident_id)
            require_as(self.deps.access, session, "review", actor, incident_id, restricted=incident.restricted,
                       reporters=reporter_ids(session, incident_id))

        transaction(self.deps, check)

    # -- closing review ------------------------------------------------------------------------------------
    def record_review(self, incident_id: int, actor: Actor, *, cause: str = "", prevention: str = "") -> str:
        """Record the cause and prevention asked at closing (by whoever may end the incident: resolve or close);
        returns the actor's message."""
        cause, prevention = storable(cause).strip()[:MAX_REVIEW], storable(prevention).strip()[:MAX_REVIEW]
        cat = self.deps.catalog
        if not cause and not prevention:
            raise InvalidRequest(cat.t("records.review.empty"))

        def work(session: Session) -> str:
            incident = load_incident(session, incident_id, lock=True)
            require_as(self.deps.access, session, "review", actor, incident_id, restricted=incident.restricted,
                       reporters=reporter_ids(session, incident_id))
            record(session, self.deps, incident_id, REVIEW_EVENT, actor.user_id, cause=cause, prevention=prevention)
            return cat.t("records.review.done", ref=incident_ref(incident_id))

        return transaction(self.deps, work)


def reporters(deps: CoreDeps, incident_id: int) -> list[str]:
    """The incident's reporters, for adapters choosing whom to offer the report (with the PR members)."""
    return reporters_of(deps, incident_id)
