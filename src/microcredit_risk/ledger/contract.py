"""The canonical loan table: the only shape every stage after reading ever sees.

One row per loan per snapshot (``as_of``). Column names and values follow
``shared/spec/LEDGER.md``; the dtypes below are the contract between the reader and the rest:

* dates (``as_of``, ``origination_date``, ``maturity_date``): ``datetime64[us]`` normalised to midnight
  (microseconds, not nanoseconds: banks write 9999-12-31 for open-ended maturities);
* ids and text (``loan_id``, ``customer_id``, ``industry``, ``region`` …): pandas ``str``, NaN = missing;
* amounts (yuan), fractions and ``days_past_due``: ``float64``, NaN = missing;
* ``five_category``: ordered categorical :data:`GRADE_DTYPE` (normal < … < loss);
* ``renewal_flag``: nullable ``boolean``.

Columns the ledger does not have are absent (never filled with NaN), so ``"industry" in frame``
tells whether an analysis by industry can run. Unknown extra columns follow the canonical ones,
under their (trimmed) original header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from ..snapshots import annual_dates

GRADES: tuple[str, ...] = ("normal", "special_mention", "substandard", "doubtful", "loss")
NPL_GRADES: frozenset[str] = frozenset({"substandard", "doubtful", "loss"})
PERFORMING_GRADES: frozenset[str] = frozenset({"normal", "special_mention"})
GRADE_DTYPE = pd.CategoricalDtype(list(GRADES), ordered=True)

Kind = Literal["date", "id", "text", "money", "fraction", "grade", "days", "flag"]


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: Kind
    required: bool = False
    personal: bool = False  # personal data: pseudonymised by --anonymize


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("as_of", "date", required=True),
    ColumnSpec("loan_id", "id", required=True),
    ColumnSpec("customer_id", "id", required=True, personal=True),
    ColumnSpec("customer_name", "text", personal=True),
    ColumnSpec("customer_type", "text"),
    ColumnSpec("industry", "text"),
    ColumnSpec("region", "text"),
    ColumnSpec("branch", "text"),
    ColumnSpec("product", "text"),
    ColumnSpec("guarantee_type", "text"),
    ColumnSpec("loan_officer", "text"),
    ColumnSpec("origination_date", "date"),
    ColumnSpec("maturity_date", "date"),
    ColumnSpec("amount", "money"),
    ColumnSpec("balance", "money", required=True),
    ColumnSpec("interest_rate", "fraction"),
    ColumnSpec("five_category", "grade", required=True),
    ColumnSpec("days_past_due", "days"),
    ColumnSpec("provision", "money"),
    ColumnSpec("write_off", "money"),
    ColumnSpec("renewal_flag", "flag"),
    ColumnSpec("risk_share_ratio", "fraction"),
    ColumnSpec("group_id", "id"),
)
COLUMN_BY_NAME: dict[str, ColumnSpec] = {c.name: c for c in COLUMNS}
CANONICAL_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)

# Read from a file but never part of the canonical table: a loan tape's charge-off date, consumed by
# ``--snapshots annual`` (ledger/tape.py). A column map may name it like a canonical column.
TAPE_COLUMNS: tuple[ColumnSpec, ...] = (ColumnSpec("charge_off_date", "date"),)
READ_COLUMN_BY_NAME: dict[str, ColumnSpec] = {**COLUMN_BY_NAME, **{c.name: c for c in TAPE_COLUMNS}}
READ_NAMES: tuple[str, ...] = CANONICAL_NAMES + tuple(c.name for c in TAPE_COLUMNS)

# Dimensions that metrics are broken down by, in report order; each exists only where its source does.
DIMENSIONS: tuple[str, ...] = (
    "industry", "guarantee_type", "product", "region", "branch", "customer_type",
    "loan_officer", "term_bucket", "size_bucket", "vintage",
)


@dataclass(frozen=True)
class ColumnMatch:
    """How one header of one source was understood."""

    source: str          # "file" or "file › sheet"
    header: str          # the header as written
    canonical: str | None  # canonical name, or None for an extra column kept as is
    how: str             # "alias", "user map", "derived", "extra"
    unit_scale: float = 1.0


@dataclass(frozen=True)
class SourceInfo:
    """One sheet (or CSV/parquet file) that contributed rows."""

    file: str
    sheet: str | None
    header_row: int        # 1-based spreadsheet row of the header
    rows: int              # data rows kept
    as_of_from: str        # "column", "sheet name", "file name", "--as-of"


@dataclass
class Ledger:
    """The canonical loan table plus what reading it found out."""

    frame: pd.DataFrame
    sources: list[SourceInfo] = field(default_factory=list)
    matches: list[ColumnMatch] = field(default_factory=list)
    issues: list = field(default_factory=list)  # list[ledger.problems.Issue] (warnings)
    extras: list[str] = field(default_factory=list)
    currency: str = "CNY"  # ISO 4217 code of every amount column ([ledger] currency of the column map)
    conversions: list = field(default_factory=list)  # list[ledger.explain.ColumnExplain] (`validate --explain`)
    # rows the warnings in ``issues`` were counted over, when this is one group of a larger ledger
    # (ledger/split.py); None: this frame's rows
    counted_rows: int | None = None

    @property
    def warning_rows(self) -> int:
        """The row count the validation warnings are a share of (the data-quality check)."""
        return len(self.frame) if self.counted_rows is None else self.counted_rows

    @property
    def files(self) -> list[str]:
        return sorted({s.file for s in self.sources})

    @property
    def snapshots(self) -> list[pd.Timestamp]:
        return sorted(pd.to_datetime(self.frame["as_of"].unique()))

    @property
    def annual_snapshots(self) -> list[pd.Timestamp]:
        """The last snapshot of each calendar year (METRICS.md, "annual series")."""
        return annual_snapshots(self.frame)

    def has(self, column: str) -> bool:
        return column in self.frame.columns and bool(self.frame[column].notna().any())

    @property
    def row_count(self) -> int:
        return len(self.frame)

    def per_snapshot(self) -> pd.DataFrame:
        """Rows, distinct customers and Σ balance per snapshot (index: the date as YYYY-MM-DD)."""
        g = self.frame.groupby("as_of", sort=True)
        out = pd.DataFrame({"rows": g.size(), "customers": g["customer_id"].nunique(), "balance": g["balance"].sum()})
        out.index = pd.DatetimeIndex(out.index).strftime("%Y-%m-%d")
        return out

    @property
    def columns(self) -> list[str]:
        """The canonical columns the ledger has, then its extras (the stages ask this, not ``frame``)."""
        return list(self.frame.columns)

    def at(self, dates: list[pd.Timestamp], columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows of the given snapshots, in ledger order (a streamed ledger fetches only these);
        ``columns``: only those of them the ledger has."""
        f = self.frame
        if columns is not None:
            f = f[[c for c in dict.fromkeys(["as_of", *columns]) if c in f.columns]]
        out = f.loc[f["as_of"].isin(list(dates))].reset_index(drop=True)
        return out if columns is None or "as_of" in columns else out.drop(columns="as_of")


def annual_snapshots(frame: pd.DataFrame) -> list[pd.Timestamp]:
    """Last snapshot date of each calendar year present in ``frame['as_of']``."""
    return annual_dates(frame["as_of"].unique())
