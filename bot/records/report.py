"""The draft 「SNSトラブル対応報告書」 of one incident as a neutral document model, built from its timeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_jst
from bot.i18n import Catalog
from bot.records.model import IncidentRecord
from bot.records.sentences import (
    Describer,
    Line,
    default_calendar,
    format_when,
    mark_suspect,
    platform_label,
    step_sources,
)
from bot.triage.classifier_intake import EXAMPLE_EVENT
from bot.triage.core import CoreDeps
from bot.wareki import wareki_date

CALENDARS = ("wareki", "western")
NOT_TAKEN = "—"  # the date and actor cells of a step nobody took up


@dataclass(frozen=True)
class Table:
    """A table with a header row; widths are relative."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


@dataclass(frozen=True)
class Document:
    """A document issued during the response (a playbook draft)."""

    title: str
    note: str
    text: str


@dataclass(frozen=True)
class Section:
    """A numbered section of the report; blank means its text is a marker to fill in."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None
    documents: tuple[Document, ...] = ()
    blank: bool = False


@dataclass(frozen=True)
class Report:
    """The whole report, ready for a renderer."""

    ref: str
    title: str
    date: str
    addressee: str
    author: str
    intro: str
    ki: str
    sections: tuple[Section, ...]
    end: str
    provenance: str
    lines: tuple[Line, ...]  # the timeline the 経緯 table was made from, event for event
    warning: str = ""  # the chain does not vouch for these records: said on top
    made: datetime | None = None  # the file's 作成日時 (Word shows its template's 2013 otherwise)
    locale: str = "ja"
    mark: str = ""  # a restricted incident's 【取扱注意】, in the header of every page


def addressee_sections(deps: CoreDeps) -> list[str]:
    """Whom the report goes to: every section the guideline says trouble is reported to (first_report_to, cited by
    first_report_clauses: いわき市 第7 アカウント管理者 for every kind, 浦臼町 5(3) 所属課局長及び総務課)."""
    return list(deps.profile.first_report_to)


def addressee_name(deps: CoreDeps, locale: str) -> str:
    """The addressees' names as the report's heading line joins them (所属課局長及び総務課)."""
    names = [deps.profile.section_name(key, locale) for key in addressee_sections(deps)]
    return " and the ".join(names) if locale == "en" else "及び".join(names)


def build_report(deps: CoreDeps, record: IncidentRecord, *, calendar: str | None = None,
                 now: datetime | None = None) -> Report:
    """The report of an incident as the record's viewer may see it."""
    cat, profile, view = deps.catalog, deps.profile, record.view
    locale = cat.locale
    calendar = calendar or default_calendar(locale, profile.date_style)
    now = now or deps.clock.now()
    describer = Describer(cat, profile, deps.library, deps.access, names=record.names, calendar=calendar,
                          hidden=not view.details_visible, withhold_text=view.restricted)
    lines = tuple(mark_suspect(describer.describe(record.entries), record.suspect, cat))
    blank = cat.t("records.report.blank")

    def when(value: datetime | None) -> str:
        return format_when(value, locale, calendar) if value is not None else blank

    def heading(key: str) -> str:
        return cat.t(f"records.report.heading.{key}")

    reporters = ("、" if locale == "ja" else ", ").join(describer.actor(r) for r in view.reporters) or view.reporter_id
    sections = [
        Section(heading("subject"), (cat.t("records.report.subject", kind=view.kind_label, ref=view.ref),)),
        Section(heading("when"), (cat.t("records.report.occurred", when=blank),
                                  cat.t("records.report.noticed", when=when(view.created_at), who=reporters))),
        Section(heading("kind"), (cat.t("records.report.kind_line", kind=view.kind_label,
                                        severity=view.severity_label),)
                + ((cat.t("records.report.restricted_line"),) if view.restricted else ())),
        Section(heading("summary"), _summary(deps, record)),
        Section(heading("history"), table=Table(
            (cat.t("records.report.col_when"), cat.t("records.report.col_actor"),
             cat.t("records.report.col_content")),
            # The classifier's labelled examples are its bookkeeping, not the response: the timeline keeps them.
            tuple((line.when, line.actor, _history_text(cat, view.restricted, line)) for line in lines
                  if line.type != EXAMPLE_EVENT),
            (4.3, 2.7, 9.0))),
        _notices(deps, lines),
        _actions(deps, record, describer, when),
        _documents(deps, record),
        _free_text(heading("cause"), record.cause, blank),
        _free_text(heading("prevention"), record.prevention, blank),
    ]
    if record.erased_at is not None:
        counts = {"fields": 0, "reporters": 0, "names": 0, "step_states": 0, "timeline_events": 0,
                  **(record.erasure or {})}
        sections.append(Section(heading("erasure"), (cat.t("records.report.erasure_text",
                                                          when=when(record.erased_at), **counts),)))
    local_now = to_jst(now)
    if locale != "ja":
        date = f"{local_now:%Y-%m-%d}"
    else:
        western = f"{local_now.year}年{local_now.month}月{local_now.day}日"
        date = wareki_date(local_now) if calendar == "wareki" else western
    head = record.entries[-1].hash[:16] if record.entries else "—"
    return Report(
        ref=view.ref,
        # A leak's report is printed and filed: marked on top like its internal report draft.
        title=(cat.t("records.report.restricted_mark") if view.restricted else "")
        + cat.t("records.report.title") + cat.t("records.report.draft"),
        date=date,
        addressee=cat.t("records.report.addressee", name=addressee_name(deps, locale)),
        author=cat.t("records.report.author", municipality=profile.name_for(locale),
                     department=view.department or cat.t("records.report.department_blank")),
        intro=cat.t("records.report.intro"),
        ki=cat.t("records.report.ki"),
        sections=tuple(sections),
        end=cat.t("records.report.end"),
        provenance=cat.t("records.report.provenance", ref=view.ref, count=len(record.entries), head=head,
                         now=format_when(now, locale, calendar)),
        lines=lines,
        warning=suspect_warning(deps, record),
        made=now,
        locale=locale,
        mark=cat.t("records.report.restricted_mark").strip() if view.restricted else "",
    )


