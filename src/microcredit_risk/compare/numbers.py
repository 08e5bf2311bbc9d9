"""The numbers set side by side: read from each unit's tidy table, never recomputed; ranks added.

Every value is a row of a run's metrics.json (portfolio rows at the unit's latest year end, or its
annual series); every verdict a record of its findings.json.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .. import vocabulary as vocab
from ..findings.records import SEVERITIES, Finding
from ..snapshots import annual_dates
from .units import Unit, settings


@dataclass(frozen=True)
class Headline:
    """One headline metric across the units: each unit's value at its latest year end, and its rank."""

    metric: str
    unit: str                       # the tidy table's unit (ratio, yuan, count)
    rank_by: str                    # low | high | none (data/compare.toml)
    values: list[float | None]
    ranks: list[int | None]


def _rows(unit: Unit, metric: str, dimension: str | None = None) -> pd.DataFrame:
    f = unit.run.metrics.frame
    mask = f["metric"] == metric
    mask &= f["dimension"].isna() if dimension is None else f["dimension"] == dimension
    return f.loc[mask]


def _finite(v: object) -> float | None:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def latest(unit: Unit) -> pd.Timestamp | None:
    """The unit's latest year end (of its balance rows, else of its whole table)."""
    rows = _rows(unit, "balance")
    dates = annual_dates((rows if not rows.empty else unit.run.metrics.frame)["as_of"].dropna().unique())
    return dates[-1] if dates else None


def value_at(unit: Unit, metric: str, as_of: pd.Timestamp | None, dimension: str | None = None,
             segment: str | None = None) -> float | None:
    if as_of is None:
        return None
    rows = _rows(unit, metric, dimension)
    rows = rows[rows["as_of"] == as_of]
    rows = rows[rows["segment"].isna()] if segment is None else rows[rows["segment"] == segment]
    return _finite(rows["value"].iloc[0]) if len(rows) else None


def ranks(values: Sequence[float | None], rank_by: str) -> list[int | None]:
    """1 = best by ``rank_by`` ("low": smallest first; "high": largest first); ties share the lower rank."""
    if rank_by not in ("low", "high"):
        return [None] * len(values)
    sign = 1.0 if rank_by == "low" else -1.0
    present = [sign * v for v in values if v is not None]
    return [None if v is None else 1 + sum(1 for w in present if w < sign * v) for v in values]


def unit_of(units: Sequence[Unit], metric: str) -> str:
    for u in units:
        got = _rows(u, metric)["unit"].dropna()
        if len(got):
            return str(got.iloc[0])
    return vocab.metric_unit(metric) or ""


def headline(units: Sequence[Unit]) -> list[Headline]:
    """The headline metrics any unit has, in data/compare.toml order."""
    dates = [latest(u) for u in units]
    out = []
    for spec in settings()["headline"]:
        metric, rank_by = str(spec["metric"]), str(spec.get("rank", "none"))
        values = [value_at(u, metric, d) for u, d in zip(units, dates, strict=True)]
        if any(v is not None for v in values):
            out.append(Headline(metric, unit_of(units, metric), rank_by, values, ranks(values, rank_by)))
    return out


def annual_table(units: Sequence[Unit], metric: str) -> pd.DataFrame:
    """Year (int) × unit label: the metric at each unit's year ends (NaN where a unit has none)."""
    cols = {}
    for u in units:
        rows = _rows(u, metric)
        rows = rows[rows["segment"].isna()].dropna(subset=["as_of"])
        s = pd.Series(rows["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(rows["as_of"]))
        keep = annual_dates(s.index.unique())
        s = s[s.index.isin(keep)]
        cols[u.label] = pd.Series(s.to_numpy(), index=[int(t.year) for t in s.index], dtype=float)
    table = pd.DataFrame(cols)
    return table.sort_index() if len(table) else table


def segment_table(units: Sequence[Unit], metric: str, dimension: str | None,
                  segments: Sequence[str] | None = None) -> pd.DataFrame:
    """Segment × unit label at each unit's latest year end (grades for category_share)."""
    cols = {}
    for u in units:
        d = latest(u)
        rows = _rows(u, metric, dimension)
        rows = rows[(rows["as_of"] == d) & rows["segment"].notna()]
        cols[u.label] = pd.Series(rows["value"].to_numpy(dtype=float), index=rows["segment"].astype(str).to_numpy())
    table = pd.DataFrame(cols)
    if segments is not None:
        return table.reindex([s for s in segments if s in table.index])
    return table


def structure(units: Sequence[Unit], dimension: str) -> tuple[pd.DataFrame, int]:
    """Balance shares of ``dimension``'s largest segments (by mean share over the units) and how many there were."""
    table = segment_table(units, "balance_share", dimension)
    if table.empty:
        return table, 0
    order = table.fillna(0.0).mean(axis=1).sort_values(ascending=False, kind="stable")
    return table.loc[order.index[: int(settings()["max_segments"])]], len(table)


def grade_mix(units: Sequence[Unit], grades: Sequence[str]) -> pd.DataFrame:
    return segment_table(units, "category_share", None, grades)


def findings_by_code(units: Sequence[Unit]) -> list[tuple[str, list[list[Finding]]]]:
    """(code, each unit's findings of that code), codes in order of first appearance (units in order)."""
    codes: list[str] = []
    for u in units:
        for f in u.run.findings.items:
            if f.code not in codes:
                codes.append(f.code)
    return [(c, [[f for f in u.run.findings.items if f.code == c] for u in units]) for c in codes]


def severity_counts(unit: Unit) -> dict[str, int]:
    return {s: sum(1 for f in unit.run.findings.items if f.severity == s) for s in SEVERITIES}


def worst(findings: Sequence[Finding]) -> str | None:
    """The highest severity among ``findings``."""
    present = [s for s in SEVERITIES if any(f.severity == s for f in findings)]
    return present[-1] if present else None
