"""Render a finished run into report.html, report.md, report.docx (and report.pdf on request) in one folder.

Only fixed file names are written, inside ``out_dir``: the reports, and (for the Markdown's relative
links) copies of the figures under ``out_dir/figures`` when the run's figures live elsewhere.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from markupsafe import Markup

from ..errors import UsageError
from .blocks import Figure, ReportContext
from .catalogue import Catalogue
from .context import build_context
from .docx import write_docx
from .pdf import write_pdf
from .run_folder import RunResults, load_run
from .templates import environment
from .webfont import font_face_css, text_characters, web_fonts

FORMATS = ("html", "md", "docx")          # written by default
ALL_FORMATS = (*FORMATS, "pdf")            # pdf on request (--pdf): it needs a second or two more
__all__ = ["ALL_FORMATS", "FORMATS", "load_run", "render_report", "render_text"]


def render_text(ctx: ReportContext, kind: str, templates: Path | None = None) -> str:
    """The HTML or Markdown text of the report.

    HTML is rendered twice: first to learn which characters it shows, then with those characters'
    glyphs of the shipped Noto SC fonts embedded (webfont.py), so it needs no Chinese system font.
    """
    template = environment(kind, templates).get_template(f"report.{kind}.j2")
    if kind == "html":
        draft = template.render(ctx=ctx, webfonts="")
        css = font_face_css(web_fonts(text_characters(draft)))
        return template.render(ctx=ctx, webfonts=Markup(css))
    text = template.render(ctx=ctx)
    if kind == "md":
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text


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
    for kind in formats:
        path = out_dir / f"report.{kind}"
        if kind == "docx":
            write_docx(ctx, path)
        elif kind == "pdf":
            write_pdf(ctx, path)
        else:
            path.write_text(render_text(ctx, kind, templates), encoding="utf-8")
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
