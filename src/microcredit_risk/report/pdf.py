"""report.pdf: the report's blocks typeset by Typst (the pip package ``typst``) with the shipped Noto fonts.

Why Typst (docs/report.md has the measured comparison): one pip wheel with no system libraries
(WeasyPrint needs Pango from the system, LibreOffice is not on pip), about a second for the whole
report, real outline/page numbers/links, and it embeds subsets of exactly the fonts it is given. It
is told to ignore system fonts and is handed the folder of Noto Serif SC / Noto Sans SC, so the
same run gives the same PDF bytes on any machine, with or without Chinese fonts installed.

Every text goes into the Typst source as a string literal (``#"…"``), never as markup, so no
ledger value can turn into Typst code.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from ..errors import OutputError
from ..figures.fonts import noto_dir
from .blocks import Bullets, Figure, FindingCard, Heading, Line, Paragraph, ReportContext, Table

BODY_FONTS = ("Libertinus Serif", "Noto Serif SC")   # Latin from Typst's own serif, Chinese from Noto
HEAD_FONTS = ("Noto Sans SC",)
SEVERITY_COLOUR = {"high": "#b42318", "medium": "#b54708", "low": "#3b6e3b"}
ACCENT = "#1f3b63"
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]*$")

PREAMBLE = """\
#let accent = rgb("{accent}")
#let badge(t, c) = box(fill: rgb(c), inset: (x: 3pt, y: 1.5pt), outset: (y: 1pt), radius: 2pt,
  text(fill: white, size: 0.8em, font: {head}, t))
#set document(title: {title}, date: none)
#set page(paper: "a4", margin: (top: 2.5cm, bottom: 2.5cm, x: 3cm), numbering: "1")
#set text(font: {body}, size: 10.5pt, lang: "{lang}")
#set par(justify: true, leading: 0.75em, spacing: 1.1em)
#set heading(numbering: none)
#show heading: set text(font: {head}, weight: "regular", fill: accent)
#show heading.where(level: 1): set text(size: 15pt)
#show heading.where(level: 2): set text(size: 12.5pt)
#show heading.where(level: 3): set text(size: 11pt)
#show heading: set block(above: 1.4em, below: 0.8em)
#show figure: set block(breakable: true)
#show figure.where(kind: table): set figure.caption(position: top)
#show figure.caption: set text(font: {head}, size: 9.5pt)
#show table: set text(size: 8pt)
#show table: set par(justify: false)
#show link: set text(fill: accent)
#show outline.entry.where(level: 1): set text(font: {head})
"""


def _s(text: str) -> str:
    """A Typst string literal (code mode)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{escaped}"'


def _t(text: str) -> str:
    """Text in markup: a string literal, so nothing in it is read as markup."""
    return f"#{_s(text)}"


_IDENT_BREAK = re.compile(r"_(?=\w)")


def _cell(text: str) -> str:
    """A table cell's text with a break opportunity (zero-width space) after each underscore: a
    metric's code (renewed_normal_overdue_count) has no space to break at and would run into the
    next column of a narrow table."""
    return _t(_IDENT_BREAK.sub("_\u200b", text))


def _fonts(names: tuple[str, ...]) -> str:
    return "(" + ", ".join(_s(n) for n in names) + ",)"


