"""The two tables every aggregate reads, made once per run in the backend.

* ``ledger`` (:data:`~..engine.aggregates.LEDGER`): the canonical ledger (ledger/contract.py columns,
  extras under their header) plus ``row``, the row's position in ledger order (sorted by as_of,
  loan_id). It is registered as it is; a frame that is not canonical yet (``compute_metrics`` on a
  hand-made frame: dates as text, grades as strings) gets the canonical dtypes first.
* ``ledger_rows`` (:data:`~..engine.aggregates.ROWS`): the domain-rule inputs per row, as codes
  (:data:`~..engine.aggregates.ROW_COLUMNS`), derived from ``ledger`` by the SQL of
  :mod:`..engine.rows_sql` (:func:`derive`). Every metric family's aggregate reads this one table.

What comes back to pandas is small: the snapshot dates, the annual snapshots, which columns hold a
value, the number of customers and loans, and each dimension's segment labels, made here from the
distinct keys the engine sorted (:func:`value_labels`, :func:`bucket_labels`, :func:`pooled`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..engine import Backend, DuckDBBackend
from ..engine.aggregates import LEDGER, ROWS
from ..engine.rows_sql import (
    ID_KEYS,
    Edges,
    RowPlan,
    counts_sql,
    key_table,
    key_table_sql,
    keys_sql,
    ledger_rows_sql,
    schema_sql,
    segment_codes_sql,
    segment_keys,
    snapshot_days_sql,
    value_at_sql,
)
from ..errors import AnalysisError
from ..ledger.contract import COLUMN_BY_NAME, DIMENSIONS, GRADES, Ledger
from ..snapshots import annual_dates
from .catalogue import definitions

if TYPE_CHECKING:
    from .prepare import Base

REQUIRED = ("as_of", "loan_id", "customer_id", "balance", "five_category")
# the engine's dimensions: the canonical ones plus ``renewal`` (segments "true"/"false" from renewal_flag)
# and ``guarantee_group`` (guarantee types pooled, data/metrics.toml), in report order
ENGINE_DIMENSIONS: tuple[str, ...] = (*DIMENSIONS, "renewal", "guarantee_group")


def engine_frame(ledger: Ledger | pd.DataFrame) -> pd.DataFrame:
    """The ledger's frame with the canonical dtypes the SQL reads (a canonical ledger as it is, no copy):
    dates as datetime64, amounts and days as float64, renewal_flag as boolean."""
    frame = ledger.frame if isinstance(ledger, Ledger) else ledger
    missing = [c for c in REQUIRED if c not in frame]
    if missing:
        raise AnalysisError("E708", names=", ".join(missing), count=len(missing))
    frame = frame.reset_index(drop=True)
    fixes: dict[str, pd.Series] = {}
    for name in frame.columns:
        spec, s = COLUMN_BY_NAME.get(name), frame[name]
        if spec is None:
            continue
        if spec.kind == "date" and not pd.api.types.is_datetime64_any_dtype(s):
            fixes[name] = pd.to_datetime(s)
        elif spec.kind in ("money", "fraction", "days") and s.dtype != np.float64:
            fixes[name] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif spec.kind == "flag" and str(s.dtype) != "boolean":
            fixes[name] = s.astype("boolean")
    return frame.assign(**fixes) if fixes else frame


def register_ledger(frame: pd.DataFrame, backend: Backend) -> None:
    """``ledger``: the frame and ``row``, its position (the order every sum adds in)."""
    backend.register(LEDGER, frame.assign(row=np.arange(len(frame), dtype=np.int64)))


def label(value: object) -> str:
    """Segment name: integral numbers (years, numeric codes) without a trailing .0."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def value_labels(keys: Sequence[object], missing: str) -> tuple[list[str], int]:
    """Labels of the ascending distinct keys (NULL last: the missing segment is in use) and the code of
    a missing key: the ``missing`` label appended, or reused when a value already has that name (−1: none)."""
    present = [k for k in keys if not pd.isna(k)]  # type: ignore[call-overload]
    labels = [label(k) for k in present]
    if len(present) == len(keys):
        return labels, -1
    if missing in labels:
        return labels, labels.index(missing)
    return [*labels, missing], len(labels)


def bucket_labels(keys: Sequence[object], names: Sequence[str], missing: str) -> list[str]:
    """The buckets in use, in edge order, the missing bucket (key = len(names)) last."""
    every = [*names, missing]
    return [every[int(k)] for k in keys]  # type: ignore[call-overload]


