"""Number and date formatting by language: the only place a value becomes report text.

zh: money as 万元 / 亿元, en: CNY million; ratios as percentages (5.23%); changes of a ratio in
percentage points; p-values as ``<0.001`` or three decimals. Missing values print as a dash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..vocabulary import currency_word, date_text
from .texts import Texts

WAN, YI, MILLION = 1e4, 1e8, 1e6


def _finite(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


@dataclass(frozen=True)
class Formatter:
    texts: Texts
    currency: str = "CNY"     # ISO code of every amount (the ledger's; docs/ledger.md [ledger] currency)

    @property
    def cur(self) -> str:
        return currency_word(self.currency, self.texts.lang)

    @property
    def lang(self) -> str:
        return self.texts.lang

    @property
    def missing(self) -> str:
        return self.texts.get("units.missing")

    # -- money ----------------------------------------------------------------------------------
    def money_unit(self) -> str:
        """The unit of money columns in tables (万元 / CNY million)."""
        return self.texts.get("units.money_table", cur=self.cur)

    def money_cell(self, v: Any) -> str:
        f = _finite(v)
        if f is None:
            return self.missing
        return f"{f / (WAN if self.lang == 'zh' else MILLION):,.2f}"

    def money(self, v: Any) -> str:
        """Money in running text: zh picks 万元 or 亿元, en says CNY … million."""
        f = _finite(v)
        if f is None:
            return self.missing
        if self.lang == "zh" and abs(f) >= YI:
            return self.texts.get("units.money_large", v=f"{f / YI:,.2f}", cur=self.cur)
        return self.texts.get("units.money", v=self.money_cell(f), cur=self.cur)

    # -- ratios, counts, statistics -----------------------------------------------------------
    def pct(self, v: Any, digits: int = 2) -> str:
        f = _finite(v)
        return self.missing if f is None else f"{f * 100:.{digits}f}%"

    def pp(self, v: Any) -> str:
        f = _finite(v)
        return self.missing if f is None else self.texts.get("units.pp", v=f"{f * 100:+.2f}")

    def count(self, v: Any) -> str:
        f = _finite(v)
        return self.missing if f is None else f"{round(f):,d}"

    def setting(self, v: Any) -> str:
        """A threshold as the user wrote it: a whole number with thousands separators (2,000,000, not
        2e+06), a fraction to at most ten decimals without trailing zeros (0.05, 0.125), never an exponent."""
        f = _finite(v)
        if f is None:
            return self.missing
        if f.is_integer():
            return f"{int(f):,d}"
        return f"{f:,.10f}".rstrip("0").rstrip(".")

    def number(self, v: Any, digits: int = 2) -> str:
        f = _finite(v)
        return self.missing if f is None else f"{f:,.{digits}f}"

    def pvalue(self, v: Any) -> str:
        f = _finite(v)
        if f is None:
            return self.missing
        return "<0.001" if f < 0.001 else f"{f:.3f}"

    def value(self, v: Any, unit: str | None, metric: str = "") -> str:
        """A metric value by its unit (the tidy table's ``unit``)."""
        if unit in ("pvalue", "probability") or metric.endswith(("pvalue", "_padj")):
            return self.pvalue(v)
        if unit == "yuan":
            return self.money(v)
        if unit == "ratio" and metric in self.texts.setting("layout.multiplier_metrics"):
            return self.number(v, 2)
        if unit == "ratio":
            return self.pct(v)
        if unit == "count":
            return self.count(v)
        if unit == "months":
            return self.number(v, 1)
        return self.number(v, 4)

    def cell(self, v: Any, unit: str | None, metric: str = "") -> str:
        """The same in a table cell (money without its unit: the header carries it)."""
        return self.money_cell(v) if unit == "yuan" else self.value(v, unit, metric)

    # -- dates ----------------------------------------------------------------------------------
    def date(self, d: Any) -> str:
        if d is None or (isinstance(d, float) and math.isnan(d)):
            return self.missing
        return date_text(d, self.lang)

    def period(self, start: Any, end: Any) -> str:
        return self.texts.get("units.period", start=self.date(start), end=self.date(end))
