"""report.docx, read back as XML: wide tables that do not break numbers, the embedded Noto subsets,
and a table of contents that reads right before Word updates it (issue 11)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from io import BytesIO

import pytest
from lxml import etree
from report_sample import deobfuscate, make_catalogue, make_run

from microcredit_risk.figures.fonts import noto_dir
from microcredit_risk.report.blocks import Table
from microcredit_risk.report.context import build_context
from microcredit_risk.report.docx import write_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SOFFICE, PDFFONTS = shutil.which("soffice"), shutil.which("pdffonts")
pytestmark = pytest.mark.skipif(noto_dir() is None, reason="pylopdf-fonts-zh-cn is not installed")

YEARS = [f"{y}年12月31日" for y in range(2019, 2024)]
WIDE = Table("tab-wide", "表3-9 宽表", ["五级分类", *[f"{y}{k}" for y in YEARS for k in ("余额", "占比")]],
             [["1—30天", *[v for _ in YEARS for v in ("34,104.31", "100.00%")]],
              ["不良贷款余额", *[v for _ in YEARS for v in ("1,234,567.89", "92.13%")]]],
             [False, *[True] * 10])
NARROW = Table("tab-narrow", "表3-10 窄表", ["指标", "2023年12月31日"], [["不良率", "7.20%"]], [False, True])
# wider than even a landscape page at 小五: 16 columns of 12-digit numbers
HUGE = Table("tab-huge", "表3-11 特宽表", [f"列{i}" for i in range(16)], [["123,456,789.01"] * 16], [True] * 16)


@pytest.fixture(scope="module")
def docx_path(tmp_path_factory):
    run = make_run(tmp_path_factory.mktemp("docx") / "run")
    ctx = build_context(run, "zh", make_catalogue())
    ctx.sections[1].blocks += [NARROW, WIDE, HUGE]
    return write_docx(ctx, tmp_path_factory.mktemp("out") / "report.docx")


@pytest.fixture(scope="module")
def parts(docx_path):
    with zipfile.ZipFile(docx_path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _xml(parts, name):
    return etree.fromstring(parts[name])


def _noto_width(text: str, size_pt: float) -> float:
    """Printed width in points from Noto Serif SC's advance widths (fontTools), as LibreOffice draws CJK."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(noto_dir() / "NotoSerifSC-Regular.otf"), lazy=True)
    cmap, hmtx, upm = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    return sum(hmtx[cmap[ord(c)]][0] for c in text) / upm * size_pt


def _tables(parts):
    """(caption, tbl, text width in twips of its section, font size in pt) for every table."""
    doc, styles = _xml(parts, "word/document.xml"), _xml(parts, "word/styles.xml")
    size = {s.get(f"{W}styleId"): s.find(f"{W}rPr/{W}sz") for s in styles.iter(f"{W}style")}
    out, pending, caption = [], [], ""
    for node in doc.find(f"{W}body"):
        if node.tag == f"{W}tbl":
            style = node.find(f".//{W}pStyle").get(f"{W}val")
            pending.append((caption, node, int(size[style].get(f"{W}val")) / 2))
        elif node.tag == f"{W}p":
            caption = "".join(node.itertext()) or caption
        sect = node.find(f".//{W}sectPr") if node.tag == f"{W}p" else (node if node.tag == f"{W}sectPr" else None)
        if sect is not None:
            pg, mar = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
            width = int(pg.get(f"{W}w")) - int(mar.get(f"{W}left")) - int(mar.get(f"{W}right"))
            out += [(c, t, width, s) for c, t, s in pending]
            pending = []
    return out


def test_every_table_fits_its_text_width_and_no_number_is_narrower_than_its_column(parts):
    tables = _tables(parts)
    assert len(tables) > 5
    for caption, tbl, width, size in tables:
        grid = [int(g.get(f"{W}w")) for g in tbl.iter(f"{W}gridCol")]
        assert sum(grid) <= width, caption
        margin = sum(int(m.get(f"{W}w")) for m in tbl.find(f"{W}tblPr/{W}tblCellMar"))
        for tr in tbl.findall(f"{W}tr")[1:]:
            for col, tc in enumerate(tr.findall(f"{W}tc")):
                text = "".join(tc.itertext())
                if tc.find(f".//{W}jc") is None or not text or caption == "表3-11 特宽表":
                    continue                                   # numeric (right-aligned) columns only
                for number in (w for w in text.split() if any(ch.isdigit() for ch in w)):   # "50.00% (制造业)"
                    assert (grid[col] - margin) / 20 >= _noto_width(number, size), (caption, text)
                if " " not in text:
                    assert tc.find(f"{W}tcPr/{W}noWrap") is not None, (caption, text)


