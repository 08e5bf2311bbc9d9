"""Per-segment metrics for every dimension whose source column exists.

One :class:`~.stock.Aggregate` per dimension (the engine's stock sums) gives every per-segment metric; balance_share,
npl_share and risk_contribution divide by the portfolio sums of the same snapshot; npl_ratio_rest and
npl_count_ratio_rest are the portfolio's sums less the segment's (the hotspot rules' comparison). A missing
dimension value is its own segment (``unknown``, data/metrics.toml) so shares add up to 1.
``category_*`` is portfolio-only: its segment is the grade, which a dimension's segment cannot be.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .portfolio import flow_rows, stock_columns
from .prepare import Base
from .stock import Aggregate
from .tidy import div, rows


def dimension_rows(base: Base, agg: Aggregate, total: Aggregate) -> list[pd.DataFrame]:
    present = np.flatnonzero(agg.present)
    date = agg.date_of(present)
    assert agg.labels is not None
    seg = agg.labels[agg.seg_of(present)]
    cols = {k: (v[present], u) for k, (v, u) in stock_columns(agg.sums, agg.customers).items()}
    bal_share = div(agg.sums["balance"][present], total.sums["balance"][date])
    npl_share = div(agg.sums["npl_balance"][present], total.sums["npl_balance"][date])
    cols["balance_share"] = (bal_share, "ratio")
    cols["npl_share"] = (npl_share, "ratio")
    cols["risk_contribution"] = (div(npl_share, bal_share), "ratio")
    # the rest of the portfolio (every other segment, missing values included) at the same snapshot
    s, t = agg.sums, total.sums
    cols["npl_ratio_rest"] = (div(t["npl_balance"][date] - s["npl_balance"][present],
                                  t["balance"][date] - s["balance"][present]), "ratio")
    cols["npl_count_ratio_rest"] = (div(t["npl_loans"][date] - s["npl_loans"][present],
                                        t["loans"][date] - s["loans"][present]), "ratio")
    dates = np.asarray(base.dates, dtype="datetime64[ns]")[date]
    return [rows(cols, dates, agg.dimension, seg), *flow_rows(base, agg)]
