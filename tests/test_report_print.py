"""Print-grade outputs: the Word file's fields, captions, bookmarks and rules; the PDF's pages and fonts;
the HTML's embedded font covering every character it shows."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser

import pytest
from report_sample import make_catalogue, make_run
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.report.context import build_context
from microcredit_risk.report.docx import write_docx
from microcredit_risk.report.pdf import typst_source, write_pdf
from microcredit_risk.report.render import render_report
from microcredit_risk.report.run_folder import save_run

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PDFTOPPM, PDFFONTS, SOFFICE = shutil.which("pdftoppm"), shutil.which("pdffonts"), shutil.which("soffice")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("print") / "run")


def _ctx(run, lang):
    return build_context(run, lang, make_catalogue())


def _parts(path):
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        return {name: etree.fromstring(z.read(name)) for name in
                ("word/document.xml", "word/settings.xml", "word/styles.xml", "word/fontTable.xml")
                } | {"footer": etree.fromstring(next(z.read(n) for n in z.namelist() if n.startswith("word/footer")))}


def _text(p):
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def _style(p):
    ps = p.find(f"{W}pPr/{W}pStyle")
    return None if ps is None else ps.get(f"{W}val")


@pytest.fixture(scope="module")
def docx_zh(run, tmp_path_factory):
    return _parts(write_docx(_ctx(run, "zh"), tmp_path_factory.mktemp("docx") / "report.docx"))


def test_docx_has_a_toc_field_updated_on_open_and_page_numbers(docx_zh):
    body = docx_zh["word/document.xml"]
    instr = [i.text for i in body.iter(f"{W}instrText")]
    assert instr == [' TOC \\o "1-2" \\h \\z \\u ']
    kinds = [f.get(f"{W}fldCharType") for f in body.iter(f"{W}fldChar")]
    assert kinds == ["begin", "separate", "end"]
    upd = docx_zh["word/settings.xml"].find(f"{W}updateFields")
    assert upd is not None and upd.get(f"{W}val") == "true"
    # schema order: updateFields comes before compat
    names = [c.tag.removeprefix(W) for c in docx_zh["word/settings.xml"]]
    assert names.index("updateFields") < names.index("compat")
    assert [f.get(f"{W}instr") for f in docx_zh["footer"].iter(f"{W}fldSimple")] == [" PAGE "]


def test_docx_page_is_a4_with_thesis_margins(docx_zh):
    sect = docx_zh["word/document.xml"].find(f"{W}body/{W}sectPr")
    size, mar = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")          # 210 × 297 mm in twips
    assert (mar.get(f"{W}top"), mar.get(f"{W}left")) == ("1417", "1701")        # 2.5 cm, 3 cm


def test_docx_captions_are_numbered_per_chapter_like_the_markdown(run, docx_zh, tmp_path):
    body = docx_zh["word/document.xml"]
    captions, chapter = [], None
    for p in body.iter(f"{W}p"):
        if _style(p) == "Heading1":
            chapter = _text(p).split(" ")[0]
        elif _style(p) == "Caption":
            captions.append((chapter, _text(p)))
    assert captions[0] == ("1", "表1-1 问题数量（按风险等级）")
    # the chapter in every caption is its section's number, and numbers run 1, 2, … per chapter and kind
    seen: dict[tuple[str, str], int] = {}
    for chap, text in captions:
        m = re.match(r"^([表图])(\d+)-(\d+) ", text)
        assert m and m[2] == chap, text
        seen[(m[1], chap)] = seen.get((m[1], chap), 0) + 1
        assert int(m[3]) == seen[(m[1], chap)], text
    # the same captions, in the same order, as the Markdown report
    (md,) = render_report(run, tmp_path, lang="zh", formats=("md",), catalogue=make_catalogue())
    md_caps = re.findall(r"^\*\*([表][^*]+)\*\*$|^\*([图][^*]+)\*$", md.read_text("utf-8"), re.M)
    assert [t for _, t in captions] == [a or b for a, b in md_caps]


def test_docx_cross_references_link_to_bookmarked_captions(docx_zh):
    body = docx_zh["word/document.xml"]
    marks = {b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")}
    ids = [b.get(f"{W}id") for b in body.iter(f"{W}bookmarkStart")]
    assert sorted(ids) == sorted({b.get(f"{W}id") for b in body.iter(f"{W}bookmarkEnd")})
    assert len(ids) == len(set(ids)) == len(marks)
    assert all(len(m) <= 40 and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", m) for m in marks)
    for p in body.iter(f"{W}p"):
        if _style(p) == "Caption":
            assert p.find(f"{W}bookmarkStart") is not None, _text(p)
    anchors = [h.get(f"{W}anchor") for h in body.iter(f"{W}hyperlink")]
    assert anchors and set(anchors) <= marks
    assert {"tab_1_1", "sec_summary", "finding_1"} <= marks
    # the text links a cited number to its table (not only the TOC to chapters)
    assert any(a.startswith("tab_") for a in anchors)


def test_docx_tables_are_three_line_tables(docx_zh):
    tables = list(docx_zh["word/document.xml"].iter(f"{W}tbl"))
    assert tables
    for tbl in tables:
        borders = {b.tag.removeprefix(W): (b.get(f"{W}val"), b.get(f"{W}sz"))
                   for b in tbl.find(f"{W}tblPr/{W}tblBorders")}
        assert borders == {"top": ("single", "12"), "bottom": ("single", "12"), "left": ("nil", "0"),
                           "right": ("nil", "0"), "insideH": ("nil", "0"), "insideV": ("nil", "0")}
        rows = tbl.findall(f"{W}tr")
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
        for tc in rows[0].findall(f"{W}tc"):
            bottom = tc.find(f"{W}tcPr/{W}tcBorders/{W}bottom")
            assert (bottom.get(f"{W}val"), bottom.get(f"{W}sz")) == ("single", "6")   # 0.75 pt
        assert all(tc.find(f"{W}tcPr/{W}tcBorders") is None for r in rows[1:] for tc in r.findall(f"{W}tc"))


def test_docx_thesis_fonts_with_noto_fallbacks(docx_zh):
    styles = {s.get(f"{W}styleId"): s for s in docx_zh["word/styles.xml"].iter(f"{W}style")}

    def fonts(style_id):
        rf = styles[style_id].find(f"{W}rPr/{W}rFonts")
        return rf.get(f"{W}ascii"), rf.get(f"{W}hAnsi"), rf.get(f"{W}eastAsia"), rf.get(f"{W}asciiTheme")

    assert fonts("Normal") == ("Times New Roman", "Times New Roman", "宋体", None)
    assert fonts("Heading1") == ("Times New Roman", "Times New Roman", "黑体", None)
    assert fonts("Caption")[2] == "黑体"
    alt = {f.get(f"{W}name"): f.find(f"{W}altName").get(f"{W}val")
           for f in docx_zh["word/fontTable.xml"].iter(f"{W}font") if f.find(f"{W}altName") is not None}
    assert alt["宋体"] == "Noto Serif SC" and alt["黑体"] == "Noto Sans SC"


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_docx(run, tmp_path):
    path = write_docx(_ctx(run, "en"), tmp_path / "report.docx")
    done = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report.pdf").stat().st_size > 10_000


# -- PDF ------------------------------------------------------------------------------------------
def test_typst_source_keeps_every_text_a_string_literal(run, tmp_path):
    src = typst_source(_ctx(run, "en"), tmp_path)
    assert '#"<script>alert(1)</script>"' in src          # the sample's hostile segment name, inert
    assert 'image("figures/npl_trend.png", width: 100%)' in src
    assert (tmp_path / "figures" / "npl_trend.png").is_file()


def test_typst_table_cells_break_long_codes_at_underscores(run, tmp_path):
    """The method chapter's metric codes (renewed_normal_overdue_count) ran into the next column."""
    src = typst_source(_ctx(run, "zh"), tmp_path)
    cells = re.findall(r'\[#"((?:[^"\\]|\\.)*)"\]', src)
    codes = [c for c in cells if re.fullmatch(r"[a-z0-9]+(?:_\u200b[a-z0-9]+)+", c)]
    assert "npl_\u200bratio" in codes
    assert not [c for c in cells if re.search(r"_[a-z]", c)]       # no underscore without a break after it
    assert '#"<script>alert(1)</script>"' in typst_source(_ctx(run, "en"), tmp_path)


