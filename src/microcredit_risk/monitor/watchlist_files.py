"""watchlist.csv and watchlist.xlsx: the early-warning list for people, and read back for ``mcr report``.

Columns are headed in the report language; grades and reasons are in words, the reasons also as
codes (so a re-render in the other language, or a script, can read them). Amounts are in the unit
metrics.xlsx uses (万元 / CNY million: ``metrics.xlsx.SCALE``), to the cent. A text cell that starts
like a formula (= + - @) gets a leading ``'`` in the CSV and is stored as text in the workbook
(``output.safe_append``). The workbook has a second sheet: each reason with its loans, its balance
at risk, and whether it ran (and if not, why).

:func:`watchlist_from_csv` reads the CSV back into a :class:`Watchlist` holding what the report
shows (the hotspot words are not read back: the report does not show them); ``mcr analyze``
renders its report from that same read-back, so a re-render from the folder says the same.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import plural_form
from ..metrics.skipped_text import column_heading, skipped_reason
from ..metrics.table import Skipped, lacks_column
from ..metrics.workbook import words
from ..metrics.xlsx import SCALE, money_unit
from ..output import FORMULA_START, safe_append, splice_rows, workbook_bytes, write_file
from ..vocabulary import (
    date_text,
    dimension_label,
    grade_label,
    metric_label,
    segment_label,
    vocabulary,
)
from .sheet_xml import rows_xml, template_styles
from .watchlist import COLUMNS, HOT_SEP, SEP, Watchlist, reasons

# file column → the frame column it shows (reason_codes and reasons both show the frame's codes)
FILE_COLUMNS = ("rank", "loan_id", "customer_id", "customer_name", "branch", "loan_officer", "product",
                "five_category", "previous_category", "floor_category", "days_past_due", "maturity_date",
                "balance", "risk_share_ratio", "balance_at_risk", "reason_codes", "reasons", "hotspots")
GRADE_COLUMNS = ("five_category", "previous_category", "floor_category")
MONEY_COLUMNS = ("balance", "balance_at_risk")
TEXT_COLUMNS = ("loan_id", "customer_id", "customer_name", "branch", "loan_officer", "product")
XLSX_ROWS = 1_048_575      # a worksheet's rows below its header; a longer list is cut there (the CSV has it all)
NUMBER_FORMATS = {"balance": "#,##0.00", "balance_at_risk": "#,##0.00", "risk_share_ratio": "0.00%",
                  "days_past_due": "#,##0", "rank": "0", "maturity_date": "yyyy-mm-dd"}


def word(key: str, lang: str, **params: Any) -> str:
    """A word of the list's own (vocabulary.toml ``[watchlist]``; dotted key, e.g. ``needs.column``)."""
    node: Any = vocabulary()["watchlist"]
    for part in key.split("."):
        node = node[part]
    text = plural_form(node.get(lang) or node["en"], params, str(node.get("count", "count")))
    return text.format(**params) if params else text


def reason_label(code: str, lang: str, thresholds: Mapping[str, float]) -> str:
    days = thresholds.get("watch_maturity_days", 90)
    return word(f"reasons.{code}", lang, days=f"{days:g}")


def needs_text(skipped: Skipped, lang: str) -> str:
    """Why a reason did not run, in words (its kind; a run.json written before kinds existed: its
    ``needs``, "column X", "finding CODE" or "two annual snapshots")."""
    if not skipped.kind:
        kind, _, name = skipped.needs.partition(" ")
        if kind == "column":
            skipped = lacks_column(skipped.what, name)
        elif kind == "finding":
            skipped = replace(skipped, kind="finding_not_run", params={"code": name})
        else:
            skipped = replace(skipped, kind="no_previous_grade", params={"needed": 2})
    return skipped_reason(skipped, lang)


def money_heading(column: str, lang: str, unit: str) -> str:
    """贷款余额（万元） / Loan balance (CNY million): an amount column with the unit it is shown in."""
    return words("units.with_unit", lang, label=column_heading(column, lang), unit=unit)


def headings(columns: list[str], lang: str, currency: str) -> list[str]:
    unit = money_unit(lang, currency)
    return [money_heading(c, lang, unit) if c in MONEY_COLUMNS else column_heading(c, lang) for c in columns]


def _columns(wl: Watchlist) -> list[str]:
    have = set(wl.frame.columns) | {"reason_codes"}
    return [c for c in FILE_COLUMNS if c in have]


# -- the cells, in words --------------------------------------------------------------------------
def _by_unique(s: pd.Series, render: Any) -> pd.Series:
    """``render`` applied once per distinct value (reason combinations, segment lists are few)."""
    uniques = pd.unique(s.dropna())
    return s.map({u: render(u) for u in uniques})


