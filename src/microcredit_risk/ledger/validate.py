"""Checks that need the whole stacked ledger (LEDGER.md, "Data rules")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Location
from .contract import GRADE_DTYPE, SourceInfo
from .floor import floor_breaches, floor_codes
from .mapping import Collector
from .problems import LedgerError


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
                          first=f"{_name(first.file)}"
                                f"{', sheet ' + repr(first.sheet) if first.sheet else ''}, row {first.row}")

    def warn(code: str, mask: pd.Series, column: str | None) -> None:
        if not mask.any():
            return
        idx = np.flatnonzero(mask.to_numpy())
        loc = _where(frame, int(idx[0]), sources, column, headers)
        rows = [int(r) for r in frame["_row"].iloc[idx[:5]]]
        more = int(frame["_src"].iloc[idx].nunique()) - 1   # counted across files: say so, not just the first
        collector.add(code, int(mask.sum()), Location(loc.file, loc.sheet, None, loc.column, more), rows)

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
            warn("W107", floor_breaches(frame, thresholds), "five_category")
    return frame


def _name(file: str | None) -> str:
    """A file by its name; a database URL whole (its last path part is no name)."""
    if file and "://" in file:
        return file
    return Path(file).name if file else ""


__all__ = ["check_ledger"]