def _history_text(cat: Catalog, restricted: bool, line: Line) -> str:
    """A line of 経緯; a leak's notes and follow-ups are not copied (free text, as likely as the report to hold what
    leaked)."""
    if not restricted or line.type not in ("note", "followup") or line.erased:
        return line.text
    mark = cat.t("records.tampered_row")
    return (mark if line.text.startswith(mark) else "") + cat.t(f"records.report.{line.type}_not_copied",
                                                                who=line.actor)


def suspect_warning(deps: CoreDeps, record: IncidentRecord, key: str = "records.report.tampered") -> str:
    """The warning a file made from records the chain no longer vouches for carries ("" when sound)."""
    cat = deps.catalog
    mismatch = cat.t("records.mismatch.lead", items=mismatch_items(deps, record)) if record.mismatch else ""
    if not record.suspect:
        return mismatch
    warning = cat.t(key, seqs=", ".join(str(seq) for seq in record.suspect), mark=cat.t("records.tampered_row").strip())
    present = {entry.seq for entry in record.entries}
    missing = [str(seq) for seq in record.suspect if seq not in present]  # no row to mark: say so apart
    return warning + (cat.t("records.missing_rows", seqs=", ".join(missing)) if missing else "") + mismatch


def mismatch_items(deps: CoreDeps, record: IncidentRecord) -> str:
    """The row's differences from the chain, one list (「重大度「低」（タイムラインの記録では「高」）、…」)."""
    return deps.catalog.t("records.answer_separator").join(record.mismatch)


def suspect_file_warning(deps: CoreDeps, record: IncidentRecord) -> str:
    """The same warning for a timeline file, whose rows are marked as the report's history is ("" when sound)."""
    return suspect_warning(deps, record, "records.tampered_file")


def _summary(deps: CoreDeps, record: IncidentRecord) -> tuple[str, ...]:
    cat, view = deps.catalog, record.view
    if not view.details_visible:
        return (cat.t("records.report.withheld"), cat.t("records.report.status_line", status=view.status_label))
    erased = cat.t("records.report.erased_value")
    text = view.text if view.text else (erased if record.erased_at else cat.t("records.report.none"))
    if view.restricted and view.text:  # a leak's report is printed, filed and sent on: what leaked is not copied
        text = cat.t("records.report.text_not_copied")
    url = view.source_url or (erased if record.erased_at else cat.t("records.report.none"))
    paragraphs = [cat.t("records.report.summary_text", text=text), cat.t("records.report.summary_url", url=url)]
    if view.platform:
        paragraphs.append(cat.t("records.report.summary_platform",
                                platform=platform_label(cat, view.platform)))
    paragraphs.append(cat.t("records.report.status_line", status=view.status_label))
    return tuple(paragraphs)