def _reasons_words(s: pd.Series, lang: str, thresholds: Mapping[str, float]) -> pd.Series:
    sep = word("separator", lang)
    return _by_unique(s, lambda v: sep.join(reason_label(c, lang, thresholds) for c in str(v).split(SEP) if c))


def _hotspot_words(s: pd.Series, lang: str) -> pd.Series:
    sep = word("separator", lang)

    def render(v: str) -> str:
        parts = [p.partition("=") for p in str(v).split(HOT_SEP) if p]
        return sep.join(word("segment", lang, dimension=dimension_label(d, lang), segment=segment_label(d, g, lang))
                        for d, _, g in parts)
    return _by_unique(s, render)


def display_frame(wl: Watchlist, lang: str, thresholds: Mapping[str, float]) -> pd.DataFrame:
    """The list as the files show it: canonical column names, values in words and display units."""
    f = wl.frame
    out = pd.DataFrame(index=f.index)
    for c in _columns(wl):
        if c == "reason_codes":
            out[c] = f["reasons"]
        elif c == "reasons":
            out[c] = _reasons_words(f["reasons"], lang, thresholds)
        elif c == "hotspots":
            out[c] = _hotspot_words(f["hotspots"], lang)
        elif c in GRADE_COLUMNS:
            out[c] = _by_unique(f[c], lambda g: grade_label(str(g), lang))
        elif c in MONEY_COLUMNS:
            out[c] = np.round(f[c].to_numpy(dtype="float64") / SCALE[lang], _money_digits(lang))
        else:
            out[c] = f[c]
    return out


def _money_digits(lang: str) -> int:
    return 2 + round(math.log10(SCALE[lang]))     # to the cent of the ledger's unit


# -- CSV ----------------------------------------------------------------------------------------------
def _safe_text(s: pd.Series) -> pd.Series:
    text = s.astype(object)
    risky = s.astype(str).str.startswith(FORMULA_START) & s.notna()
    return text.where(~risky, "'" + s.astype(str))


def watchlist_csv(wl: Watchlist, lang: str, currency: str, thresholds: Mapping[str, float]) -> str:
    """watchlist.csv's text: one header row in ``lang``, one row per listed loan, in rank order."""
    shown = display_frame(wl, lang, thresholds)
    for c in shown.columns:
        if c in TEXT_COLUMNS or c in ("reasons", "hotspots"):
            shown[c] = _safe_text(shown[c])
    if "maturity_date" in shown.columns:
        shown["maturity_date"] = pd.to_datetime(shown["maturity_date"]).dt.strftime("%Y-%m-%d")
    if "days_past_due" in shown.columns:
        shown["days_past_due"] = shown["days_past_due"].round().astype("Int64")
    buf = io.StringIO()
    shown.to_csv(buf, index=False, header=headings(list(shown.columns), lang, currency), lineterminator="\n")
    return buf.getvalue()


def _header_map(currency: str) -> dict[str, tuple[str, str]]:
    """Every heading the CSV may carry, in either language → (column, language)."""
    out: dict[str, tuple[str, str]] = {}
    for lang in SCALE:
        for c, h in zip(FILE_COLUMNS, headings(list(FILE_COLUMNS), lang, currency), strict=True):
            out.setdefault(h, (c, lang))
    return out


def _unprefix(s: pd.Series) -> pd.Series:
    text = s.astype(str)
    quoted = text.str.startswith("'") & text.str[1:].str.startswith(FORMULA_START)
    return s.where(~quoted, text.str[1:])


def watchlist_from_csv(text: str, currency: str = "CNY", meta: Mapping[str, Any] | None = None) -> Watchlist:
    """A :class:`Watchlist` from watchlist.csv's text (``meta``: run.json's ``watchlist``)."""
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    known = _header_map(currency)
    cols = {h: known[h] for h in raw.columns if h in known}
    lang = next((lg for _, lg in cols.values()), "zh")
    lacking = {"loan_id", "balance_at_risk", "reason_codes"} - {c for c, _ in cols.values()}
    if lacking:
        raise ValueError(f"no column {', '.join(sorted(lacking))}")
    grades = {grade_label(g, lg): g for g in vocabulary()["grades"] for lg in SCALE}
    frame = pd.DataFrame(index=raw.index)
    for h, (c, _) in cols.items():
        v = raw[h].where(raw[h] != "", None)
        if c in ("reasons", "hotspots"):
            continue
        if c == "reason_codes":
            frame["reasons"] = v.fillna("")
        elif c in GRADE_COLUMNS:
            frame[c] = v.map(grades).astype(object).where(v.notna(), None)
        elif c in MONEY_COLUMNS:
            frame[c] = pd.to_numeric(v).astype("float64") * SCALE[lang]
        elif c in ("days_past_due", "risk_share_ratio"):
            frame[c] = pd.to_numeric(v).astype("float64")
        elif c == "rank":
            frame[c] = pd.to_numeric(v).astype("int64")
        elif c == "maturity_date":
            frame[c] = pd.to_datetime(v)
        else:
            frame[c] = _unprefix(v).astype(object)
    order = [c for c in COLUMNS if c in frame.columns]
    return Watchlist.from_json_obj(frame[order], meta)