def test_wide_tables_go_to_xiaowu_then_landscape(parts):
    by_caption = {c: (w, s) for c, _, w, s in _tables(parts)}
    assert by_caption["表3-10 窄表"] == (8504, 10.5)     # 五号 on the 15 cm portrait text width
    assert by_caption["表3-9 宽表"] == (14004, 9.0)      # 小五, landscape: 29.7 − 2 × 2.5 cm
    assert by_caption["表3-11 特宽表"][1] == 9.0          # never below 小五
    doc = parts["word/document.xml"].decode()
    assert doc.count('w:orient="landscape"') == 1       # the two wide tables share one landscape section


def test_noto_subsets_are_embedded_and_cover_every_chinese_character(parts):
    from fontTools.ttLib import TTFont

    table = _xml(parts, "word/fontTable.xml")
    rels = {r.get("Id"): r.get("Target") for r in _xml(parts, "word/_rels/fontTable.xml.rels").iter(f"{PKG}Relationship")}
    text = "".join(_xml(parts, "word/document.xml").itertext())
    cjk = {c for c in text if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"}
    assert len(cjk) > 50
    embedded = {}
    for font in table.iter(f"{W}font"):
        embed = font.find(f"{W}embedRegular")
        if embed is not None:
            data = parts["word/" + rels[embed.get(f"{R}id")]]
            assert data[:4] not in (b"OTTO", b"\0\1\0\0")                      # obfuscated
            plain = TTFont(BytesIO(deobfuscate(data, embed.get(f"{W}fontKey"))))
            embedded[font.get(f"{W}name")] = plain
            assert cjk <= {chr(c) for c in plain.getBestCmap()}, font.get(f"{W}name")
            assert len(data) < 1_000_000                                        # a subset, not 8–12 MB
    assert set(embedded) == {"宋体", "黑体"}
    assert embedded["宋体"]["name"].getDebugName(1) == "Noto Serif SC"
    assert embedded["黑体"]["name"].getDebugName(1) == "Noto Sans SC"
    assert b"application/vnd.openxmlformats-officedocument.obfuscatedFont" in parts["[Content_Types].xml"]
    settings = [c.tag.removeprefix(W) for c in _xml(parts, "word/settings.xml")]
    assert settings.index("embedTrueTypeFonts") < settings.index("saveSubsetFonts") < settings.index("defaultTabStop")


def test_docx_with_fonts_is_byte_identical(docx_path, tmp_path):
    run = make_run(tmp_path / "run")
    ctx = build_context(run, "zh", make_catalogue())
    ctx.sections[1].blocks += [NARROW, WIDE, HUGE]
    again = write_docx(ctx, tmp_path / "again.docx")
    assert again.read_bytes() == docx_path.read_bytes()


def test_toc_result_lists_the_headings_with_links_before_any_update(parts):
    doc = _xml(parts, "word/document.xml")
    paras = doc.find(f"{W}body").findall(f"{W}p")
    instr = doc.find(f".//{W}instrText").text
    assert instr.strip() == 'TOC \\o "1-2" \\h \\z \\u'
    start = next(i for i, p in enumerate(paras) if p.find(f".//{W}instrText") is not None)
    end = next(i for i, p in enumerate(paras) if i >= start and
               any(f.get(f"{W}fldCharType") == "end" for f in p.iter(f"{W}fldChar")))
    entries = [("".join(h.itertext()), h.get(f"{W}anchor")) for p in paras[start:end + 1]
               for h in p.iter(f"{W}hyperlink")]
    headings = []
    for p in paras[end + 1:]:
        style = p.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(f"{W}val") in ("Heading1", "Heading2"):
            mark = p.find(f"{W}bookmarkStart")
            headings.append(("".join(t.text or "" for t in p.iter(f"{W}t")), mark.get(f"{W}name")))
    assert entries == headings
    assert entries[0][0].startswith("1 ") and len(entries) > 5


@pytest.mark.skipif(SOFFICE is None or PDFFONTS is None, reason="LibreOffice or poppler-utils is not installed")
def test_libreoffice_draws_chinese_with_the_embedded_noto(docx_path, tmp_path):
    done = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    fonts = subprocess.run([PDFFONTS, str(tmp_path / "report.pdf")], capture_output=True, text=True).stdout
    assert "NotoSerifSC" in fonts and "NotoSansSC" in fonts, fonts
