"""The Word report (python-docx) in the form a thesis office accepts: the same sections and blocks as the HTML.

* A4, margins 2.5 cm (top/bottom) and 3 cm (left/right); page numbers (PAGE field) in the footer.
* A table of contents field (TOC \\o "1-2" \\h) whose cached entries (the numbered chapter
  headings and their subsections, each a link to its bookmark) read right before any update;
  settings.xml asks Word to update it (and the page numbers) when the file is opened.
* Fonts: 宋体 body, 黑体 headings and captions, Times New Roman for Latin text (w:rFonts
  ascii/hAnsi/eastAsia, theme fonts removed); the font table names the shipped Noto Serif SC /
  Noto Sans SC as the fallback (w:altName) of 宋体 / 黑体 and embeds them, cut to the document's
  characters (docx_fonts.py), so Chinese renders where neither is installed.
* Captions "表3-1 …" / "图3-1 …" numbered by the report builder (chapter-number), as text: a SEQ
  field with \\s 1 would restart per chapter in Word, but LibreOffice ignores \\s and counts on
  through the document. Each caption is a bookmark, and every "see table/figure/finding" in the text
  is a hyperlink to it.
* Three-line tables (三线表): 1.5 pt top and bottom rules, 0.75 pt under the header row, no
  vertical rules; the header row repeats on each page. Widths are measured (docx_layout.py): 五号,
  小五 for wide tables, a landscape section where even that breaks a number. Figures at the text width.

Output is byte-for-byte deterministic: fixed core properties, sequential bookmark ids, and the zip
rewritten with a constant timestamp (python-docx stamps each entry with the current time).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips

from ..output import fixed_zip_times
from .blocks import Bullets, Figure, FindingCard, Heading, Line, Paragraph, ReportContext, Table
from .docx_fonts import embed_fonts
from .docx_layout import CELL_MARGIN_PT, TABLE_SIZES, plan_table
from .docx_xml import (
    Bookmarks,
    el,
    field_begin,
    field_end,
    fixed_table_width,
    font_table_entries,
    internal_link,
    no_wrap,
    set_rfonts,
    simple_field,
    three_line_table,
    update_fields_on_open,
)

A4_WIDTH, A4_HEIGHT = Cm(21.0), Cm(29.7)
MARGIN_TB, MARGIN_LR = Cm(2.5), Cm(3.0)
TEXT_WIDTH = Cm(21.0 - 2 * 3.0)
LANDSCAPE_TEXT_WIDTH = Cm(29.7 - 2 * 2.5)        # a landscape page turns the margins with it
LATIN = "Times New Roman"
SONG, HEI = "宋体", "黑体"                       # thesis body / heading fonts
FALLBACK = {SONG: "Noto Serif SC", HEI: "Noto Sans SC"}  # shipped by pylopdf-fonts-zh-cn
BODY_PT = 12                                    # 小四 body; tables 五号, wide ones 小五 (docx_layout)
TABLE_PT, SMALL_TABLE_PT = TABLE_SIZES
HEADING_PT = {1: 16, 2: 14, 3: 12}              # 三号, 四号, 小四
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LINK_COLOUR = "1F3B63"
# outline levels 1–2 (chapters, subsections): exactly the entries cached below, so the list Word
# rebuilds on update is the one LibreOffice and a headless conversion show before any update
TOC_FIELD = 'TOC \\o "1-2" \\h \\z \\u'
BLACK = RGBColor(0, 0, 0)
SEVERITY_COLOUR = {"high": RGBColor(0xB4, 0x23, 0x18), "medium": RGBColor(0xB5, 0x47, 0x08),
                   "low": RGBColor(0x3B, 0x6E, 0x3B)}


def _style(doc: Any, name: str, east_asia: str, size: float, *, bold: bool = False) -> Any:
    style = doc.styles[name]
    set_rfonts(style.element.get_or_add_rPr(), LATIN, east_asia)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = BLACK
    return style


def _styles(doc: Any, lang: str) -> None:
    normal = _style(doc, "Normal", SONG, BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    rpr.append(el("w:lang", val="en-US", eastAsia="zh-CN"))
    normal.paragraph_format.line_spacing = 1.25
    normal.paragraph_format.space_after = Pt(3)
    body = _style(doc, "Body Text", SONG, BODY_PT)
    body.paragraph_format.space_after = Pt(3)
    if lang == "zh":  # 首行缩进两字
        body.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
    for level, size in HEADING_PT.items():
        h = _style(doc, f"Heading {level}", HEI, size, bold=True)
        h.paragraph_format.space_before = Pt(18 if level == 1 else 12)
        h.paragraph_format.space_after = Pt(6)
    _style(doc, "Title", HEI, 18, bold=True).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap = _style(doc, "Caption", HEI, 10.5)
    cap.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap.paragraph_format.space_before, cap.paragraph_format.space_after = Pt(6), Pt(3)
    cell = doc.styles.add_style("Table Text", 1)  # WD_STYLE_TYPE.PARAGRAPH
    cell.base_style = normal
    cell.font.size = Pt(TABLE_PT)
    cell.paragraph_format.line_spacing = 1.0
    cell.paragraph_format.space_after = Pt(0)
    small = doc.styles.add_style("Table Text Small", 1)
    small.base_style = cell
    small.font.size = Pt(SMALL_TABLE_PT)
    _style(doc, "List Bullet", SONG, BODY_PT)
    _style(doc, "Footer", SONG, 9).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _font_table(doc: Any) -> None:
    part = doc.part.part_related_by(RT.FONT_TABLE)
    part._blob = part.blob.replace(b"</w:fonts>", font_table_entries(FALLBACK) + b"</w:fonts>")


class _Writer:
    def __init__(self, ctx: ReportContext) -> None:
        self.ctx = ctx
        self.doc = Document()
        self.marks = Bookmarks()
        self.targets = _targets(ctx)
        self.landscape = False      # the current section's orientation
        self._styles: dict[str, Any] = {}

    def style(self, name: str) -> Any:
        """The style object, looked up once: python-docx finds a style *name* by scanning styles.xml on
        every assignment, which was a third of writing a report (thousands of table cells)."""
        if name not in self._styles:
            self._styles[name] = self.doc.styles[name]
        return self._styles[name]

    def styled(self, p: Any, name: str) -> Any:
        """``p`` in style ``name``, its w:pStyle written directly: python-docx's ``paragraph.style``
        setter also scans every style for the default one on each call (another third of a report).
        None of the styles used here is the default (Normal), so the XML is the same."""
        p._p.style = self.style(name).style_id
        return p

    def para(self, text: str = "", style: str | None = None) -> Any:
        """A new paragraph with ``text``, in ``style`` if given."""
        p = self.doc.add_paragraph(text)
        return p if style is None else self.styled(p, style)

    def add_heading(self, text: str = "", level: int = 1) -> Any:
        """``Document.add_heading`` without its style-name scan: the title is level 0."""
        return self.para(text, "Title" if level == 0 else f"Heading {level}")

    # -- text ---------------------------------------------------------------------------------
    def line(self, line: Line, style: str | None = "List Bullet") -> None:
        p = self.para(style=style)
        if line.badge:
            run = p.add_run(f"[{line.badge}] ")
            run.bold = True
            if line.badge_class in SEVERITY_COLOUR:
                run.font.color.rgb = SEVERITY_COLOUR[line.badge_class]
        p.add_run(line.text)
        for ref in line.refs:
            anchor = ref.href.removeprefix("#")
            p.add_run(" → ")
            if anchor in self.targets:
                internal_link(p, self.marks.name(anchor), ref.label, LINK_COLOUR)
            else:
                p.add_run(ref.label)

    def heading(self, text: str, level: int, anchor: str | None) -> Any:
        p = self.add_heading(text, level=level)
        if anchor and anchor in self.targets:
            self.marks.wrap(p, anchor)
        return p

    def caption(self, text: str, anchor: str) -> Any:
        """The numbered caption as written by the builder, inside a bookmark the text links to."""
        p = self.para(text, "Caption")
        self.marks.wrap(p, anchor)
        return p

    # -- blocks -------------------------------------------------------------------------------
    def table(self, t: Table) -> None:
        """A three-line table at the size and orientation in which no number breaks (docx_layout)."""
        plan = plan_table(t.headers, t.rows, TEXT_WIDTH.pt, LANDSCAPE_TEXT_WIDTH.pt)
        if plan.landscape != self.landscape:
            self.orient(landscape=plan.landscape)
        self.caption(t.caption, t.id).paragraph_format.keep_with_next = True
        n = len(t.headers)
        table = self.doc.add_table(rows=1 + len(t.rows), cols=n)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # fixed layout: Word keeps the measured widths
        widths = [Twips(int(w * 20)) for w in plan.widths_pt]  # rounded down: the sum stays within the page
        for col, width in zip(table.columns, widths, strict=True):
            col.width = width  # w:gridCol (LibreOffice reads these; Word the w:tcW below)
        style = "Table Text" if plan.size_pt == TABLE_PT else "Table Text Small"
        # walk rows once: table.cell(r, c) rescans the whole grid on every call (quadratic in python-docx)
        for r, (row, cells) in enumerate(zip(table.rows, [t.headers, *t.rows], strict=True)):
            for c, cell in enumerate(row.cells):
                cell.width = widths[c]
                if r > 0 and plan.nowrap[r - 1][c]:
                    no_wrap(cell)
            for c, (cell, text) in enumerate(zip(row.cells, cells, strict=False)):
                para = cell.paragraphs[0]
                self.styled(para, style)
                run = para.add_run(text)
                if r == 0:
                    run.bold = True
                if c < len(t.numeric) and t.numeric[c]:
                    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        fixed_table_width(table, sum(widths), Pt(CELL_MARGIN_PT))
        three_line_table(table)
        if t.note:
            note = self.para(style=style)
            note.add_run(t.note).italic = True

    def orient(self, *, landscape: bool) -> None:
        """Start a new section (new page) in landscape or back in portrait; the footer carries over.

        Consecutive landscape tables share one landscape section; anything else returns to portrait.
        """
        if landscape == self.landscape:
            return
        self.landscape = landscape
        sec = self.doc.add_section(WD_SECTION.NEW_PAGE)
        sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = (A4_HEIGHT, A4_WIDTH) if landscape else (A4_WIDTH, A4_HEIGHT)
        sec.top_margin = sec.bottom_margin = MARGIN_LR if landscape else MARGIN_TB
        sec.left_margin = sec.right_margin = MARGIN_TB if landscape else MARGIN_LR

    def figure(self, f: Figure) -> None:
        if f.file is None:
            return
        self.doc.add_picture(str(f.file), width=TEXT_WIDTH)
        pic = self.doc.paragraphs[-1]
        pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pic.paragraph_format.keep_with_next = True
        self.caption(f.caption, f.id)

    def finding(self, f: FindingCard) -> None:
        p = self.add_heading(level=3)
        badge = p.add_run(f"[{f.badge}] ")
        badge.font.color.rgb = SEVERITY_COLOUR.get(f.badge_class, BLACK)
        p.add_run(f.title)
        if f.id in self.targets:
            self.marks.wrap(p, f.id)
        self.doc.add_paragraph(f.scope).runs[0].italic = True
        self.doc.add_paragraph().add_run(f.evidence_title).bold = True
        for line in f.evidence:
            self.line(line)
        if f.causes:
            self.doc.add_paragraph().add_run(f.causes_title).bold = True
            for c in f.causes:
                self.para(c, "List Bullet")

    def block(self, b: object) -> None:
        if not isinstance(b, Table):
            self.orient(landscape=False)
        if isinstance(b, Paragraph):
            self.para(b.text, "Body Text")
        elif isinstance(b, Bullets):
            for line in b.items:
                self.line(line)
        elif isinstance(b, Heading):
            self.heading(b.title, 2 if b.level == 3 else 3, b.id)
        elif isinstance(b, Table):
            self.table(b)
        elif isinstance(b, Figure):
            self.figure(b)
        elif isinstance(b, FindingCard):
            self.finding(b)

    # -- whole document -----------------------------------------------------------------------
    def toc(self) -> None:
        """A TOC field; its cached entries (chapters and subsections, linked) show until Word updates it."""
        title = self.para(self.ctx.toc_title, "TOC Heading")
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        entries = [(lvl, a, t) for s in self.ctx.sections for lvl, a, t in
                   [(1, s.id, s.title)] + [(2, b.id, b.title) for b in s.blocks
                                           if isinstance(b, Heading) and b.level == 3]]
        first = self.doc.add_paragraph()
        field_begin(first, TOC_FIELD)
        for i, (level, anchor, text) in enumerate(entries):
            p = first if i == 0 else self.doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(0.74 * (level - 1))
            p.paragraph_format.space_after = Pt(0)
            internal_link(p, self.marks.name(anchor), text, "000000")
        field_end(self.doc.paragraphs[-1])
        self.doc.add_page_break()

    def footer(self) -> None:
        p = self.doc.sections[0].footer.paragraphs[0]
        self.styled(p, "Footer")
        simple_field(p, "PAGE", "1")

    def build(self) -> Any:
        doc, ctx = self.doc, self.ctx
        section = doc.sections[0]
        section.page_width, section.page_height = A4_WIDTH, A4_HEIGHT
        section.top_margin = section.bottom_margin = MARGIN_TB
        section.left_margin = section.right_margin = MARGIN_LR
        _styles(doc, ctx.lang)
        _font_table(doc)
        update_fields_on_open(doc.settings.element)
        lang = doc.settings.element.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
        self.footer()
        self.add_heading(ctx.title, level=0)
        sub = doc.add_paragraph(ctx.subtitle)
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for label, value in ctx.facts:
            p = doc.add_paragraph()
            p.add_run(f"{label}: ").bold = True
            p.add_run(value)
        self.toc()
        for i, sec in enumerate(ctx.sections):
            broke = self.landscape          # leaving a landscape section already starts a new page
            self.orient(landscape=False)
            h = self.heading(sec.title, 1, sec.id)
            h.paragraph_format.page_break_before = i > 0 and not broke
            doc.add_paragraph(sec.intro).runs[0].italic = True
            for b in sec.blocks:
                self.block(b)
        self.orient(landscape=False)
        doc.add_paragraph(ctx.footer).runs[0].italic = True
        props = doc.core_properties
        props.title, props.author, props.last_modified_by = ctx.title, "mcr", "mcr"
        props.created = props.modified = FIXED_TIME
        props.revision = 1
        props.language = "zh-CN" if ctx.lang == "zh" else "en"
        return doc


def _targets(ctx: ReportContext) -> set[str]:
    """Anchors that get a bookmark: chapters, subsections, tables, figures with a file, findings."""
    ids = {s.id for s in ctx.sections}
    for s in ctx.sections:
        for b in s.blocks:
            if isinstance(b, Heading | Table | FindingCard) or (isinstance(b, Figure) and b.file is not None):
                ids.add(b.id)
    return ids


def build_document(ctx: ReportContext) -> Any:
    return _Writer(ctx).build()


def write_docx(ctx: ReportContext, path: Path, *, doc: Any = None, chars: str = "") -> Path:
    """report.docx of ``ctx`` (or of ``doc``, already built from it), its fonts cut to its text and ``chars``."""
    buf = io.BytesIO()
    doc = build_document(ctx) if doc is None else doc
    embed_fonts(doc, FALLBACK, chars)
    doc.save(buf)
    Path(path).write_bytes(fixed_zip_times(buf.getvalue()))
    return Path(path)
