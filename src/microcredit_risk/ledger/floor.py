"""The classification floor (2023 Measures for Risk Classification of Financial Assets).

days_past_due at or beyond ``floor_days_<grade>`` (data/thresholds.toml, overridable by the bank
profile) forces at least that grade: ≥ 1 day special mention, > 90 substandard, > 270 doubtful,
> 360 loss. Missing days past due sets no floor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contract import GRADE_DTYPE, GRADES


def floor_codes(dpd: pd.Series, thresholds: dict[str, float]) -> np.ndarray:
    """Per row, the floor as a grade code (0 = normal … 4 = loss)."""
    days = pd.to_numeric(dpd, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    out = np.zeros(len(days), dtype=np.int64)
    for code, grade in enumerate(GRADES[1:], start=1):
        out[days >= thresholds[f"floor_days_{grade}"]] = code  # NaN compares False
    return out


def floor_breaches(frame: pd.DataFrame, thresholds: dict[str, float]) -> pd.Series:
    """True where a loan's grade is better than its floor (False where days past due is missing)."""
    if "days_past_due" not in frame.columns:
        return pd.Series(False, index=frame.index)
    grade = frame["five_category"].astype(GRADE_DTYPE).cat.codes.to_numpy()
    floor = floor_codes(frame["days_past_due"], thresholds)
    return pd.Series((grade >= 0) & (grade < floor), index=frame.index)
