"""Timeline and incident-list tables as Markdown, CSV (UTF-8 with BOM) and Excel (.xlsx, openpyxl)."""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.clock import to_jst
from bot.i18n import Catalog
from bot.ports import IncidentView
from bot.records.sentences import Line, platform_label

TIMELINE_COLUMNS = ("at", "event", "actor", "content", "old", "new", "clauses")
LIST_COLUMNS = ("ref", "kind", "status", "severity", "restricted", "created", "acknowledged", "acknowledged_by",
                "resolved", "reporters", "platform", "department")
EXCEL_DATE = "yyyy/mm/dd hh:mm"
# Real dates shown as the documents date them, with the weekday: Excel's [$-411] (Japanese) era and weekday codes.
EXCEL_DATES = {("ja", "wareki"): '[$-411]ggge"年"m"月"d"日"(aaa) hh:mm',
               ("ja", "western"): '[$-411]yyyy"年"m"月"d"日"(aaa) hh:mm'}
MAX_WIDTH = 60  # characters; longer cells wrap
EXCEL_CELL_MAX = 32_767  # Excel's limit on one cell's text
# Spreadsheet programs run a cell starting with these as a formula (CSV injection); such text gets a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Links, images, code and table cells; emphasis marks are left as typed (they cannot inject anything).
_MD_SPECIAL = re.compile(r"([\\`\[\]()!|])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def md_escape(text: str) -> str:
    """User text made inert in a Markdown table cell: no HTML, images, links, code, pipes or line breaks."""
    flat = _LINE_BREAKS.sub(" ", text)
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))
    # At the start of a line these open a heading, a list or a setext underline.
    return "\\" + escaped if escaped[:1] in ("#", "+", "-", "=") else escaped


def csv_safe(value: str) -> str:
    """A cell value a spreadsheet will show as text, never evaluate."""
    return "'" + value if value.startswith(FORMULA_START) else value


def timeline_cells(line: Line) -> tuple[str, ...]:
    """The plain columns of one event: 日時, 種別, 実施者, 内容, 変更前, 変更後, 根拠条項."""
    return (f"{to_jst(line.at):%Y/%m/%d %H:%M}", line.event, line.actor, line.text, line.old, line.new,
            line.clauses)


def excel_date_format(locale: str, calendar: str) -> str:
    """The number format of the workbooks' date cells: 令和8年12月6日(日) 20:00, or Sun 2026-12-06 20:00 in English."""
    return EXCEL_DATES.get((locale, calendar), "ddd yyyy-mm-dd hh:mm")


def headers(catalog: Catalog, group: str, columns: Sequence[str]) -> list[str]:
    """Localised column headers."""
    return [catalog.t(f"records.{group}.{column}") for column in columns]


StepTable = tuple[Sequence[str], Sequence[Sequence[str]]]  # headers and rows of the playbook steps' status


def timeline_markdown(view: IncidentView, lines: Sequence[Line], catalog: Catalog, warning: str = "",
                      steps: StepTable | None = None) -> str:
    """A Markdown table, one row per event, then the steps' status; every cell escaped (a chain warning first)."""
    head = [catalog.t("records.column.at"), catalog.t("records.column.event"), catalog.t("records.column.actor"),
            catalog.t("records.column.content"), catalog.t("records.column.clauses")]
    out = [catalog.t("export.heading", ref=view.ref, kind=md_escape(view.kind_label),
                     status=md_escape(view.status_label)), "",
           *([f"**{md_escape(warning)}**", ""] if warning else []),
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for line in lines:
        cells = (line.when, line.event, line.actor, line.text, line.clauses)  # dated as the report dates
        out.append("| " + " | ".join(md_escape(c) for c in cells) + " |")
    if steps is not None and steps[1]:
        out += ["", "## " + md_escape(catalog.t("records.steps_heading")), "",
                "| " + " | ".join(md_escape(h) for h in steps[0]) + " |", "|" + "---|" * len(steps[0])]
        out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in steps[1]]
    return "\n".join(out) + "\n"