def _notices(deps: CoreDeps, lines: tuple[Line, ...]) -> Section:
    cat = deps.catalog
    kinds = {"notified": "notice_sent", "escalated": "notice_escalated", "acknowledged": "notice_ack",
             "notice_resent": "notice_resent", "notice_deferred": "notice_deferred"}
    rows = []
    for line in lines:
        if line.type not in kinds or not (line.new or line.erased or line.type == "acknowledged"):
            continue
        party = (line.actor if line.type == "acknowledged" else
                 cat.t("records.report.erased_value") if line.erased else line.new)
        # A message sent for a change (kind, URL, severity) says which: neither a first notice nor a re-notice.
        rows.append((line.when, cat.t(f"records.report.{kinds[line.type]}", reason=line.reason), party,
                     line.clauses))
    heading = cat.t("records.report.heading.notices")
    if not rows:
        return Section(heading, (cat.t("records.report.notice_none"),))
    return Section(heading, table=Table(
        (cat.t("records.report.col_when"), cat.t("records.report.col_type"), cat.t("records.report.col_party"),
         cat.t("records.report.col_clauses")), tuple(rows), (3.4, 1.6, 4.6, 6.4)))


def step_rows(deps: CoreDeps, record: IncidentRecord, describer: Describer,
              when: Callable[[datetime | None], str]) -> tuple[tuple[str, ...], ...]:
    """番号, 対応, 結果 (実施 / スキップ / 未実施), 日時, 実施者, 根拠条項 of every step the record lists."""
    cat, kind = deps.catalog, record.view.kind
    rows = []
    for number, step in enumerate(record.steps, start=1):
        title, citations = step_sources(deps.library, deps.profile, cat, kind, step.step_id)
        taken = step.status != "pending"
        rows.append((str(number), title, cat.t(f"records.report.step_{step.status}"),
                     when(step.at) if taken else NOT_TAKEN, describer.actor(step.actor) if taken else NOT_TAKEN,
                     ("、" if cat.locale == "ja" else "; ").join(citations)))
    return tuple(rows)


def step_headers(deps: CoreDeps) -> tuple[str, ...]:
    """The column headers of the steps table."""
    cat = deps.catalog
    return (cat.t("records.report.col_no"), cat.t("records.report.col_step"), cat.t("records.report.col_result"),
            cat.t("records.report.col_when"), cat.t("records.report.col_actor"), cat.t("records.report.col_clauses"))


def _actions(deps: CoreDeps, record: IncidentRecord, describer: Describer,
             when: Callable[[datetime | None], str]) -> Section:
    rows = step_rows(deps, record, describer, when)
    heading = deps.catalog.t("records.report.heading.actions")
    if not rows:
        return Section(heading, (deps.catalog.t("records.report.actions_none"),))
    return Section(heading, table=Table(step_headers(deps), rows, (1.0, 4.6, 2.2, 3.4, 2.4, 3.6)))


def _documents(deps: CoreDeps, record: IncidentRecord) -> Section:
    cat, kind = deps.catalog, record.view.kind
    documents = []
    for step in record.steps:
        title, _ = step_sources(deps.library, deps.profile, cat, kind, step.step_id)
        for draft in step.drafts:
            text = (cat.t("records.report.erased_value") if record.erased_at else
                    cat.t("records.report.draft_not_copied") if record.view.restricted else draft.text.strip())
            documents.append(Document(draft.title, cat.t("records.report.document_note", step=title), text))
    heading = cat.t("records.report.heading.documents")
    if not documents:
        return Section(heading, (cat.t("records.report.documents_none"),))
    return Section(heading, documents=tuple(documents))


def _free_text(heading: str, text: str, blank: str) -> Section:
    if text.strip():
        return Section(heading, tuple(part for part in text.strip().splitlines() if part.strip()))
    return Section(heading, (blank,), blank=True)
