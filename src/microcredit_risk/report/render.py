"""Render a finished run into report.html, report.md, report.docx (and report.pdf on request) in one folder.

Only fixed file names are written, inside ``out_dir``: the reports, and (for the Markdown's relative
links) copies of the figures under ``out_dir/figures`` when the run's figures live elsewhere.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..errors import UsageError
from .blocks import Figure, ReportContext
from .catalogue import Catalogue
from .context import build_context
from .docx import build_document, write_docx
from .docx_fonts import document_characters
from .pdf import write_pdf
from .run_folder import RunResults, load_run
from .templates import environment
from .webfont import font_face_css, merge_characters, text_characters, web_fonts

FORMATS = ("html", "md", "docx")          # written by default
ALL_FORMATS = (*FORMATS, "pdf")            # pdf on request (--pdf): it needs a second or two more
__all__ = ["ALL_FORMATS", "FORMATS", "load_run", "render_report", "render_text", "shared_characters"]


def render_text(ctx: ReportContext, kind: str, templates: Path | None = None, *, chars: str = "") -> str:
    """The HTML or Markdown text of the report.

    HTML carries the glyphs it shows of the shipped Noto SC fonts (webfont.py), so it needs no Chinese
    system font: those of ``chars`` when given (which must include the page's own: see
    :func:`shared_characters`), else of a draft rendered first to learn them.
    """
    template = environment(kind, templates).get_template(f"report.{kind}.j2")
    if kind == "html":
        css = font_face_css(web_fonts(chars or html_characters(ctx, templates)))
        return template.render(ctx=ctx, webfonts=Markup(css))
    text = template.render(ctx=ctx)
    if kind == "md":
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text


def html_characters(ctx: ReportContext, templates: Path | None = None) -> str:
    """The characters report.html shows (its draft rendered without fonts)."""
    draft = environment("html", templates).get_template("report.html.j2").render(ctx=ctx, webfonts="")
    return text_characters(draft)


def shared_characters(ctx: ReportContext, formats: Sequence[str],
                      templates: Path | None = None) -> tuple[Any, str]:
    """(report.docx's document, built, or None; the characters of report.html and report.docx together).

    With both formats, the fonts are cut once for the two: subsetting a CJK font costs about a second
    and the union is only a few glyphs more for each file.
    """
    doc = build_document(ctx) if "docx" in formats else None
    if doc is None or "html" not in formats:
        return doc, ""
    return doc, merge_characters(html_characters(ctx, templates), document_characters(doc))


def _figures(ctx: ReportContext) -> list[Figure]:
    return [b for s in ctx.sections for b in s.blocks if isinstance(b, Figure)]


def render_report(run: RunResults, out_dir: Path, *, lang: str = "zh", templates: Path | None = None,
                  formats: tuple[str, ...] | list[str] = FORMATS, catalogue: Catalogue | None = None) -> list[Path]:
    """Write the report files into ``out_dir`` and return their paths (in ``formats`` order)."""
    unknown = [f for f in formats if f not in ALL_FORMATS]
    if unknown:
        raise UsageError("E715", value=", ".join(unknown), choices=", ".join(ALL_FORMATS))
    ctx = build_context(run, lang, catalogue)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    doc, chars = shared_characters(ctx, formats, templates)
    for kind in formats:
        path = out_dir / f"report.{kind}"
        if kind == "docx":
            write_docx(ctx, path, doc=doc, chars=chars)
        elif kind == "pdf":
            write_pdf(ctx, path)
        else:
            path.write_text(render_text(ctx, kind, templates, chars=chars), encoding="utf-8")
        written.append(path)
    if "md" in formats:
        _copy_figures(ctx, out_dir)
    return written


def _copy_figures(ctx: ReportContext, out_dir: Path) -> None:
    for fig in _figures(ctx):
        target = out_dir / fig.path
        if fig.file is None or (target.exists() and target.resolve() == fig.file.resolve()):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fig.file, target)