def pooled(labels: Sequence[str], groups: Mapping[str, Sequence[str]], rest: str) -> tuple[list[str], list[list[int]]]:
    """Segments pooled into named groups: every group's name (used or not) and rest last, and the
    source codes in each group (every segment in no group, missing included, goes to ``rest``)."""
    of = {str(member): i for i, members in enumerate(groups.values()) for member in members}
    codes: list[list[int]] = [[] for _ in groups]
    for code, name in enumerate(labels):
        if str(name) in of:
            codes[of[str(name)]].append(code)
    return [*groups, rest], codes


@dataclass
class Derived:
    """What the derivation found out: all of it small."""

    n_rows: int
    columns: frozenset[str]                 # the ledger's columns holding at least one value
    dates: list[pd.Timestamp]
    annual: list[pd.Timestamp]
    n_customers: int
    n_loans: int
    labels: dict[str, np.ndarray]           # dimension → segment names, in code order (report order of dimensions)
    plan: RowPlan


def _first_look(backend: Backend) -> tuple[list[str], int, frozenset[str]]:
    """The ledger's columns, its rows and the columns that hold a value; the coded refusals."""
    schema = backend.query(schema_sql(), order_free=True)
    names = [c for c in schema.columns if c != "row"]
    grade = schema["five_category"].dtype
    categorical = isinstance(grade, pd.CategoricalDtype) and set(grade.categories) <= set(GRADES)
    counts = backend.query(counts_sql(names, guard=not categorical), order_free=True).iloc[0]
    n_rows = int(counts["n_rows"])
    if n_rows == 0:
        raise AnalysisError("E710")
    present = frozenset(c for i, c in enumerate(names) if int(counts[f"n{i}"]) > 0)
    if int(counts[f"n{names.index('as_of')}"]) < n_rows:
        raise AnalysisError("E711")
    if not pd.isna(counts["bad_grade_row"]):
        value = backend.query(value_at_sql("five_category", int(counts["bad_grade_row"])), order_free=True)["value"].iloc[0]
        raise AnalysisError("E709", value=value, choices=", ".join(GRADES))
    return names, n_rows, present


def _days(backend: Backend) -> tuple[list[pd.Timestamp], list[pd.Timestamp], list[tuple[str, int, int]]]:
    """The snapshots, the annual ones, and per snapshot (ISO day, date code, annual period code):
    the period (t−1, t] of the annual snapshots holding it, found by year."""
    dates = [pd.Timestamp(d) for d in backend.query(snapshot_days_sql(), order_free=True)["day"]]
    annual = annual_dates(dates)
    period = np.searchsorted(np.array([d.year for d in annual]), np.array([d.year for d in dates]))
    return dates, annual, [(d.strftime("%Y-%m-%d"), i, int(p)) for i, (d, p) in enumerate(zip(dates, period, strict=True))]


def derive(backend: Backend, thresholds: Mapping[str, float]) -> Derived:
    """``ledger_rows`` made in the backend from the registered ``ledger``; the small facts about it."""
    got = _plan(backend, thresholds)
    segments = list(got.labels)
    backend.create(ROWS, ledger_rows_sql(got.plan, segments), order_by="row",
                   pieces=[ledger_rows_sql(got.plan, segments, only=d) for d in _pieces(got)])
    return got


PIECE_ROWS = 2_000_000   # rows of ledger_rows made at a time on a big ledger (Backend.create's pieces)


def _pieces(got: Derived) -> list[tuple[str, str]]:
    """Consecutive snapshots of about :data:`PIECE_ROWS` rows together, as (first, last) ISO days; none
    for a ledger of a few pieces (one statement is as quick, and a registered frame has no zone maps)."""
    days = [day for day, _, _ in got.plan.days]
    if got.n_rows <= 2 * PIECE_ROWS or len(days) < 2:
        return []
    per = max(1, round(len(days) * PIECE_ROWS / got.n_rows))
    return [(days[i], days[min(i + per, len(days)) - 1]) for i in range(0, len(days), per)]