# -- xlsx ---------------------------------------------------------------------------------------------
def watchlist_xlsx_bytes(wl: Watchlist, lang: str, currency: str, thresholds: Mapping[str, float]) -> bytes:
    """The workbook: the list (header on row 1, frozen, filterable) and the reasons sheet.

    openpyxl writes the header, one template row (each column's style) and the reasons sheet; the
    list's rows are built as XML column by column (``sheet_xml``) and spliced in: the same cells
    openpyxl would write, in a small part of the time."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    shown = display_frame(wl, lang, thresholds).head(XLSX_ROWS)
    columns = list(shown.columns)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=word("sheet", lang))
    bold = Font(bold=True)
    heads = headings(columns, lang, currency)
    for i, h in enumerate(heads, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(len(h) * 2, 10) + 2, 40)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{len(shown) + 1}"
    safe_append(ws, [_bold(WriteOnlyCell(ws, value=h), bold) for h in heads])
    safe_append(ws, [_template(ws, c) for c in columns])       # replaced by the list's rows below
    _reasons_sheet(wb, wl, lang, currency, thresholds)
    data = workbook_bytes(wb)
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = template_styles(z.read(name).decode("utf-8"))
    safe = styles[get_column_letter(columns.index("loan_id") + 1)]   # a text column: "=" stored as text
    kinds = {c: "date" if c == "maturity_date" else "number" for c in NUMBER_FORMATS}
    return splice_rows(data, name, rows_xml(shown, kinds, styles, safe), force_zip64=len(shown) > 200_000)


def _template(ws: Any, column: str) -> Any:
    """Row 2 of the sheet as openpyxl writes it: a cell in the column's number format, or formula-like
    text (which :func:`safe_append` stores with the quote-prefix style)."""
    import datetime as dt

    from openpyxl.cell import WriteOnlyCell

    if column not in NUMBER_FORMATS:
        return "="
    c = WriteOnlyCell(ws, value=dt.datetime(2000, 1, 1) if column == "maturity_date" else 0)
    c.number_format = NUMBER_FORMATS[column]
    return c


def _reasons_sheet(wb: Any, wl: Watchlist, lang: str, currency: str, thresholds: Mapping[str, float]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    ws = wb.create_sheet(title=word("reasons_sheet", lang))
    bold = Font(bold=True)
    for letter, width in zip("ABCDE", (22, 50, 12, 18, 50), strict=True):
        ws.column_dimensions[letter].width = width
    heads = [words("headers.code", lang), words("headers.reason", lang), metric_label("loans", lang),
             money_heading("balance_at_risk", lang, money_unit(lang, currency)), word("columns.status", lang)]
    safe_append(ws, [_bold(WriteOnlyCell(ws, value=h), bold) for h in heads])
    counts, at_risk = wl.counts(), wl.at_risk()
    skipped = {s.what: s for s in wl.not_run}
    for code in reasons():
        status = word("ran", lang) if code not in skipped else word("not_run", lang, why=needs_text(skipped[code], lang))
        money = WriteOnlyCell(ws, value=round(at_risk.get(code, 0.0) / SCALE[lang], _money_digits(lang)))
        money.number_format = NUMBER_FORMATS["balance_at_risk"]
        safe_append(ws, [code, reason_label(code, lang, thresholds), counts.get(code, 0), money, status])
    safe_append(ws, [])
    if wl.as_of:
        safe_append(ws, [words("headers.as_of", lang), date_text(wl.as_of, lang)])
    if wl.previous:
        safe_append(ws, [word("compared_with", lang), date_text(wl.previous, lang)])
    if len(wl.frame) > XLSX_ROWS:
        safe_append(ws, [word("truncated", lang, shown=f"{XLSX_ROWS:,d}", total=f"{len(wl.frame):,d}")])


def _bold(c: Any, font: Any) -> Any:
    c.font = font
    return c


def write_watchlist(wl: Watchlist, folder: str | Path, lang: str, currency: str,
                    thresholds: Mapping[str, float]) -> Watchlist:
    """Write watchlist.csv and watchlist.xlsx into ``folder``; return the list as read back from the CSV
    (what the report shows, here and on a re-render alike)."""
    folder = Path(folder)
    text = watchlist_csv(wl, lang, currency, thresholds)
    write_file(folder / "watchlist.csv", text)
    write_file(folder / "watchlist.xlsx", watchlist_xlsx_bytes(wl, lang, currency, thresholds))
    return watchlist_from_csv(text, currency, wl.to_json_obj())
