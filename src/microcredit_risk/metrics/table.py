"""The tidy metrics table: the one set of numbers every later stage reads.

A record is (metric, as_of, dimension, segment, value, unit), as in METRICS.md's output contract.
``dimension`` None = the whole portfolio. ``value`` NaN in the frame = null in JSON (undefined:
a zero denominator or a missing input). Nothing downstream recomputes a number found here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

TIDY_COLUMNS = ("metric", "as_of", "dimension", "segment", "value", "unit")


@dataclass(frozen=True)
class Skipped:
    """An analysis that could not run, and the input it needed (a column or a bank-profile fact).

    ``kind`` is a stable code (one of :data:`SKIP_KINDS`) and ``params`` fill its words: the report
    says ``needs`` and ``reason`` in zh or en from them (data/report_text.toml ``[skipped]``,
    :mod:`.skipped_text`). ``needs`` and ``reason`` are the same in English, kept in every JSON
    output; a record without a ``kind`` (an older run folder) is shown by them as they are.
    """

    what: str     # metric or analysis name, e.g. "single_customer_concentration"
    needs: str    # e.g. "column customer_id", "profile bank.net_capital[2023]", "two annual snapshots"
    reason: str   # one line for people
    kind: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_json_obj(self) -> dict[str, Any]:
        """{what, needs, reason, kind, params} (kind and params only when there is a kind)."""
        obj: dict[str, Any] = {"what": self.what, "needs": self.needs, "reason": self.reason}
        if self.kind:
            obj.update(kind=self.kind, params=dict(self.params))
        return obj

    @classmethod
    def from_json_obj(cls, obj: Any) -> Skipped:
        """A record of metrics.json ``skipped``, findings.json ``not_run``, models.json ``skipped`` or
        run.json's watchlist ``not_run``; one written before kinds existed has none."""
        params = obj.get("params")
        return cls(what=str(obj.get("what", "")), needs=str(obj.get("needs", "")), reason=str(obj.get("reason", "")),
                   kind=str(obj.get("kind") or ""), params=dict(params) if isinstance(params, dict) else {})


# Skipped.kind → the form of its ``needs`` (report_text.toml [skipped.needs]); the reason's words are
# [skipped.reasons.<kind>] (params in brackets; {label}, {fact}, {metric} … are worded by skipped_text)
SKIP_KINDS: dict[str, str] = {
    "column": "column",                       # the ledger lacks a column (column)
    "inclusive_unfiltered": "column",         # no customer_type: every loan under the ceiling is inclusive (column)
    "profile_years": "profile",               # the bank profile lacks a fact for these years (fact, years)
    "profile_two_years": "profile_two_years",  # … for two consecutive years (fact)
    "snapshots": "snapshots",                 # too few annual snapshots (needed, found)
    "no_previous_grade": "snapshots",         # a single annual snapshot: no earlier grade (needed)
    "no_transition_matrix": "snapshots",      # no transition matrix to project with (needed)
    "few_values": "snapshots",                # a metric with fewer than two annual values (metric, needed)
    "no_previous_value": "snapshots",         # a metric without a previous annual value (metric, needed)
    "no_balance_series": "annual",            # the metrics table has no annual balance
    "no_value_at": "latest_value",            # a metric without a value at the latest snapshot (metric, as_of)
    "metric_missing": "metric",               # a metric absent from the table (metric)
    "metric_missing_by": "metric_by",         # … by a dimension (metric, dimension)
    "finding_not_run": "finding",             # the check a rule reads could not run (code)
    "no_statistics": "segment_tests",         # no statistics were given (dimension)
    "no_segment_tests": "segment_tests",      # no segment tests by the dimension (dimension)
    "few_cohorts": "cohorts",                 # too few cohorts a year on book (found, needed)
    "no_row_count": "row_count",              # the ledger's row count was not given
    "no_column_list": "column_list",          # the ledger's columns were not given
    "model_not_fitted": "npl_outcomes",       # the driver model did not fit (DriverModel.reason_kind says why)
    "error": "column",                        # a catalogued problem (code, column, its params): errors.toml words it
}


def lacks_column(what: str, column: str, reason: str | None = None, needs: str | None = None) -> Skipped:
    """The ledger has no ``column``: ``reason`` (English) defaults to "the ledger has no X column"."""
    return Skipped(what, needs or f"column {column}", reason or f"the ledger has no {column} column", "column",
                   {"column": column})


