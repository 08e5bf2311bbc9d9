"""Vintage default rate at each annual snapshot, by origination year.

Each loan's first snapshot with balance > 0 and first snapshot as NPL are found once (groupby
min on loan codes); the rate at an annual as_of counts, per origination year, the loans first seen
by then and those that had been NPL by then.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .prepare import NPL_CODE, Base
from .table import Skipped
from .tidy import div, rows


def vintage_rows(base: Base) -> tuple[list[pd.DataFrame], list[Skipped]]:
    seg = base.dims.get("vintage")
    if seg is None:
        return [], [Skipped(m, "column origination_date", "the ledger has no origination dates")
                    for m in ("vintage_default_rate", "vintage_loans")]
    m = base.stock
    frame = pd.DataFrame({"loan": base.loan[m], "date": base.date_code[m], "vintage": seg.codes[m],
                          "npl_date": np.where(base.grade[m] >= NPL_CODE, base.date_code[m], np.iinfo(np.int64).max)})
    per_loan = frame.groupby("loan", sort=False).agg(first=("date", "min"), first_npl=("npl_date", "min"),
                                                     vintage=("vintage", "first"))
    first = per_loan["first"].to_numpy()
    first_npl = per_loan["first_npl"].to_numpy()
    vint = per_loan["vintage"].to_numpy()
    n_seg = len(seg.labels)
    out: list[pd.DataFrame] = []
    for code, when in zip(base.annual_codes, base.annual, strict=True):
        seen = np.bincount(vint[first <= code], minlength=n_seg)
        bad = np.bincount(vint[first_npl <= code], minlength=n_seg)
        keep = np.flatnonzero(seen > 0)
        out.append(rows({"vintage_default_rate": (div(bad, seen)[keep], "ratio"),
                         "vintage_loans": (seen[keep].astype("float64"), "count")},
                        np.repeat(np.datetime64(when, "ns"), len(keep)), "vintage", seg.labels[keep]))
    return out, []
