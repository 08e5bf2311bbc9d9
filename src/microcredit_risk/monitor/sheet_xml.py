"""A long worksheet's rows as SpreadsheetML, built column by column (no cell-by-cell openpyxl).

openpyxl writes about 2,500 rows of 18 cells a second; a watchlist of tens of thousands of loans
would take most of `mcr analyze`'s time. Here each column becomes its cells' XML in a few vectorised
string operations, the columns are joined into rows, and :func:`output.splice_rows` puts the rows
into the sheet openpyxl wrote with its header and one template row (whose cells give the style of
each column: number formats, and the quote-prefix style of a text cell that reads like a formula).

The cells are what openpyxl's write-only mode writes: inline strings (``t="inlineStr"``), numbers
(``t="n"``), dates as Excel serial numbers (1900 date system) with a date format. Formula-like text
(= + - @ tab CR: ``output.FORMULA_START``) is stored as text with Excel's quote prefix, never as a
formula; characters XML cannot hold (control characters other than tab, LF, CR) are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..output import FORMULA_START

CHUNK = 50_000                       # rows joined at a time: memory stays bounded for a long list
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_TEMPLATE_CELL = re.compile(r'<c r="([A-Z]+)2"(?: s="(\d+)")?')


def template_styles(sheet_xml: str) -> dict[str, int]:
    """Column letter → style index of the template row (row 2) openpyxl wrote."""
    start = sheet_xml.index('<row r="2"')
    row = sheet_xml[start:sheet_xml.index("</row>", start)]
    return {m.group(1): int(m.group(2) or 0) for m in _TEMPLATE_CELL.finditer(row)}


def _join(*parts: Any) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars (one pass, no growing copies)."""
    return pc.binary_join_element_wise(*parts, "")


def _text(values: pd.Series) -> pa.Array:
    return pa.array(values.astype(object).where(values.notna(), "").astype(str).to_numpy(dtype=object), pa.string())


def _numbers(values: np.ndarray) -> pa.Array:
    """Floats as text: whole numbers without ".0", others in Python's shortest round-trip form."""
    whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2**53)
    out = pd.Series(values, dtype="float64").astype(str).to_numpy(dtype=object)
    if whole.any():
        out[whole] = values[whole].astype(np.int64).astype(str).astype(object)
    return pa.array(out, pa.string())


def column_cells(values: pd.Series, letter: str, rows: pa.Array, kind: str, style: int, safe_style: int) -> pa.Array:
    """One column's cells (``""`` for a missing value); ``kind``: "number", "date" or "text"."""
    ref = _join('<c r="' + letter, rows, '"')
    if kind == "date":
        stamp = pd.to_datetime(values)
        days = ((stamp - EXCEL_EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype="float64", na_value=np.nan)
        return _number_cells(days, ref, style)
    if kind == "number":
        return _number_cells(pd.to_numeric(values).to_numpy(dtype="float64", na_value=np.nan), ref, style)
    present = pa.array(values.notna().to_numpy())
    text = _text(values)
    risky = pc.starts_with(text, FORMULA_START[0])
    for start in FORMULA_START[1:]:
        risky = pc.or_(risky, pc.starts_with(text, start))
    attr = pc.if_else(risky, f' s="{safe_style}" t="inlineStr"><is><t xml:space="preserve">',
                      ' t="inlineStr"><is><t xml:space="preserve">')
    text = pc.replace_substring_regex(text, _ILLEGAL, "")
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, raw, escaped)
    return pc.if_else(present, _join(ref, attr, text, "</t></is></c>"), "")


def _number_cells(values: np.ndarray, ref: pa.Array, style: int) -> pa.Array:
    present = pa.array(~np.isnan(values))
    s = f' s="{style}"' if style else ""
    return pc.if_else(present, _join(ref, s + ' t="n"><v>', _numbers(np.where(np.isnan(values), 0.0, values)),
                                     "</v></c>"), "")


def _concatenated(strings: pa.Array) -> bytes:
    """Every string of the array, one after another: the array's character buffer, no Python strings."""
    strings = pa.concat_arrays([strings]) if strings.offset else strings
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)[: len(strings) + 1]
    data = strings.buffers()[2]
    return b"" if data is None else data.to_pybytes()[offsets[0]:offsets[-1]]


def rows_xml(frame: pd.DataFrame, kinds: Mapping[str, str], styles: Mapping[str, int], safe_style: int,
             first_row: int = 2) -> Iterator[bytes]:
    """The ``frame``'s rows as ``<row>`` elements (UTF-8) from sheet row ``first_row``, ``CHUNK`` rows a piece.

    ``kinds``: column → "number" / "date" (else text); ``styles``: column letter → style index."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(i) for i in range(1, frame.shape[1] + 1)]
    for lo in range(0, len(frame), CHUNK):
        part = frame.iloc[lo:lo + CHUNK].reset_index(drop=True)
        rows = pa.array(np.arange(first_row + lo, first_row + lo + len(part)).astype(str).astype(object), pa.string())
        cells = [column_cells(part[column], letter, rows, kinds.get(column, "text"), styles.get(letter, 0), safe_style)
                 for letter, column in zip(letters, part.columns, strict=True)]
        yield _concatenated(_join('<row r="', rows, '">', *cells, "</row>"))
