"""WordprocessingML that python-docx has no API for: fields, bookmarks, internal links, table rules.

Kept apart from docx.py (which lays out the report) so the raw XML lives in one place. Everything
here is ordinary ECMA-376 markup that Word and LibreOffice both read without repair: element order
follows the schema (e.g. ``w:updateFields`` goes before ``w:compat`` in settings.xml).
"""

from __future__ import annotations

import re
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# settings.xml children that must come after w:updateFields (CT_Settings sequence)
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
                        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
                        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags",
                        "decimalSymbol", "listSeparator")
_BEFORE_NOWRAP = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd")
_BOOKMARK_CHARS = re.compile(r"[^A-Za-z0-9_]")
RULE_OUTER, RULE_HEADER = 12, 6     # border sizes in eighths of a point: 1.5 pt and 0.75 pt (三线表)


def el(tag: str, **attrs: str) -> Any:
    """A new ``w:`` element with ``w:`` attributes."""
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(f"w:{k}"), v)
    return e


def text_run(text: str, rpr: dict[str, str] | None = None) -> Any:
    r = el("w:r")
    if rpr:
        props = el("w:rPr")
        for tag, val in rpr.items():
            props.append(el(f"w:{tag}", val=val) if val else el(f"w:{tag}"))
        r.append(props)
    t = el("w:t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    r.append(t)
    return r


def simple_field(paragraph: Any, instr: str, shown: str) -> Any:
    """Append ``<w:fldSimple w:instr=…>`` with ``shown`` as its last computed result."""
    fld = el("w:fldSimple", instr=f" {instr} ")
    fld.append(text_run(shown))
    paragraph._p.append(fld)
    return fld


def field_begin(paragraph: Any, instr: str) -> None:
    """Open a complex field (begin, instruction, separate); the result follows, then field_end."""
    for part in (el("w:fldChar", fldCharType="begin"), None, el("w:fldChar", fldCharType="separate")):
        r = el("w:r")
        if part is None:
            part = el("w:instrText")
            part.text = f" {instr} "
            part.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        r.append(part)
        paragraph._p.append(r)


def field_end(paragraph: Any) -> None:
    r = el("w:r")
    r.append(el("w:fldChar", fldCharType="end"))
    paragraph._p.append(r)


class Bookmarks:
    """Word bookmark names for the report's anchors ("tab-3-1" → "tab_3_1"; ≤ 40 chars, unique)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.placed: set[str] = set()
        self.next_id = 0

    def name(self, anchor: str) -> str:
        if anchor not in self.names:
            base = _BOOKMARK_CHARS.sub("_", anchor.removeprefix("#"))
            base = base if base[:1].isalpha() else f"m_{base}"
            name, n = base[:40], 1
            while name in self.names.values():
                n += 1
                name = f"{base[:36]}_{n}"
            self.names[anchor.removeprefix("#")] = name
        return self.names[anchor.removeprefix("#")]

    def wrap(self, paragraph: Any, anchor: str) -> None:
        """Put the whole paragraph inside a bookmark named after ``anchor`` (once per name)."""
        name = self.name(anchor)
        if name in self.placed:
            return
        self.placed.add(name)
        bid = str(self.next_id)
        self.next_id += 1
        start = el("w:bookmarkStart", id=bid, name=name)
        ppr = paragraph._p.pPr
        if ppr is not None:
            ppr.addnext(start)
        else:
            paragraph._p.insert(0, start)
        paragraph._p.append(el("w:bookmarkEnd", id=bid))


def internal_link(paragraph: Any, bookmark: str, text: str, colour: str) -> None:
    """A hyperlink to a bookmark in this document (a cross-reference that works in Word and LibreOffice)."""
    link = el("w:hyperlink", anchor=bookmark, history="1")
    link.append(text_run(text, {"color": colour, "u": "single"}))
    paragraph._p.append(link)


def three_line_table(table: Any) -> None:
    """三线表: 1.5 pt rules above and below the table, 0.75 pt under the header row, nothing else."""
    tblpr = table._tbl.tblPr
    borders = el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        outer = side in ("top", "bottom")
        borders.append(el(f"w:{side}", val="single" if outer else "nil", sz=str(RULE_OUTER) if outer else "0",
                          space="0", color="000000" if outer else "auto"))
    # CT_TblPr order: … tblW, jc, …, tblBorders, shd, tblLayout, tblCellMar, tblLook
    anchor = next((tblpr.find(qn(f"w:{t}")) for t in ("shd", "tblLayout", "tblCellMar", "tblLook")
                   if tblpr.find(qn(f"w:{t}")) is not None), None)
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        tblpr.append(borders)
    header = table.rows[0]
    trpr = header._tr.get_or_add_trPr()
    trpr.append(el("w:tblHeader"))          # repeat the header row on every page
    for cell in header.cells:
        tcpr = cell._tc.get_or_add_tcPr()
        tcb = el("w:tcBorders")
        tcb.append(el("w:bottom", val="single", sz=str(RULE_HEADER), space="0", color="000000"))
        tcpr.append(tcb)


def no_wrap(cell: Any) -> None:
    """Keep the cell's text on one line (w:noWrap: after tcW … tcBorders, shd in CT_TcPr)."""
    tcpr = cell._tc.get_or_add_tcPr()
    before = [c for c in tcpr if c.tag.rsplit("}", 1)[-1] in _BEFORE_NOWRAP]
    if before:
        before[-1].addnext(el("w:noWrap"))
    else:
        tcpr.insert(0, el("w:noWrap"))


def fixed_table_width(table: Any, width: int, margin: int) -> None:
    """tblW = the sum of the columns (dxa) and narrow left/right cell margins, so Word keeps the widths."""
    tblpr = table._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = el("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(width // 635))          # EMU → twips
    mar = el("w:tblCellMar")
    for side in ("left", "right"):
        mar.append(el(f"w:{side}", w=str(margin // 635), type="dxa"))
    look = tblpr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(mar)                        # CT_TblPr: … tblLayout, tblCellMar, tblLook
    else:
        tblpr.append(mar)


def update_fields_on_open(settings: Any) -> None:
    """Ask Word to refresh the TOC and page fields when the file is opened (w:updateFields)."""
    upd = el("w:updateFields", val="true")
    after = next((c for c in settings if c.tag.rsplit("}", 1)[-1] in _AFTER_UPDATE_FIELDS), None)
    if after is not None:
        after.addprevious(upd)
    else:
        settings.append(upd)


def set_rfonts(rpr: Any, latin: str, east_asia: str) -> None:
    """Explicit fonts: ascii/hAnsi/cs Latin, eastAsia Chinese; theme fonts removed (they would win)."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = el("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asia), ("cs", latin)):
        rfonts.set(qn(f"w:{attr}"), value)


def font_table_entries(names: dict[str, str]) -> bytes:
    """``w:font`` entries for Chinese fonts, each naming a fallback (``w:altName``) — the shipped Noto."""
    out = []
    for name, alt in names.items():
        out.append(f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                   f'<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>')
    return "".join(out).encode("utf-8")
