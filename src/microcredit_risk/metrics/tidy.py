"""Small helpers shared by the families: safe division and building tidy rows from arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

Columns = dict[str, tuple[np.ndarray, str]]  # metric name → (values, unit)


def div(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """a / b with NaN where b is 0 or NaN (an undefined ratio is null, never inf)."""
    a_arr = np.asarray(a, dtype="float64")
    b_arr = np.asarray(b, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b_arr != 0, a_arr / np.where(b_arr != 0, b_arr, 1.0), np.nan)
    return np.asarray(out, dtype="float64")


def rows(columns: Columns, as_of: np.ndarray | list, dimension: str | None = None,
         segment: np.ndarray | list | None = None) -> pd.DataFrame:
    """Tidy rows: every metric of ``columns`` over the same (as_of, segment) positions."""
    as_of_arr = np.asarray(pd.to_datetime(np.asarray(as_of)), dtype="datetime64[ns]")
    n = len(as_of_arr)
    seg = np.full(n, None, dtype=object) if segment is None else np.asarray(segment, dtype=object)
    names = list(columns)
    k = len(names)
    if not k or not n:
        return pd.DataFrame(columns=["metric", "as_of", "dimension", "segment", "value", "unit"])
    # the text columns stay object, the tidy table's dtype (table.normalise_tidy): left to infer, pandas 3
    # would make each an Arrow string column, element by element, only for concat to undo it
    # (compute_metrics on a 120-loan ledger: 0.81 → 0.76 s)
    return pd.DataFrame({
        "metric": _text(np.repeat(np.asarray(names, dtype=object), n)),
        "as_of": np.tile(as_of_arr, k),
        "dimension": _text(np.full(n * k, dimension, dtype=object)),
        "segment": _text(np.tile(seg, k)),
        "value": np.concatenate([np.asarray(columns[m][0], dtype="float64") for m in names]),
        "unit": _text(np.repeat(np.asarray([columns[m][1] for m in names], dtype=object), n)),
    })


def _text(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=object, copy=False)

