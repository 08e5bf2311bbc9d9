"""The Word report (python-docx): the same sections and blocks as the HTML and Markdown.

A4 pages, Chinese-capable fonts (w:eastAsia), figures at the text width. Output is byte-for-byte
deterministic: the core properties are fixed and the zip is rewritten with a constant timestamp
(python-docx stamps each zip entry with the current time).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..output import fixed_zip_times
from .blocks import Bullets, Figure, FindingCard, Heading, Line, Paragraph, ReportContext, Table

A4_WIDTH, A4_HEIGHT, MARGIN = Cm(21.0), Cm(29.7), Cm(2.2)
TEXT_WIDTH = Cm(21.0 - 2 * 2.2)
LATIN_BODY, LATIN_HEAD = "Times New Roman", "Arial"
EAST_ASIA_BODY, EAST_ASIA_HEAD = "宋体", "Microsoft YaHei"
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
ACCENT = RGBColor(0x1F, 0x3B, 0x63)
SEVERITY_COLOUR = {"high": RGBColor(0xB4, 0x23, 0x18), "medium": RGBColor(0xB5, 0x47, 0x08),
                   "low": RGBColor(0x3B, 0x6E, 0x3B)}


def _set_fonts(style_or_run: Any, latin: str, east_asia: str) -> None:
    font = style_or_run.font
    font.name = latin
    rpr = style_or_run.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        rfonts.set(qn(attr), value)


def _styles(doc: Any) -> None:
    normal = doc.styles["Normal"]
    _set_fonts(normal, LATIN_BODY, EAST_ASIA_BODY)
    normal.font.size = Pt(10.5)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        style = doc.styles[name]
        _set_fonts(style, LATIN_HEAD, EAST_ASIA_HEAD)
        style.font.color.rgb = ACCENT


def _line(doc: Any, line: Line, style: str | None = "List Bullet") -> None:
    p = doc.add_paragraph(style=style)
    if line.badge:
        run = p.add_run(f"[{line.badge}] ")
        run.bold = True
        if line.badge_class in SEVERITY_COLOUR:
            run.font.color.rgb = SEVERITY_COLOUR[line.badge_class]
    p.add_run(line.text)
    for ref in line.refs:
        r = p.add_run(f" → {ref.label}")
        r.italic = True
        r.font.color.rgb = ACCENT


def _table(doc: Any, t: Table) -> None:
    doc.add_paragraph(t.caption, style="Caption")
    table = doc.add_table(rows=1 + len(t.rows), cols=len(t.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # walk rows once: table.cell(r, c) rescans the whole grid on every call (quadratic in python-docx)
    for r, (row, cells) in enumerate(zip(table.rows, [t.headers, *t.rows], strict=True)):
        for c, (cell, text) in enumerate(zip(row.cells, cells, strict=False)):
            cell.text = text
            para = cell.paragraphs[0]
            if t.numeric[c]:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for run in para.runs:
                run.font.size = Pt(8.5)
                run.bold = r == 0
    if t.note:
        doc.add_paragraph(t.note).runs[0].italic = True


def _figure(doc: Any, f: Figure) -> None:
    if f.file is None:
        return
    doc.add_picture(str(f.file), width=TEXT_WIDTH)
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap = doc.add_paragraph(f.caption, style="Caption")
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _finding(doc: Any, f: FindingCard) -> None:
    p = doc.add_heading(level=3)
    badge = p.add_run(f"[{f.badge}] ")
    badge.font.color.rgb = SEVERITY_COLOUR.get(f.badge_class, ACCENT)
    p.add_run(f.title)
    doc.add_paragraph(f.scope).runs[0].italic = True
    doc.add_paragraph().add_run(f.evidence_title).bold = True
    for line in f.evidence:
        _line(doc, line)
    if f.causes:
        doc.add_paragraph().add_run(f.causes_title).bold = True
        for c in f.causes:
            doc.add_paragraph(c, style="List Bullet")


def build_document(ctx: ReportContext) -> Any:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = A4_WIDTH, A4_HEIGHT
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    _styles(doc)
    doc.add_heading(ctx.title, level=0)
    for label, value in ctx.facts:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)
    for sec in ctx.sections:
        doc.add_heading(sec.title, level=1)
        doc.add_paragraph(sec.intro).runs[0].italic = True
        for b in sec.blocks:
            if isinstance(b, Paragraph):
                doc.add_paragraph(b.text)
            elif isinstance(b, Bullets):
                for line in b.items:
                    _line(doc, line)
            elif isinstance(b, Heading):
                doc.add_heading(b.title, level=2 if b.level == 3 else 3)
            elif isinstance(b, Table):
                _table(doc, b)
            elif isinstance(b, Figure):
                _figure(doc, b)
            elif isinstance(b, FindingCard):
                _finding(doc, b)
    doc.add_paragraph(ctx.footer).runs[0].italic = True
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = ctx.title, "mcr", "mcr"
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.language = "zh-CN" if ctx.lang == "zh" else "en"
    return doc


def write_docx(ctx: ReportContext, path: Path) -> Path:
    buf = io.BytesIO()
    build_document(ctx).save(buf)
    Path(path).write_bytes(fixed_zip_times(buf.getvalue()))
    return Path(path)