def timeline_csv(lines: Sequence[Line], catalog: Catalog) -> str:
    """CSV text starting with a BOM (Excel on Japanese Windows then reads UTF-8); encode it as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(catalog, "column", TIMELINE_COLUMNS))
    for line in lines:
        writer.writerow([csv_safe(cell) for cell in timeline_cells(line)])
    return out.getvalue()


def _width(value: Any) -> int:
    """Display width: East Asian wide characters count twice."""
    if isinstance(value, datetime):
        return 16
    text = str(value) if value is not None else ""
    longest = max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in part)
                   for part in text.split("\n")), default=0)
    return longest


def _excel_time(value: datetime | None) -> datetime | None:
    """Excel keeps no time zone: the Asia/Tokyo wall time, naive."""
    return to_jst(value).replace(tzinfo=None) if value is not None else None


def _sheet(workbook: Workbook, title: str, head: Sequence[str], rows: Sequence[Sequence[Any]],
           *, new: bool = False, warning: str = "", marked: Collection[int] = (), dates: str = EXCEL_DATE) -> None:
    """A sheet: an optional warning line on top (red), the header row, then rows (`marked`: indexes shown red)."""
    sheet = workbook.create_sheet() if new else workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    top = 2 if warning else 1  # the header row
    if warning:  # above the table, so sorting or filtering the table cannot move it away
        sheet.append([warning])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
        sheet.cell(1, 1).font = Font(bold=True, color="C00000")
        sheet.cell(1, 1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[1].height = 45
    sheet.append(list(head))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    alarm = PatternFill("solid", fgColor="FFC7CE")
    for cell in sheet[top]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
    for index, row in enumerate(rows):
        r = top + 1 + index
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if index in marked:
                cell.fill = alarm
            if isinstance(value, str):  # control characters are not allowed in the file format
                value = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_MAX]
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
                cell.alignment = Alignment(wrap_text=_width(value) > MAX_WIDTH, vertical="top")
            elif isinstance(value, datetime):
                cell.number_format = dates
                cell.alignment = Alignment(vertical="top")
    for c in range(1, len(head) + 1):
        widest = max([_width(head[c - 1])] + [_width(row[c - 1]) for row in rows])
        sheet.column_dimensions[get_column_letter(c)].width = min(MAX_WIDTH, widest) + 2
    sheet.freeze_panes = f"A{top + 1}"
    sheet.auto_filter.ref = f"A{top}:{get_column_letter(len(head))}{top + len(rows)}"
    _print_setup(sheet, top)


def _print_setup(sheet: Any, top: int) -> None:
    """Printed on A4 landscape, all columns on the page width, the header (and any warning) on every page,
    the sheet's name on top and page n / N at the foot: records are printed and filed."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.print_title_rows = f"1:{top}"
    sheet.oddHeader.left.text = sheet.title.replace("&", "&&")
    sheet.oddFooter.center.text = "&P / &N"


def _save(workbook: Workbook, title: str) -> bytes:
    workbook.properties.title = title
    workbook.properties.creator = "incident-bot"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def timeline_xlsx(view: IncidentView, lines: Sequence[Line], catalog: Catalog,
                  steps: StepTable | None = None, warning: str = "", suspect: Collection[int] = (),
                  head: str = "", calendar: str = "western") -> bytes:
    """The timeline as an Excel workbook: Japanese headers, real dates, fitted widths, frozen header row; the
    steps' status on a second sheet; a chain warning on top and the suspect rows in red."""
    # The record number last (the CSV's columns stay as they were): the warning names rows by it, gaps show.
    rows = [(_excel_time(line.at), *timeline_cells(line)[1:], line.seq) for line in lines]
    workbook = Workbook()
    _sheet(workbook, f"{view.ref} {catalog.t('records.sheet')}",
           [*headers(catalog, "column", TIMELINE_COLUMNS), catalog.t("records.column.seq")],
           rows, warning=warning, marked={n for n, line in enumerate(lines) if line.seq in suspect},
           dates=excel_date_format(catalog.locale, calendar))
    if head:  # printed at the foot: the state of the chain the file was made from (the report names it too)
        workbook.active.oddFooter.left.text = catalog.t(  # type: ignore[union-attr]
            "records.sheet_provenance", ref=view.ref, count=len(lines), head=head)
    if steps is not None and steps[1]:
        _sheet(workbook, catalog.t("records.steps_sheet"), steps[0], steps[1], new=True)
    return _save(workbook, f"{view.ref} {catalog.t('records.sheet')}")


def incidents_xlsx(views: Sequence[IncidentView], catalog: Catalog,
                   names: dict[int, dict[str, str]] | None = None, calendar: str = "western") -> bytes:
    """The incident list as an Excel workbook (no report text: restricted incidents must not leak); reporters by
    the names each incident recorded for them."""
    every = names or {}
    separator = "、" if catalog.locale == "ja" else ", "
    rows = []
    for v in views:
        names_of = every.get(v.id, {})
        rows.append((
            v.ref, v.kind_label, v.status_label, v.severity_label,
            catalog.t("records.flag_yes" if v.restricted else "records.flag_no"),
            _excel_time(v.created_at), _excel_time(v.acknowledged_at), v.acknowledged_by or "",
            _excel_time(v.resolved_at), separator.join(names_of.get(r, r) for r in v.reporters),
            platform_label(catalog, v.platform) if v.platform else "", v.department or "",
        ))
    workbook = Workbook()
    _sheet(workbook, catalog.t("records.list.sheet"), headers(catalog, "list", LIST_COLUMNS), rows,
           dates=excel_date_format(catalog.locale, calendar))
    return _save(workbook, catalog.t("records.list.sheet"))