@pytest.fixture(scope="module", params=["zh", "en"])
def pdf(run, tmp_path_factory, request):
    folder = tmp_path_factory.mktemp(f"pdf_{request.param}")
    return request.param, write_pdf(_ctx(run, request.param), folder / "report.pdf")


def test_pdf_is_deterministic(run, pdf, tmp_path):
    lang, path = pdf
    again = write_pdf(_ctx(run, lang), tmp_path / "again.pdf")
    assert path.read_bytes()[:5] == b"%PDF-"
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.skipif(PDFTOPPM is None or PDFFONTS is None, reason="poppler-utils is not installed")
def test_pdf_pages_render_and_every_font_is_embedded(run, pdf, tmp_path):
    lang, path = pdf
    sections = len(_ctx(run, lang).sections)
    subprocess.run([PDFTOPPM, "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True, timeout=300)
    pages = sorted(tmp_path.glob("page-*.png"))
    # a title page (cover + contents), then each chapter starts on a new page
    assert len(pages) >= 1 + sections
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 500 for p in pages)
    out = subprocess.run([PDFFONTS, str(path)], capture_output=True, text=True, check=True).stdout
    rows = [ln.split() for ln in out.splitlines()[2:] if ln.strip()]
    assert rows and all(r[-5] == "yes" for r in rows), out      # the "emb" column
    names = " ".join(r[0] for r in rows)
    assert "NotoSansSC" in names, out                        # headings: the shipped font, never a system one
    if lang == "zh":
        assert "NotoSerifSC" in names, out


def test_report_cli_writes_the_pdf_on_request(tmp_path):
    run = make_run(tmp_path / "run")
    save_run(run, run.base_dir)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", str(run.base_dir), "--format", "md", "--pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {out / 'report.md'}\nwrote {out / 'report.pdf'}\n"
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"


# -- HTML -----------------------------------------------------------------------------------------
class _Visible(HTMLParser):
    """The text a browser shows: element text outside <style>, <script> and <title>, plus alt text."""

    def __init__(self) -> None:
        super().__init__()
        self.chars: set[str] = set()
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.chars |= {c for c in data if not c.isspace()}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_embeds_fonts_covering_every_character_shown(run, tmp_path, lang):
    from fontTools.ttLib import TTFont

    (path,) = render_report(run, tmp_path, lang=lang, formats=("html",), catalogue=make_catalogue())
    page = path.read_text("utf-8")
    faces = re.findall(r'font-family: "([^"]+)";[^}]*?url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)', page)
    assert [f for f, _ in faces] == ["mcr Noto Serif SC", "mcr Noto Sans SC"]
    visible = _Visible()
    visible.feed(page)
    if lang == "zh":
        assert "险" in visible.chars
    for _family, data in faces:
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        assert font.flavor == "woff"
        cmap = font.getBestCmap()
        missing = sorted(c for c in visible.chars if ord(c) not in cmap)
        assert not missing
        assert len(cmap) < 2 * len(visible.chars) + 50    # a subset, not the 30,000-glyph font
    # the stylesheet names the embedded families first (Chromium drew boxes when they came after Arial)
    assert re.search(r'--serif: "mcr Noto Serif SC", ', page) and re.search(r'--sans: "mcr Noto Sans SC", ', page)
    again = render_report(run, tmp_path / "again", lang=lang, formats=("html",), catalogue=make_catalogue())[0]
    assert again.read_bytes() == path.read_bytes()


def test_analyze_pdf_adds_report_pdf_to_the_run_folder(tmp_path):
    from microcredit_risk.sample.export import export_bank_ledger
    from microcredit_risk.sample.simulate import simulate

    sample = simulate("village_bank", seed=5, loans=150)
    ledger = export_bank_ledger(sample, tmp_path / "village.xlsx")
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["analyze", str(ledger), "--out", str(out), "--dpi", "50", "--pdf", "--quiet"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir() if p.is_file())
    assert names == ["findings.json", "metrics.json", "metrics.xlsx", "models.json", "report.docx", "report.html",
                     "report.md", "report.pdf", "run.json", "validation.json", "watchlist.csv", "watchlist.xlsx"]
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
