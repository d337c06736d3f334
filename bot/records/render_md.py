"""The report as Markdown: the same sections as the .docx, every user text escaped."""

from __future__ import annotations

from bot.records.report import Report, Section
from bot.records.tables import md_escape


def _section(number: int, section: Section) -> list[str]:
    out = [f"## {number}. {md_escape(section.heading)}", ""]
    for text in section.paragraphs:
        out += [f"**{md_escape(text)}**" if section.blank else md_escape(text), ""]
    if section.table is not None:
        table = section.table
        out.append("| " + " | ".join(md_escape(h) for h in table.headers) + " |")
        out.append("|" + "---|" * len(table.headers))
        out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in table.rows]
        out.append("")
    for item in section.documents:
        out += [f"### {md_escape(item.title)}", "", md_escape(item.note), ""]
        # Quoted line by line: each line escaped on its own, so nothing in it can open a block or a tag.
        out += [f"> {md_escape(line)}" if line.strip() else ">" for line in item.text.splitlines()]
        out.append("")
    return out


def render_md(report: Report) -> str:
    """The report as Markdown text."""
    out = [f"# {md_escape(report.title)}", ""] + ([f"**{md_escape(report.warning)}**", ""] if report.warning else [])
    out += [md_escape(report.date), "", md_escape(report.addressee), "",
            md_escape(report.author), "", md_escape(report.intro), "", md_escape(report.ki), ""]
    for number, section in enumerate(report.sections, start=1):
        out += _section(number, section)
    out += [md_escape(report.end), "", f"*{md_escape(report.provenance)}*", ""]
    return "\n".join(out)
