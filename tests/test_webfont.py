"""One Noto subset per font for report.html and report.docx: the same glyphs in both, the same bytes as
two separate subsets of that text, and the union of the two files' characters."""

from __future__ import annotations

import base64
import re
import zipfile
from io import BytesIO

import pytest
from report_sample import deobfuscate, make_catalogue, make_run

from microcredit_risk.figures.fonts import noto_dir
from microcredit_risk.report import webfont
from microcredit_risk.report.render import render_report
from microcredit_risk.report.webfont import merge_characters, subset_font

pytestmark = pytest.mark.skipif(noto_dir() is None, reason="pylopdf-fonts-zh-cn is not installed")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_merge_characters_sorts_each_character_once():
    assert merge_characters("不良率", "率a", "") == "a不率良"
    assert merge_characters() == ""


def test_one_subset_saved_in_both_flavours_equals_two_subsets():
    font, chars = noto_dir() / "NotoSansSC-Regular.otf", "不良贷款率%0123"
    webfont._subset.cache_clear()
    subset_font.cache_clear()
    woff, otf = subset_font(font, chars), subset_font(font, chars, flavor=None)
    assert webfont._subset.cache_info().misses == 1            # cut once, saved twice
    webfont._subset.cache_clear()
    subset_font.cache_clear()
    assert subset_font(font, chars, flavor=None) == otf
    webfont._subset.cache_clear()
    subset_font.cache_clear()
    assert subset_font(font, chars) == woff
    assert woff[:4] == b"wOFF" and otf[:4] == b"OTTO"


def test_html_and_docx_carry_the_same_glyphs_covering_both_texts(tmp_path):
    from fontTools.ttLib import TTFont

    run = make_run(tmp_path / "run")
    webfont._subset.cache_clear()
    html_path, docx_path = render_report(run, tmp_path / "out", formats=("html", "docx"), catalogue=make_catalogue())
    page = html_path.read_text(encoding="utf-8")
    woffs = {fam: TTFont(BytesIO(base64.b64decode(data))) for fam, data in
             re.findall(r'font-family: "([^"]+)";[^}]*?base64,([A-Za-z0-9+/=]+)', page)}
    with zipfile.ZipFile(docx_path) as z:
        doc_text = z.read("word/document.xml").decode("utf-8")
        fonts = {n: z.read(n) for n in z.namelist() if n.startswith("word/fonts/")}
        table = z.read("word/fontTable.xml").decode("utf-8")
    keys = dict(re.findall(r'r:id="(rId\d+)" w:fontKey="(\{[^}]+\})"', table))
    rels = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"',
                           zipfile.ZipFile(docx_path).read("word/_rels/fontTable.xml.rels").decode()))
    plain = [TTFont(BytesIO(deobfuscate(fonts["word/" + rels[r]], k))) for r, k in keys.items()]
    embedded = {f["name"].getDebugName(1): f for f in plain}
    assert set(woffs) == {"mcr Noto Serif SC", "mcr Noto Sans SC"}
    assert set(embedded) == {"Noto Serif SC", "Noto Sans SC"}
    assert webfont._subset.cache_info().misses == 2             # one cut per font, not four
    for family in ("Noto Serif SC", "Noto Sans SC"):
        html_glyphs = set(woffs[f"mcr {family}"].getBestCmap())
        assert html_glyphs == set(embedded[family].getBestCmap())
    docx_only = {c for c in re.sub(r"<[^>]+>", "", doc_text) if "\u4e00" <= c <= "\u9fff"}
    assert docx_only and {ord(c) for c in docx_only} <= html_glyphs
