"""metrics.xlsx: the report's tables as sheets, ready to paste into a thesis or a bank report.

Which sheets and rows: metrics/workbook_tables.py and metrics/workbook.py (one sheet per report
table, in report order, peer rows beside the bank's figures, the rest by family in appendix sheets). Here: how they look. Row 1 is the table's caption, row 2 the header
(frozen with the first column); a sheet with several blocks (a transition matrix per period) puts a
heading row and a header above each. Amounts are shown in 万元 / 万美元 (zh) or CNY / USD million (en),
said in the row or column label; ratios 0.00%, amounts #,##0.00, counts #,##0. Every row goes through
``output.safe_append`` (formula-like text stays text) and ``output.workbook_bytes`` makes the bytes
the same for the same table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..output import safe_append, workbook_bytes
from ..profile import Benchmark
from ..vocabulary import currency_word
from .table import Metrics
from .workbook import Cell, Num, Sheet, layout, words
from .workbook_tables import build_sheets

FORMATS = {"ratio": "0.00%", "ratio_per_year": "0.00%", "yuan": "#,##0.00", "count": "#,##0",
           "index": "0.0000", "probability": "0.0000", "pvalue": "0.0000"}
MULTIPLE = "0.00"           # a ratio read as a multiple (risk contribution: 2.00 = twice its share)
SCALE = {"zh": 10_000.0, "en": 1_000_000.0}   # 万 / million
_BAD_NAME = re.compile(r"[\[\]:*?/\\]")


def _width(text: object) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def money_unit(lang: str, currency: str) -> str:
    """万元 / 万美元 / CNY million / USD million: the unit amounts are shown in."""
    return words("units.money_table", lang, cur=currency_word(currency, lang))


def _fit(name: str, room: int) -> str:
    return name if len(name) <= room else name[: room - 1].rstrip(" ,") + "…"


def sheet_names(titles: list[str]) -> list[str]:
    """Excel's sheet names (≤ 31 characters, none of []:*?/\\, unique) from the captions: a caption too
    long loses its bracketed tail (unless the tail tells it from an earlier one), then is cut (…); a
    repeat gets " (2)". Row 1 of the sheet holds the whole caption."""
    out: list[str] = []
    tails = {m[1] for t in titles if (m := re.search(r"([（(][^（()）]*[)）])$", t))}
    tails = {t for t in tails if sum(x.endswith(t) for x in titles) > 1}   # shared by several captions
    for title in titles:
        name = re.sub(r"\s+", " ", _BAD_NAME.sub(" ", title.replace(": ", " - "))).strip().strip("'") or "-"
        taken = {o.lower() for o in out}
        tail = re.search(r"\s*([（(][^（()）]*[)）])$", name) if len(name) > 31 else None
        if tail:
            name = name[: tail.start()] or name
            room = 31 - len(tail[1]) - 1
            if _fit(name, 31).lower() in taken and tail[1] not in tails and room >= 12:   # its own bracket tells it apart
                name = _fit(name, room) + " " + tail[1]
        candidate, n = _fit(name, 31), 2
        while candidate.lower() in taken:
            suffix = f" ({n})"
            candidate, n = _fit(name, 31 - len(suffix)) + suffix, n + 1
        out.append(candidate)
    return out


def write_metrics_xlsx(metrics: Metrics, path: str | Path, lang: str = "zh", currency: str = "CNY",
                       benchmarks: Mapping[str, Benchmark] | None = None) -> None:
    """Write the workbook to ``path`` (see module docstring)."""
    Path(path).write_bytes(metrics_xlsx_bytes(metrics, lang, currency, benchmarks))


def metrics_xlsx_bytes(metrics: Metrics, lang: str = "zh", currency: str = "CNY",
                       benchmarks: Mapping[str, Benchmark] | None = None) -> bytes:
    """The workbook's bytes (deterministic). ``currency``: the ledger's (``ledger.currency``);
    ``benchmarks``: the profile's peer figures (rows beside the bank's, as in the report)."""
    lang = lang if lang in SCALE else "en"
    return sheets_xlsx_bytes(build_sheets(metrics.frame, lang, money_unit(lang, currency), benchmarks), lang)


def sheets_xlsx_bytes(sheets: Sequence[Sheet], lang: str) -> bytes:
    """A workbook of ``sheets`` in this module's look (metrics.xlsx, compare.xlsx); deterministic bytes."""
    wb = Workbook(write_only=True)
    for sheet, name in zip(sheets, sheet_names([s.title for s in sheets]), strict=True):
        _write_sheet(wb, sheet, name, lang)
    if not wb.worksheets:
        wb.create_sheet(title="metrics")
    return workbook_bytes(wb)


def _write_sheet(wb: Workbook, sheet: Sheet, name: str, lang: str) -> None:
    ws = wb.create_sheet(title=name)
    bold, multiples = Font(bold=True), set(layout("multiplier_metrics"))
    ncols = max(len(b.header) for b in sheet.blocks)
    widths = [0] * ncols
    for block in sheet.blocks:
        lines: list[Sequence[Cell]] = [block.header, *block.rows]
        for row in lines:
            for i, v in enumerate(row):
                widths[i] = max(widths[i], _width(v) if isinstance(v, str) else 12)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(w, 10) + 2, 60)
    ws.page_setup.orientation = "landscape"     # printed: one page wide, as many long as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:2"
    # the caption and the (first) header stay in view; so does the label column
    first = sheet.blocks[0]
    ws.freeze_panes = f"{get_column_letter(first.labels + 1)}{4 if first.title else 3}"

    def text(value: str, strong: bool = False, centre: bool = False) -> object:
        c = WriteOnlyCell(ws, value=value)
        if strong:
            c.font = bold
        if centre:
            c.alignment = Alignment(horizontal="center", wrap_text=True)
        return c

    safe_append(ws, [text(sheet.title, strong=True)])
    for k, block in enumerate(sheet.blocks):
        if k:
            safe_append(ws, [])
        if block.title:
            safe_append(ws, [text(block.title, strong=True)])
        safe_append(ws, [text(h, strong=True, centre=j > 0) for j, h in enumerate(block.header)])
        for row in block.rows:
            safe_append(ws, [_number(ws, v, lang, multiples) if isinstance(v, Num) else v for v in row])


def _number(ws: object, n: Num, lang: str, multiples: set[str]) -> object:
    value = n.value
    if value is not None and n.unit == "yuan":
        value = value / SCALE[lang]
    c = WriteOnlyCell(ws, value=value)
    c.number_format = MULTIPLE if n.metric in multiples else FORMATS.get(n.unit, "General")
    return c
