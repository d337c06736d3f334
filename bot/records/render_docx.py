"""The report as a Word document (.docx, python-docx): A4, Mincho, numbered sections, ruled tables."""

from __future__ import annotations

import io
import re
from datetime import UTC

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable

from bot.records.report import Report, Section, Table

FONT = "游明朝"
# Characters XML 1.0 (and so Word) cannot hold; user text is cleaned of them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def clean(text: str) -> str:
    """Text Word can store."""
    return _XML_ILLEGAL.sub("", text)


def _set_font(document: DocxDocument) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT  # type: ignore[attr-defined]
    style.font.size = Pt(10.5)  # type: ignore[attr-defined]
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    fonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(2)  # type: ignore[attr-defined]


def _a4(document: DocxDocument) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)


def _paragraph(document: DocxDocument, text: str, *, align: int | None = None, bold: bool = False,
               size: float | None = None, indent: float = 0.0, highlight: bool = False) -> None:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align  # type: ignore[assignment]
    if indent:
        paragraph.paragraph_format.left_indent = Cm(indent)
    run = paragraph.add_run(clean(text))
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if highlight:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _repeat_header(table: DocxTable) -> None:
    """The header row repeats on every page the table spans."""
    row = table.rows[0]._tr.get_or_add_trPr()
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    row.append(mark)


def _shade(cell: object, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)  # type: ignore[attr-defined]


def _table(document: DocxDocument, table: Table, width_cm: float = 16.4) -> None:
    grid = document.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    total = sum(table.widths)
    widths = [Cm(width_cm * w / total) for w in table.widths]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice reads; Word reads the cell widths below
    for cell, text, width in zip(grid.rows[0].cells, table.headers, widths, strict=True):
        cell.width = width
        cell.text = ""
        run = cell.paragraphs[0].add_run(clean(text))
        run.bold = True
        run.font.size = Pt(9.5)
        _shade(cell, "DDEBF7")
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, text, width in zip(cells, row, widths, strict=True):
            cell.width = width
            run = cell.paragraphs[0].add_run(clean(text))
            run.font.size = Pt(9.5)
    _repeat_header(grid)


def _field(paragraph: object, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) Word fills in when it lays the pages out; "1" until then."""

    def add(tag: str, text: str | None = None, char_type: str | None = None) -> None:
        run = paragraph.add_run()  # type: ignore[attr-defined]  # one run per part, as Word writes fields
        element = OxmlElement(tag)
        if char_type:
            element.set(qn("w:fldCharType"), char_type)
        if text is not None:
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)

    add("w:fldChar", char_type="begin")
    add("w:instrText", f" {code} ")
    add("w:fldChar", char_type="separate")
    add("w:t", "1")
    add("w:fldChar", char_type="end")


def _margins(document: DocxDocument, report: Report) -> None:
    """Every page: the incident and page n / N at the foot (a filed report's pages get separated), a restricted
    incident's mark at the head."""
    section = document.sections[0]
    if report.mark:
        head = section.header.paragraphs[0]
        head.alignment = WD_ALIGN_PARAGRAPH.RIGHT  # type: ignore[assignment]
        run = head.add_run(clean(report.mark))
        run.bold = True
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER  # type: ignore[assignment]
    foot.add_run(f"{report.ref}{'　' if report.locale == 'ja' else '  '}")
    _field(foot, "PAGE")
    foot.add_run(" / ")
    _field(foot, "NUMPAGES")


def _section(document: DocxDocument, number: int, section: Section, locale: str) -> None:
    # 全角の番号と全角空白は和文の公文書の書き方; an English report numbers its sections "1. Subject".
    label = f"{str(number).translate(FULL_WIDTH_DIGITS)}　" if locale == "ja" else f"{number}. "
    _paragraph(document, label + section.heading, bold=True)
    for text in section.paragraphs:
        _paragraph(document, text, indent=0.7, highlight=section.blank)
    if section.table is not None:
        _table(document, section.table)
    for item in section.documents:
        _paragraph(document, f"{'〇' if locale == 'ja' else '•'} {item.title}", indent=0.7, bold=True)
        _paragraph(document, item.note, indent=0.7, size=9)
        box = document.add_table(rows=1, cols=1)
        box.style = "Table Grid"
        box.alignment = WD_TABLE_ALIGNMENT.CENTER
        cell = box.rows[0].cells[0]
        lines = clean(item.text).splitlines() or [""]
        cell.paragraphs[0].add_run(lines[0]).font.size = Pt(9.5)
        for line in lines[1:]:
            cell.add_paragraph().add_run(line).font.size = Pt(9.5)
    document.add_paragraph()


def render_docx(report: Report) -> bytes:
    """The report as .docx bytes."""
    document = new_document()
    _set_font(document)
    _a4(document)
    _margins(document, report)
    document.core_properties.title = clean(f"{report.title} {report.ref}")
    document.core_properties.author = "incident-bot"
    if report.made is not None:
        made = report.made.astimezone(UTC).replace(tzinfo=None)  # core properties are written as UTC
        document.core_properties.created = document.core_properties.modified = made
        document.core_properties.last_modified_by = "incident-bot"
        document.core_properties.revision = 1
    if report.warning:  # first, in red: a clerk must not miss that the chain does not vouch for it
        run = document.add_paragraph().add_run(clean(report.warning))
        run.bold = True
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    _paragraph(document, report.date, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, report.addressee)
    _paragraph(document, report.author, align=WD_ALIGN_PARAGRAPH.RIGHT)
    document.add_paragraph()
    _paragraph(document, report.title, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=15)
    document.add_paragraph()
    _paragraph(document, report.intro)
    _paragraph(document, report.ki, align=WD_ALIGN_PARAGRAPH.CENTER)
    for number, section in enumerate(report.sections, start=1):
        _section(document, number, section, report.locale)
    _paragraph(document, report.end, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph = document.add_paragraph()
    run = paragraph.add_run(clean(report.provenance))
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
