"""Reading order for people (xlsx sheets, terminal tables): catalogue order of metrics, portfolio
before dimensions, grades from normal to loss, buckets from small to large, other segments A→Z."""

from __future__ import annotations

import pandas as pd

from ..ledger.contract import GRADES
from .catalogue import catalogue, definitions
from .prepare import ENGINE_DIMENSIONS

KEY = ["metric", "dimension", "segment", "unit"]


def _ranks() -> tuple[dict[str, int], dict[str, int]]:
    d = definitions()
    dims = {name: i + 1 for i, name in enumerate([*ENGINE_DIMENSIONS, "customer", *GRADES])}
    segs = {name: i for i, name in enumerate([*GRADES, "exited"])}
    for labels in (d["term_bucket_labels"], d["size_bucket_labels"], d["overdue_bucket_labels"]):
        segs.update({name: i for i, name in enumerate(labels)})
    segs.update({"true": 0, "false": 1, "unsecured": 0, "secured": 1})
    segs[d["missing_segment"]] = 1_000
    return dims, segs


def wide(part: pd.DataFrame) -> pd.DataFrame:
    """One row per (metric, dimension, segment, unit) in reading order, one column per as_of.

    ``dimension``/``segment`` are "" for the portfolio / no segment in the result's index.
    """
    dims, segs = _ranks()
    order = {name: i for i, name in enumerate(catalogue())}
    keyed = part.assign(dimension=part["dimension"].fillna(""), segment=part["segment"].fillna(""))
    long = keyed.set_index([*KEY, "as_of"])["value"]
    table = long.unstack("as_of")
    table = table.reindex(columns=sorted(table.columns))
    idx = table.index.to_frame(index=False)
    idx["_m"] = idx["metric"].map(lambda m: order.get(m, len(order)))
    idx["_d"] = idx["dimension"].map(lambda x: 0 if x == "" else dims.get(x, len(dims) + 1))
    idx["_s"] = idx["segment"].map(lambda x: segs.get(x, 0))
    idx = idx.sort_values(["_m", "metric", "_d", "dimension", "_s", "segment"], kind="stable")
    return table.loc[pd.MultiIndex.from_frame(idx[KEY])]
