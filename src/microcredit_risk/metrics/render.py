"""Rich tables of the metrics for the terminal: one panel per family, one column per snapshot.

Ratios as percentages; money in 万元/亿元 (zh) or CNY thousands/millions (en).
"""

from __future__ import annotations

import math

import pandas as pd
from rich.console import RenderableType
from rich.panel import Panel
from rich.table import Table

from ..vocabulary import currency_word, dimension_label, family_label, segment_label
from .catalogue import catalogue, families
from .order import wide
from .table import Metrics


def format_value(value: float | None, unit: str, lang: str = "zh") -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if unit == "ratio":
        return f"{value:.2%}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "yuan":
        if lang == "zh":
            return f"{value / 1e8:,.2f}亿" if abs(value) >= 1e8 else f"{value / 1e4:,.2f}万"
        return f"{value / 1e6:,.2f}m" if abs(value) >= 1e6 else f"{value / 1e3:,.1f}k"
    return f"{value:.4f}"


def _date_label(d: pd.Timestamp, by_year: bool) -> str:
    return str(d.year) if by_year else d.strftime("%Y-%m-%d")


def metrics_table(metrics: Metrics, lang: str = "zh", currency: str = "CNY") -> list[RenderableType]:
    """One rich Panel per metric family present in ``metrics``."""
    cat = catalogue()
    f = metrics.frame
    if f.empty:
        return [Panel("（无指标）" if lang == "zh" else "(no metrics)")]
    dates = [pd.Timestamp(d) for d in sorted(f["as_of"].unique())]
    by_year = len({d.year for d in dates}) == len(dates)
    family = f["metric"].map(lambda m: cat[m].family if m in cat else "other")
    out: list[RenderableType] = []
    word = currency_word(currency, lang)
    unit_note = f" ({word})" if lang == "en" else ("" if currency == "CNY" else f"（{word}）")
    for fam in [*families(), "other"]:
        part = f[family == fam]
        if part.empty:
            continue
        grid = wide(part)
        cols = [pd.Timestamp(d) for d in grid.columns]
        table = Table(show_edge=False, pad_edge=False, header_style="bold")
        table.add_column("指标" if lang == "zh" else "metric")
        table.add_column("维度" if lang == "zh" else "dimension")
        table.add_column("分组" if lang == "zh" else "segment")
        for d in cols:
            table.add_column(_date_label(d, by_year), justify="right")
        for (metric, dim, seg, unit), values in zip(grid.index, grid.to_numpy(), strict=True):
            info = cat.get(metric)
            name = info.label(lang) if info else metric
            table.add_row(name, dimension_label(dim, lang) if dim else "", segment_label(dim or None, seg, lang) if seg else "",
                          *[format_value(None if pd.isna(v) else float(v), unit, lang) for v in values])
        money = bool((part["unit"] == "yuan").any())
        out.append(Panel(table, title=family_label(fam, lang) + (unit_note if money else ""), title_align="left"))
    return out