class _Writer:
    """Turns the report's blocks into Typst source; figure files are copied next to it."""

    def __init__(self, ctx: ReportContext, folder: Path) -> None:
        self.ctx, self.folder = ctx, folder
        self.out: list[str] = []
        self.labels = _labels(ctx)

    def label(self, ident: str) -> str:
        return f" <{ident}>" if ident in self.labels else ""

    def line(self, line: Line) -> str:
        parts = []
        if line.badge:
            parts.append(f"#badge({_s(line.badge)}, {_s(SEVERITY_COLOUR.get(line.badge_class or '', ACCENT))}) ")
        parts.append(_t(line.text))
        for ref in line.refs:
            target = ref.href.removeprefix("#")
            shown = _t(ref.label)
            parts.append(f" → #link(<{target}>)[{shown}]" if target in self.labels else f" → {shown}")
        return "".join(parts)

    def table(self, t: Table) -> None:
        n = len(t.headers)
        align = ", ".join("right" if num else "left" for num in t.numeric[:n])
        cells = []
        for row in t.rows:
            padded = (list(row) + [""] * n)[:n]
            cells.append(", ".join(f"[{_cell(c)}]" for c in padded))
        header = ", ".join(f"[#strong({_s(h)})]" for h in t.headers)
        body = ",\n    ".join(cells)
        self.out.append(
            f"#figure(kind: table, supplement: none, numbering: none, caption: [{_t(t.caption)}],\n"
            f"  table(columns: {n}, align: ({align},), stroke: none, inset: (x: 4pt, y: 3pt),\n"
            f"    table.hline(stroke: 1.5pt), table.header({header}), table.hline(stroke: 0.75pt),\n"
            f"    {body}{',' if body else ''}\n    table.hline(stroke: 1.5pt)))" + self.label(t.id))
        if t.note:
            self.out.append(f"#text(size: 8.5pt, style: \"italic\")[{_t(t.note)}]")

    def figure(self, f: Figure) -> None:
        if f.file is None or not Path(f.file).is_file():
            return
        name = f"figures/{Path(f.file).name}"
        target = self.folder / name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(f.file, target)
        self.out.append(f"#figure(image({_s(name)}, width: 100%), numbering: none, caption: [{_t(f.caption)}])"
                        + self.label(f.id))

    def finding(self, f: FindingCard) -> None:
        colour = SEVERITY_COLOUR.get(f.badge_class, ACCENT)
        inner = [f"#heading(level: 3, outlined: false)[#badge({_s(f.badge)}, {_s(colour)}) {_t(f.title)}]"
                 + self.label(f.id),
                 f"#block(sticky: true, text(size: 9pt, style: \"italic\")[{_t(f.scope)}])",
                 f"#block(sticky: true, strong({_s(f.evidence_title)}))", ""]
        inner += [f"- {self.line(x)}" for x in f.evidence]
        if f.causes:
            inner += ["", f"#block(sticky: true, strong({_s(f.causes_title)}))", ""] + [f"- {_t(c)}" for c in f.causes]
        body = "\n".join(inner)
        self.out.append(f"#block(width: 100%, breakable: true, inset: (left: 9pt, y: 4pt), "
                        f"stroke: (left: 2.5pt + rgb({_s(colour)})))[\n{body}\n]")

    def document(self) -> str:
        c = self.ctx
        self.out.append(PREAMBLE.format(accent=ACCENT, head=_fonts(HEAD_FONTS), body=_fonts(BODY_FONTS),
                                        title=_s(c.title), lang="zh" if c.lang == "zh" else "en"))
        self.out.append(f"#text(size: 10pt, fill: luma(90))[{_t(c.subtitle)}]")
        self.out.append(f"#text(font: {_fonts(HEAD_FONTS)}, size: 20pt, fill: accent)[{_t(c.title)}]")
        facts = ", ".join(f"[#strong({_s(k)})], [{_t(v)}]" for k, v in c.facts)
        if facts:
            self.out.append(f"#table(columns: 2, stroke: none, inset: (x: 0pt, y: 3pt), column-gutter: 12pt, {facts})")
        self.out.append(f"#outline(title: [{_t(c.toc_title)}], depth: 2)")
        for sec in c.sections:
            self.out.append("#pagebreak(weak: true)")
            self.out.append(f"= {_t(sec.title)}" + self.label(sec.id))
            self.out.append(f"#emph({_s(sec.intro)})")
            for b in sec.blocks:
                self.block(b)
        self.out.append(f"#v(2em)\n#text(size: 8.5pt, fill: luma(90))[{_t(c.footer)}]")
        return "\n\n".join(self.out) + "\n"

    def block(self, b: object) -> None:
        if isinstance(b, Paragraph):
            self.out.append(_t(b.text))
        elif isinstance(b, Bullets):
            self.out.append("\n".join(f"- {self.line(x)}" for x in b.items))
        elif isinstance(b, Heading):
            self.out.append(("==" if b.level == 3 else "===") + f" {_t(b.title)}" + self.label(b.id))
        elif isinstance(b, Table):
            self.table(b)
        elif isinstance(b, Figure):
            self.figure(b)
        elif isinstance(b, FindingCard):
            self.finding(b)


def _labels(ctx: ReportContext) -> set[str]:
    """Every anchor the PDF will carry (links to anything else are shown as plain text)."""
    ids = [s.id for s in ctx.sections]
    for s in ctx.sections:
        for b in s.blocks:
            if isinstance(b, Figure) and (b.file is None or not Path(b.file).is_file()):
                continue
            if isinstance(b, Heading | Table | Figure | FindingCard):
                ids.append(b.id)
    counts: dict[str, int] = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    return {i for i, n in counts.items() if n == 1 and _LABEL.match(i)}


def typst_source(ctx: ReportContext, folder: Path) -> str:
    """The Typst source of the report; figures are copied into ``folder/figures``."""
    return _Writer(ctx, folder).document()


def write_pdf(ctx: ReportContext, path: Path) -> Path:
    """Typeset ``ctx`` into ``path`` with the shipped fonts only (system fonts are ignored)."""
    try:
        import typst
    except ImportError:
        raise OutputError("E513", detail="the Python package 'typst' is not installed") from None
    fonts = noto_dir()
    if fonts is None:
        raise OutputError("E513", detail="the font package 'pylopdf-fonts-zh-cn' is not installed")
    with tempfile.TemporaryDirectory(prefix="mcr-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "report.typ"
        source.write_text(typst_source(ctx, folder), encoding="utf-8")
        try:
            data = typst.compile(str(source), root=str(folder), font_paths=[str(fonts)], ignore_system_fonts=True)
        except Exception as exc:  # typst raises its own error type with the Typst diagnostics
            raise OutputError("E514", detail=str(exc).strip()[:500]) from None
    Path(path).write_bytes(data)
    return Path(path)
