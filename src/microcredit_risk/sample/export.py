"""Write a ledger the way a bank's core system exports it (Chinese headers and values, 万元, a
merged title row, one sheet per year or one sheet with 数据日期), or in canonical form.

The bank form exercises the reader's aliases (LEDGER.md): every header and value written here is one
the reader maps back, taken from ``data/sample_vocab.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..errors import OutputError
from ..output import atomic_file, safe_append, workbook_bytes
from .kinds import vocab
from .simulate import Sample

MONEY = ("amount", "balance", "provision", "write_off")
DATES = ("as_of", "origination_date", "maturity_date")
VALUE_MAPS = ("five_category", "customer_type", "guarantee_type")
DEFAULT_TITLE = "小微企业贷款台账（单位：万元）"


@dataclass(frozen=True)
class ExportStyle:
    """How a bank lays out its export."""

    sheets: str = "per_year"   # per_year: one sheet per year-end (2019年末 …); single: one sheet + 数据日期
    industry: str = "name"     # name: 制造业 …; code: the GB/T code (C13 …)
    rate: str = "number"       # number: 5.5; percent: the text '5.5%'
    dates: str = "date"        # date: spreadsheet dates; text: 'YYYY-MM-DD'

    @classmethod
    def of(cls, style: ExportStyle | dict[str, str] | None) -> ExportStyle:
        if style is None:
            return cls()
        if isinstance(style, ExportStyle):
            return style
        return cls(**style)


def bank_table(frame: pd.DataFrame, style: ExportStyle | None = None,
               industry_code: pd.Series | None = None) -> pd.DataFrame:
    """The canonical ``frame`` as the bank's table: Chinese headers and values, amounts in 万元."""
    style = style or ExportStyle()
    v = vocab()
    out = pd.DataFrame(index=frame.index)
    for col, header in v["headers"].items():
        if col not in frame:
            continue
        s = frame[col]
        if col in MONEY:
            s = (s / 1e4).round(2)
        elif col in DATES and style.dates == "text":
            s = s.dt.strftime("%Y-%m-%d")
        elif col in VALUE_MAPS:
            s = s.astype("str").map(v[col])
        elif col == "industry":
            s = industry_code if style.industry == "code" and industry_code is not None else s.map(v["industry"])
        elif col == "renewal_flag":
            s = s.map({True: v["renewal_flag"]["true"], False: v["renewal_flag"]["false"]})
        elif col == "interest_rate":
            s = (s * 100).round(2)
            if style.rate == "percent":
                s = s.map(lambda x: f"{x:g}%" if pd.notna(x) else None)
        elif col == "days_past_due":
            s = s.astype("Int64")
        out[header] = s
    return out


def bank_sheets(data: Sample | pd.DataFrame, style: ExportStyle | dict[str, str] | None = None
                ) -> dict[str, pd.DataFrame]:
    """Sheet name → bank table: ``2019年末`` … (no date column) or one sheet ``贷款台账``."""
    frame, codes, st = _unpack(data, style)
    table = bank_table(frame, st, codes)
    if st.sheets == "single":
        return {"贷款台账": table}
    date_header = vocab()["headers"]["as_of"]
    years = frame["as_of"].dt.year
    return {f"{y}年末": table[years == y].drop(columns=date_header) for y in sorted(years.unique())}


def export_bank_ledger(data: Sample | pd.DataFrame, path: str | Path,
                       style: ExportStyle | dict[str, str] | None = None, title: str | None = None) -> Path:
    """Write ``data`` as a bank's export: ``.xlsx`` (title row, sheets per the style) or ``.csv``
    (one table with 数据日期, UTF-8 with BOM so Excel opens it). Written atomically."""
    path = Path(path)
    if title is None:
        title = data.title if isinstance(data, Sample) else DEFAULT_TITLE
    if path.suffix.lower() == ".csv":
        frame, codes, st = _unpack(data, style)
        table = bank_table(frame, st, codes)
        with atomic_file(path) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
        return path
    if path.suffix.lower() != ".xlsx":
        raise OutputError("E510", where=str(path), choices=".xlsx, .csv")
    sheets = bank_sheets(data, style)
    with atomic_file(path) as tmp:
        write_xlsx(sheets, tmp, title)
    return path


def export_canonical_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """The ledger in canonical form (English headers, canonical values, yuan, ISO dates)."""
    out = frame.copy()
    for col in DATES:
        if col in out:
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    with atomic_file(path) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8")
    return Path(path)


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path, title: str) -> None:
    """Write-only openpyxl workbook: a bold title merged over the header, then header and rows."""
    wb = Workbook(write_only=True)
    for name, table in sheets.items():
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A3"
        head = WriteOnlyCell(ws, value=title)
        head.font = Font(bold=True, size=14)
        head.alignment = Alignment(horizontal="center")
        safe_append(ws, [head])
        ws.merged_cells.add(f"A1:{get_column_letter(max(1, table.shape[1]))}1")
        safe_append(ws, list(table.columns))
        for row in _rows(table):
            safe_append(ws, row)
    Path(path).write_bytes(workbook_bytes(wb))


def _rows(table: pd.DataFrame) -> Any:
    """Rows as Python values: NaN becomes an empty cell, a timestamp a date cell."""
    cols = []
    for c in table.columns:
        s = table[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.dt.date
        cols.append(s.astype(object).where(s.notna(), None).tolist())
    return zip(*cols, strict=True)


def _unpack(data: Sample | pd.DataFrame, style: ExportStyle | dict[str, str] | None
            ) -> tuple[pd.DataFrame, pd.Series | None, ExportStyle]:
    if isinstance(data, Sample):
        return data.frame, data.industry_code, ExportStyle.of(style if style is not None else data.style)
    return data, None, ExportStyle.of(style)
