"""Vintage default rate at each annual snapshot, by origination year.

The engine finds each loan's first snapshot with balance > 0, first snapshot as NPL and vintage, and
counts per annual snapshot × vintage the loans first seen by then and those NPL by then
(:func:`..engine.vintage_sql.vintage_counts`); the rate is their ratio.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Backend
from ..engine.vintage_sql import vintage_counts
from .prepare import NPL_CODE, Base
from .table import Skipped, lacks_column
from .tidy import div, rows


def vintage_rows(base: Base, backend: Backend) -> tuple[list[pd.DataFrame], list[Skipped]]:
    seg = base.dims.get("vintage")
    if seg is None:
        return [], [lacks_column(m, "origination_date", "the ledger has no origination dates")
                    for m in ("vintage_default_rate", "vintage_loans")]
    n_seg, n_annual = len(seg.labels), len(base.annual)
    result = backend.query(vintage_counts([int(c) for c in base.annual_codes], NPL_CODE), order_free=True)
    idx = (result["snapshot"].to_numpy(dtype=np.int64), result["vintage"].to_numpy(dtype=np.int64))
    seen = np.zeros((n_annual, n_seg), dtype=np.int64)
    bad = np.zeros((n_annual, n_seg), dtype=np.int64)
    seen[idx] = result["loans"].to_numpy(dtype=np.int64)
    bad[idx] = result["npl_loans"].to_numpy(dtype=np.int64)
    out: list[pd.DataFrame] = []
    for k, when in enumerate(base.annual):
        keep = np.flatnonzero(seen[k] > 0)
        out.append(rows({"vintage_default_rate": (div(bad[k], seen[k])[keep], "ratio"),
                         "vintage_loans": (seen[k][keep].astype("float64"), "count")},
                        np.repeat(np.datetime64(when, "ns"), len(keep)), "vintage", seg.labels[keep]))
    return out, []