def _plan(backend: Backend, thresholds: Mapping[str, float], segments_only: bool = False,
          dimensions: Collection[str] | None = None) -> Derived:
    """Everything but ``ledger_rows`` itself: the first look, the snapshot days, the key tables and the
    labels. ``segments_only``: no id key tables (0 customers, 0 loans); ``dimensions``: only these
    segments are coded (a row's segment depends on its own values only)."""
    names, n_rows, present = _first_look(backend)
    dates, annual, days = _days(backend)
    d = definitions()
    missing = d["missing_segment"]
    edges = Edges(d["term_bucket_months"], len(d["term_bucket_labels"]), d["size_bucket_yuan"], len(d["size_bucket_labels"]))
    keys: dict[str, str] = {}
    codes_of_missing: dict[str, int] = {}
    labels: dict[str, list[str]] = {}
    wanted = None if dimensions is None else {*dimensions, *(["guarantee_type"] * ("guarantee_group" in dimensions))}
    for dim, (kind, key) in segment_keys(present, names, edges).items():
        if wanted is not None and dim not in wanted:
            continue
        backend.create(key_table(dim), key_table_sql(key, names), order_free=True)
        got = backend.query(keys_sql(dim), order_free=True)["key"].tolist()
        if kind == "buckets":
            names_of = d["term_bucket_labels"] if dim == "term_bucket" else d["size_bucket_labels"]
            labels[dim] = bucket_labels(got, names_of, missing)
        else:
            labels[dim], codes_of_missing[dim] = value_labels(got, missing)
        keys[dim] = key
    groups = {}
    if "guarantee_type" in labels:
        labels["guarantee_group"], members = pooled(labels["guarantee_type"], d["guarantee_groups"],
                                                    d["guarantee_group_rest"])
        groups["guarantee_group"] = ("guarantee_type", members)
    ids = {} if segments_only else {n: key for n, key in ID_KEYS.items() if n != "grp" or "group_id" in present}
    for name, key in ids.items():
        backend.create(key_table(name), key_table_sql(key, names), order_free=True)
        keys[name] = key
    n_ids: dict[str, int] = {"customer": 0, "loan": 0}
    if ids:
        got_ids = backend.query("SELECT " + ", ".join(f"(SELECT COUNT(key) FROM {key_table(n)}) AS {n}" for n in ids), order_free=True)
        n_ids = {n: int(got_ids[n].iloc[0]) for n in ids}
    segments = [dim for dim in ENGINE_DIMENSIONS if dim in labels and (dimensions is None or dim in dimensions)]
    plan = RowPlan(present=present, columns=frozenset(names), thresholds=dict(thresholds),
                   inclusive_types=tuple(d["inclusive_customer_types"]), days=days, keys=keys,
                   missing=codes_of_missing, groups=groups)
    return Derived(n_rows=n_rows, columns=present, dates=dates, annual=annual,
                   n_customers=max(int(n_ids["customer"]), int(not segments_only)),
                   n_loans=max(int(n_ids["loan"]), int(not segments_only)),
                   labels={dim: np.asarray(labels[dim], dtype=object) for dim in segments}, plan=plan)


def segment_names(backend: Backend, labels: Mapping[str, np.ndarray], date: int, rows: str | None = None
                  ) -> pd.DataFrame:
    """Per row with a balance at snapshot ``date`` (ledger order): its loan_id and its segment name in
    every dimension (a categorical: the codes of ``ledger_rows``, the one segment rule the metrics use,
    under their labels). ``rows``: see :func:`~..engine.rows_sql.segment_codes_sql`."""
    got = backend.query(segment_codes_sql(list(labels), date, rows), order_free=True)
    out: dict[str, object] = {"loan_id": got["loan_id"]}
    for dim, names in labels.items():
        out[dim] = pd.Categorical.from_codes(got[f"seg_{dim}"].to_numpy(dtype=np.int64), categories=pd.Index(names))
    return pd.DataFrame(out)


def snapshot_segments(frame: pd.DataFrame, thresholds: Mapping[str, float],
                      dimensions: Collection[str] | None = None) -> pd.DataFrame:
    """:func:`segment_names` of a frame holding one snapshot's loans with a balance, in its row order,
    from an engine of its own (the watchlist's latest snapshot); ``dimensions``: only these."""
    with closing(DuckDBBackend()) as engine:
        register_ledger(engine_frame(frame), engine)
        got = _plan(engine, thresholds, segments_only=True, dimensions=dimensions)
        rows = ledger_rows_sql(got.plan, list(got.labels), segments_only=True)   # read once, not stored
        return segment_names(engine, got.labels, len(got.dates) - 1, rows)


def register_rows(base: Base, backend: Backend) -> None:
    """``ledger`` and ``ledger_rows`` of a prepared Base in another backend (the same SQL, run there);
    nothing when ``backend`` is where the Base was prepared (what compute_metrics does)."""
    if backend is base.backend:
        return
    register_ledger(base.frame, backend)
    derive(backend, base.plan.thresholds)
