"""`mcr validate --explain`: per canonical column, where it came from, how it was converted, and five
sample values before → after, so a user sees a misreading (a year read as a serial, a wrong unit)
before analysing. Recorded while reading (a few cells per column), rendered by the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .contract import READ_COLUMN_BY_NAME
from .schema import ColumnMap
from .values import blank

SAMPLES = 5


@dataclass(frozen=True)
class ColumnExplain:
    """How one canonical column of one source was read."""

    source: str                              # "file" or "file › sheet"
    canonical: str
    header: str                              # the source header as written ("[derive] x", "(sheet name)")
    conversion: str                          # in words: "date, format %m/%d/%Y", "amount × 10000" …
    samples: tuple[tuple[str, str], ...]     # (before, after), first distinct non-blank values


def conversion_words(canonical: str, header: str, scale: float, cmap: ColumnMap, fmt: str | None) -> str:
    """The conversion used for a column, in words."""
    kind = READ_COLUMN_BY_NAME[canonical].kind
    user = canonical in cmap.values
    if kind == "date":
        text = f"date, format {fmt}" if fmt else "date, guessed (date cell, Excel serial, yyyymmdd or y-m-d text)"
    elif kind == "money":
        text = "amount" + (f" × {scale:g}" if scale != 1 else "")
    elif kind == "fraction":
        text = "fraction" + (f" × {scale:g}" if scale != 1 else " (a value over 1 is a percent: ÷ 100)")
    elif kind == "days":
        text = "days (negative → missing)"
    elif kind == "grade":
        text = "five-category grade, " + ("your [values] map" if user else "built-in words (正常…损失, 1–5)")
    elif kind == "flag":
        text = "yes/no flag, " + ("your [values] map" if user else "built-in words")
    elif canonical == "industry":
        text = f"industry, {cmap.industry_scheme or 'default'} scheme"
    elif canonical in ("guarantee_type", "customer_type"):
        text = "vocabulary, " + ("your [values] map" if user else "built-in words (unknown → other)")
    else:
        text = "text (trimmed)" + (", your [values] map" if user else "")
    if header.startswith("[derive] "):
        expr = f"derived: {cmap.derive.get(canonical, '')}"
        return expr if kind in ("date", "id", "text", "days") and canonical != "industry" else f"{expr}; then {text}"
    return text


def _shown(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT:
        return "—"
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat()
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def explain_column(source: str, canonical: str, header: str, conversion: str, raw: pd.Series,
                   converted: pd.Series) -> ColumnExplain:
    """The first :data:`SAMPLES` distinct non-blank raw values (from the first rows) and what each became."""
    head = raw.iloc[:5000]
    firsts = head[~blank(head)].astype("str").drop_duplicates().index[:SAMPLES]
    samples = tuple((_shown(raw.loc[i]), _shown(converted.loc[i]) if i in converted.index else "—")
                    for i in firsts)
    return ColumnExplain(source, canonical, header, conversion, samples)
