"""metrics.xlsx: one sheet per metric family, wide by snapshot, for people.

Rows are (metric, dimension, segment) in catalogue order; columns are the as_of years (or dates,
when a year holds several snapshots). Ratios are formatted 0.00%, yuan and counts #,##0. The
file is byte-for-byte deterministic: fixed document dates and fixed zip entry times.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..output import safe_append, workbook_bytes
from ..vocabulary import dimension_label, family_label, segment_label
from .catalogue import catalogue, families
from .order import wide
from .table import Metrics

FORMATS = {"ratio": "0.00%", "yuan": "#,##0", "count": "#,##0", "index": "0.0000", "probability": "0.0000"}
LABELS = {"zh": ("指标代码", "指标", "Metric", "维度", "分组", "单位"),
          "en": ("code", "指标", "Metric", "dimension", "segment", "unit")}


def _width(text: object) -> int:
    s = str(text)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in s)


def _headers(frame: pd.DataFrame) -> dict[pd.Timestamp, str]:
    dates = sorted(frame["as_of"].unique())
    years = [pd.Timestamp(d).year for d in dates]
    by_year = len(set(years)) == len(years)
    return {pd.Timestamp(d): (str(pd.Timestamp(d).year) if by_year else pd.Timestamp(d).strftime("%Y-%m-%d"))
            for d in dates}


def _sheet_frames(metrics: Metrics) -> list[tuple[str, pd.DataFrame]]:
    cat = catalogue()
    f = metrics.frame
    family = f["metric"].map(lambda m: cat[m].family if m in cat else "other")
    out = []
    for fam in [*families(), "other"]:
        part = f[family == fam]
        if not part.empty:
            out.append((fam, part))
    return out


def _label(dimension: str, segment: str, lang: str) -> tuple[str, str]:
    seg = segment_label(dimension or None, segment, lang) if segment else ""
    return (dimension_label(dimension, lang) if dimension else ""), seg


def write_metrics_xlsx(metrics: Metrics, path: str | Path, lang: str = "zh") -> None:
    """Write the workbook to ``path`` (one sheet per family; see module docstring)."""
    Path(path).write_bytes(metrics_xlsx_bytes(metrics, lang))


def metrics_xlsx_bytes(metrics: Metrics, lang: str = "zh") -> bytes:
    """The workbook's bytes (deterministic)."""
    cat = catalogue()
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for fam, part in _sheet_frames(metrics):
        ws = wb.create_sheet(title=family_label(fam, lang)[:31])
        heads = _headers(part)
        table = wide(part)
        names = list(LABELS[lang if lang == "zh" else "en"])
        header = [*names, *heads.values()]
        body = []
        for (metric, dim, seg, unit), values in zip(table.index, table.to_numpy(), strict=True):
            info = cat.get(metric)
            dim_label, seg_label = _label(dim, seg, lang)
            left = [metric, info.zh if info else metric, info.en if info else metric,
                    dim_label if dim_label else "", seg_label if seg_label else seg, unit]
            body.append((left, values, FORMATS.get(unit, "General")))
        widths = [_width(h) for h in header]
        for left, _values, _fmt in body:
            for i, v in enumerate(left):
                widths[i] = max(widths[i], _width(v))
        for j in range(len(names), len(header)):
            widths[j] = max(widths[j], 14)
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(w + 2, 60)
        ws.freeze_panes = f"{get_column_letter(len(names) + 1)}2"
        head_cells = []
        for h in header:
            c = WriteOnlyCell(ws, value=h)
            c.font = bold
            c.alignment = Alignment(horizontal="center")
            head_cells.append(c)
        safe_append(ws, head_cells)
        for left, values, fmt in body:
            cells: list[object] = list(left)
            for v in values:
                c = WriteOnlyCell(ws, value=None if pd.isna(v) else float(v))
                c.number_format = fmt
                cells.append(c)
            safe_append(ws, cells)
    if not wb.worksheets:
        wb.create_sheet(title="metrics")
    return workbook_bytes(wb)


