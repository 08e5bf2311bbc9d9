"""Rows of the tidy table by metric name, dimension and snapshot (``mcr metrics -m/-d/--snapshot``)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..errors import AnalysisError
from .catalogue import catalogue
from .table import Metrics


def pick(metrics: Metrics, names: Sequence[str] | None = None, dimension: str | None = None,
         snapshot: str | None = None) -> Metrics:
    """The rows asked for; an unknown metric, dimension or snapshot is an error listing the valid ones."""
    f = metrics.frame
    if names:
        known = list(catalogue())
        unknown = [n for n in names if n not in known]
        if unknown:
            raise AnalysisError("E701", name=", ".join(unknown), known=", ".join(known))
        f = f[f["metric"].isin(names)]
    if dimension is not None:
        present = sorted(set(metrics.frame["dimension"].dropna()))
        if dimension not in present:
            raise AnalysisError("E702", dimension=dimension, known=", ".join(present) or "-")
        f = f[f["dimension"] == dimension]
    if snapshot is not None:
        try:
            when = pd.Timestamp(snapshot).normalize()
        except (ValueError, TypeError):
            raise AnalysisError("E703", where="--snapshot", value=snapshot) from None
        dates = sorted(pd.Timestamp(d) for d in metrics.frame["as_of"].unique())
        if when not in dates:
            raise AnalysisError("E704", value=f"{when:%Y-%m-%d}",
                                known=", ".join(f"{d:%Y-%m-%d}" for d in dates))
        f = f[f["as_of"] == when]
    wanted = set(names or [])
    skipped = [s for s in metrics.skipped if not wanted or s.what in wanted]
    return Metrics(frame=f.reset_index(drop=True), skipped=skipped)
