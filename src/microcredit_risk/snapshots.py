"""The annual-snapshot rule, defined once: the last snapshot of each calendar year.

Every stage that speaks of "the annual series" (metrics growth and migration, the statistics
trend and driver model, the findings, the figures and the report) calls these two functions, so
the rule cannot drift between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd


def annual_dates(dates: Iterable[Any]) -> list[pd.Timestamp]:
    """The last date of each calendar year among ``dates`` (any order, repeats allowed), ascending."""
    s = pd.Series(pd.to_datetime(pd.Series(list(dates), dtype=object)).dropna().unique())
    if s.empty:
        return []
    return [pd.Timestamp(d) for d in sorted(s.groupby(s.dt.year).max())]


def annual_series(series: pd.Series) -> pd.Series:
    """A series indexed by as_of, reduced to its annual snapshots (sorted by date)."""
    s = series.sort_index()
    if s.empty:
        return s
    return s.loc[pd.DatetimeIndex(annual_dates(s.index))]
