"""Checks that need the whole stacked ledger (LEDGER.md, "Data rules")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Location
from .canonical import GRADE_DTYPE, GRADES, SourceInfo
from .canonicalise import Collector
from .problems import LedgerError


def floor_codes(days_past_due: pd.Series, thresholds: dict[str, float]) -> np.ndarray:
    """The classification floor as grade codes (0 = normal … 4 = loss); missing dpd → 0 (no floor).

    2023 Measures: dpd ≥ 1 → special mention; > 90 → substandard; > 270 → doubtful; > 360 → loss.
    """
    d = days_past_due.to_numpy(dtype="float64", na_value=np.nan)
    d = np.nan_to_num(d, nan=0.0)
    limits = [thresholds["floor_days_special_mention"], thresholds["floor_days_substandard"],
              thresholds["floor_days_doubtful"], thresholds["floor_days_loss"]]
    return np.searchsorted(np.asarray(limits, dtype="float64"), d, side="right").astype("int8")


def _where(frame: pd.DataFrame, i: int, sources: list[SourceInfo], column: str | None,
           headers: dict[tuple[int, str], str]) -> Location:
    src = int(frame["_src"].iloc[i])
    s = sources[src]
    return Location(s.file, s.sheet, int(frame["_row"].iloc[i]), headers.get((src, column or ""), column))


def check_ledger(frame: pd.DataFrame, sources: list[SourceInfo], headers: dict[tuple[int, str], str],
                 thresholds: dict[str, float], collector: Collector) -> pd.DataFrame:
    """Raise on duplicate loans; count the warnings; derive grades from dpd when there is no grade column."""
    dup = frame.duplicated(["as_of", "loan_id"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        key = frame.iloc[i][["as_of", "loan_id"]]
        same = (frame["as_of"] == key["as_of"]) & (frame["loan_id"] == key["loan_id"])
        j = int(np.flatnonzero(same.to_numpy())[0])
        first = _where(frame, j, sources, None, headers)
        raise LedgerError("E005", _where(frame, i, sources, "loan_id", headers), loan_id=key["loan_id"],
                          as_of=pd.Timestamp(key["as_of"]).date().isoformat(),
                          first=f"{Path_name(first.file)}"
                                f"{', sheet ' + repr(first.sheet) if first.sheet else ''}, row {first.row}")

    def warn(code: str, mask: pd.Series, column: str | None) -> None:
        if not mask.any():
            return
        idx = np.flatnonzero(mask.to_numpy())
        loc = _where(frame, int(idx[0]), sources, column, headers)
        rows = [int(r) for r in frame["_row"].iloc[idx[:5]]]
        collector.add(code, int(mask.sum()), Location(loc.file, loc.sheet, None, loc.column), rows)

    warn("W102", frame["balance"] == 0, "balance")
    if "origination_date" in frame:
        warn("W104", frame["origination_date"] > frame["as_of"], "origination_date")
        if "maturity_date" in frame:
            warn("W105", frame["origination_date"] > frame["maturity_date"], "origination_date")
    if "days_past_due" in frame:
        floor = floor_codes(frame["days_past_due"], thresholds)
        if "five_category" not in frame:
            frame["five_category"] = pd.Categorical.from_codes(floor, dtype=GRADE_DTYPE)
            collector.add("W109", 1, Location())
        else:
            grade = frame["five_category"].cat.codes.to_numpy()
            warn("W107", pd.Series((grade >= 0) & (grade < floor), index=frame.index), "five_category")
    return frame


def Path_name(file: str | None) -> str:  # noqa: N802 - tiny helper kept local
    from pathlib import Path

    return Path(file).name if file else ""


__all__ = ["GRADES", "check_ledger", "floor_codes"]