def empty_tidy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": pd.Series(dtype=object),
            "as_of": pd.Series(dtype="datetime64[ns]"),
            "dimension": pd.Series(dtype=object),
            "segment": pd.Series(dtype=object),
            "value": pd.Series(dtype="float64"),
            "unit": pd.Series(dtype=object),
        }
    )


def normalise_tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce a frame with the tidy columns to the contract's dtypes (None for a missing dimension/segment)."""
    out = frame.loc[:, list(TIDY_COLUMNS)].copy()
    out["metric"] = out["metric"].astype(object)
    out["as_of"] = pd.to_datetime(out["as_of"]).astype("datetime64[ns]")
    for col in ("dimension", "segment"):
        # an explicit object array: pandas 3 would infer its "str" dtype and turn None back into NaN
        missing = out[col].isna().to_numpy()
        values = np.array([str(v) for v in out[col].tolist()], dtype=object)
        values[missing] = None
        out[col] = pd.Series(values, index=out.index, dtype=object)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out["unit"] = out["unit"].astype(object)
    return out.reset_index(drop=True)


@dataclass
class Metrics:
    """The computed tidy table plus the analyses that were skipped for want of an input."""

    frame: pd.DataFrame = field(default_factory=empty_tidy)
    skipped: list[Skipped] = field(default_factory=list)

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def concat(cls, parts: Iterable[pd.DataFrame], skipped: Iterable[Skipped] = ()) -> Metrics:
        frames = [p for p in parts if p is not None and len(p)]
        frame = normalise_tidy(pd.concat(frames, ignore_index=True)) if frames else empty_tidy()
        frame = frame.sort_values(["metric", "dimension", "segment", "as_of"], na_position="first",
                                  kind="stable").reset_index(drop=True)
        return cls(frame=frame, skipped=list(skipped))

    def extend(self, other: Metrics) -> Metrics:
        """A new table holding both (e.g. statistics rows appended to the portfolio metrics)."""
        return Metrics.concat([self.frame, other.frame], [*self.skipped, *other.skipped])

    # -- reading ------------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def select(self, metric: str, dimension: str | None = None, as_of: Any = None) -> pd.DataFrame:
        """Rows of one metric for one dimension (None = portfolio), optionally at one as_of."""
        f = self.frame
        mask = f["metric"] == metric
        mask &= f["dimension"].isna() if dimension is None else (f["dimension"] == dimension)
        if as_of is not None:
            mask &= f["as_of"] == pd.Timestamp(as_of)
        return f.loc[mask]

    def get(self, metric: str, as_of: Any = None, dimension: str | None = None,
            segment: str | None = None) -> float | None:
        """One value, or None when absent or undefined. ``as_of`` None = the latest date present."""
        rows = self.select(metric, dimension)
        rows = rows[rows["segment"].isna()] if segment is None else rows[rows["segment"] == segment]
        if rows.empty:
            return None
        if as_of is None:
            rows = rows[rows["as_of"] == rows["as_of"].max()]
        else:
            rows = rows[rows["as_of"] == pd.Timestamp(as_of)]
        if rows.empty:
            return None
        v = float(rows["value"].iloc[0])
        return None if math.isnan(v) else v

    def series(self, metric: str, dimension: str | None = None, segment: str | None = None) -> pd.Series:
        """Values of one metric over as_of (index), for one segment."""
        rows = self.select(metric, dimension)
        rows = rows[rows["segment"].isna()] if segment is None else rows[rows["segment"] == segment]
        return rows.set_index("as_of")["value"].sort_index()

    def segments(self, metric: str, dimension: str, as_of: Any = None) -> pd.Series:
        """Values of one metric across the segments of a dimension at one as_of (default latest)."""
        rows = self.select(metric, dimension)
        if rows.empty:
            return pd.Series(dtype="float64")
        when = rows["as_of"].max() if as_of is None else pd.Timestamp(as_of)
        rows = rows[rows["as_of"] == when]
        return rows.set_index("segment")["value"]

    def names(self) -> list[str]:
        return sorted(self.frame["metric"].unique())

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-safe records: dates as ISO strings, NaN/inf as None."""
        f = self.frame
        as_of = f["as_of"].dt.strftime("%Y-%m-%d").tolist()
        values = [None if (v is None or not math.isfinite(v)) else float(v) for v in f["value"].tolist()]
        return [
            {"metric": m, "as_of": d, "dimension": dim, "segment": seg, "value": v, "unit": u}
            for m, d, dim, seg, v, u in zip(f["metric"].tolist(), as_of, f["dimension"].tolist(),
                                            f["segment"].tolist(), values, f["unit"].tolist(), strict=True)
        ]
