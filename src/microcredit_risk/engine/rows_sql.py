"""``ledger_rows`` derived from ``ledger`` in SQL: every per-row domain rule, written once (DuckDB dialect).

The registered canonical ledger (:data:`~.aggregates.LEDGER`, ledger/contract.py columns + ``row``)
is the only input. The rules — snapshot and annual-period codes, the stock mask, the term in months,
the segment keys (buckets, vintage, renewal) — are SQL expressions here, the grade code and the
days-past-due floor in :mod:`.rules_sql` (shared with the ledger checks). What they read from the
data files (bucket edges, floor thresholds, inclusive customer types) comes in as arguments, so the
engine knows no metric. A segment's code is its rank among the distinct keys in ascending order
(:func:`key_table_sql`), the order pandas' ``factorize(sort=True)`` gave: numbers by value, text by
code point (= UTF-8 bytes, the engines' binary collation). The labels are made from those few keys
in Python (``metrics/rows.py``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from ..ledger.contract import DIMENSIONS, GRADES
from .aggregates import LEDGER, ROWS, segment_column
from .rules_sql import floor_sql, grade_code_sql

KEY_PREFIX = "ledger_key_"  # the key tables: one per segmented dimension and per coded id


def ident(name: str) -> str:
    """A column name as a quoted identifier (extra columns keep their header, spaces and all)."""
    return '"' + name.replace('"', '""') + '"'


def number(x: float) -> str:
    """A float as an SQL literal (±inf and NaN spelled so both engines read them)."""
    x = float(x)
    if math.isfinite(x):
        return repr(x)
    return f"CAST('{'NaN' if math.isnan(x) else ('Infinity' if x > 0 else '-Infinity')}' AS DOUBLE)"


def text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# -- what is in the ledger ---------------------------------------------------------------------------
def schema_sql() -> str:
    """No rows, every column: the ledger's column names and types."""
    return f"SELECT * FROM {LEDGER} LIMIT 0"


def counts_sql(columns: Sequence[str], guard: bool = True) -> str:
    """One scan: the rows, the values in each column (``n<i>`` for ``columns[i]``), and (``guard``) the
    first row whose five_category is not a grade (NULL: none; E709 guards a ledger not categorical yet)."""
    counts = ", ".join(f"COUNT({ident(c)}) AS n{i}" for i, c in enumerate(columns))
    bad = (f"five_category IS NOT NULL AND CAST(five_category AS VARCHAR) NOT IN "
           f"({', '.join(text(g) for g in GRADES)})")
    first_bad = f"MIN(row) FILTER (WHERE {bad})" if guard else "CAST(NULL AS BIGINT)"
    return f"SELECT COUNT(*) AS n_rows, {counts}, {first_bad} AS bad_grade_row FROM {LEDGER}"


def value_at_sql(column: str, row: int) -> str:
    return f"SELECT CAST({ident(column)} AS VARCHAR) AS value FROM {LEDGER} WHERE row = {int(row)}"


def snapshot_days_sql() -> str:
    """The ascending distinct snapshot days (as_of normalised to the day)."""
    return f"SELECT DISTINCT CAST(as_of AS DATE) AS day FROM {LEDGER} WHERE as_of IS NOT NULL ORDER BY day"


# -- the per-row rules ---------------------------------------------------------------------------------
def months_sql(start: str, end: str) -> str:
    """Calendar months from start to end, a started month counting as one (NULL where either is missing):
    2021-01-31 → 2021-02-28 is 1 month, 2021-01-15 → 2021-02-16 is 2."""
    return (f"CAST((YEAR({end}) - YEAR({start})) * 12 + (MONTH({end}) - MONTH({start}))"
            f" + CASE WHEN DAY({end}) > DAY({start}) THEN 1 ELSE 0 END AS DOUBLE)")


def bucket_sql(value: str, edges: Sequence[float], missing: int) -> str:
    """Right-closed buckets: i for edges[i−1] < v ≤ edges[i]; ``missing`` where v is NULL."""
    above = " + ".join(f"CASE WHEN {value} > {number(e)} THEN 1 ELSE 0 END" for e in edges) or "0"
    return f"CASE WHEN {value} IS NULL THEN {int(missing)} ELSE {above} END"


def size_sql(has_amount: bool) -> str:
    """The loan's size: amount, else balance (missing balance → 0)."""
    return "COALESCE(amount, COALESCE(balance, 0.0))" if has_amount else "COALESCE(balance, 0.0)"


def has_term(columns: Collection[str]) -> bool:
    return "origination_date" in columns and "maturity_date" in columns


def source_sql(columns: Collection[str], days: tuple[str, str] | None = None) -> str:
    """``ledger AS l`` with the per-row values two rules share, computed once: ``__size`` and, with both
    dates, ``__term_months`` (the size bucket and ``size``; the term bucket and ``term_months``).
    ``days``: only the snapshots from the first ISO day to the second (a range on ``as_of``, which a
    stored ledger in as_of order skips to)."""
    shared = [f"{size_sql('amount' in columns)} AS __size"]
    if has_term(columns):
        shared.append(f"{months_sql('origination_date', 'maturity_date')} AS __term_months")
    where = ""
    if days is not None:
        where = (f" WHERE as_of >= CAST(DATE '{days[0]}' AS TIMESTAMP)"
                 f" AND as_of < CAST(DATE '{days[1]}' + INTERVAL 1 DAY AS TIMESTAMP)")
    return f"(SELECT *, {', '.join(shared)} FROM {LEDGER}{where}) AS l"


@dataclass(frozen=True)
class Edges:
    """Bucket edges and how many labels each bucketing has (data/metrics.toml), for the bucket keys."""

    term_months: Sequence[float]
    term_labels: int
    size: Sequence[float]
    size_labels: int


def segment_keys(present: Collection[str], columns: Collection[str], edges: Edges) -> dict[str, tuple[str, str]]:
    """Each segmented dimension the ledger allows → (kind, key SQL over :func:`source_sql`).

    ``values``: the segments are the key's distinct values (NULL = the missing segment); ``buckets``:
    the key is a bucket index, the missing bucket last. ``present``: the columns holding a value;
    ``columns``: every column. The derived dimensions replace a column of the same name.
    """
    out: dict[str, tuple[str, str]] = {d: ("values", f"l.{d}") for d in DIMENSIONS if d in present}
    if "origination_date" in present:
        if "maturity_date" in present:
            out["term_bucket"] = ("buckets", bucket_sql("l.__term_months", edges.term_months, edges.term_labels))
        out["vintage"] = ("values", "CAST(YEAR(l.origination_date) AS BIGINT)")
    out["size_bucket"] = ("buckets", bucket_sql("l.__size", edges.size, edges.size_labels))
    if "renewal_flag" in present:
        out["renewal"] = ("values", "CASE WHEN l.renewal_flag THEN 'true' WHEN NOT l.renewal_flag THEN 'false' END")
    return out


ID_KEYS = {"customer": "l.customer_id", "loan": "l.loan_id", "grp": "l.group_id"}  # coded ids (−1 missing)


def key_table(name: str) -> str:
    return KEY_PREFIX + name


def key_table_sql(key: str, columns: Collection[str]) -> str:
    """The distinct values of ``key`` (SQL over :func:`source_sql`), each with its code: its rank in
    ascending order, NULL last (a NULL key says the missing segment is in use; rows never join it)."""
    return (f"SELECT key, CAST(ROW_NUMBER() OVER (ORDER BY key NULLS LAST) - 1 AS BIGINT) AS code "
            f"FROM (SELECT DISTINCT {key} AS key FROM {source_sql(columns)}) AS k")


def keys_sql(name: str) -> str:
    return f"SELECT key FROM {key_table(name)} ORDER BY code"


def in_sql(value: str, codes: Collection[int]) -> str:
    return f"{value} IN ({', '.join(str(int(c)) for c in sorted(codes))})" if codes else "FALSE"


@dataclass(frozen=True)
class RowPlan:
    """Everything ``ledger_rows`` needs to know besides the ledger (from a first look at it, and the data files)."""

    present: frozenset[str]                       # the ledger's columns holding at least one value
    columns: frozenset[str]                       # every ledger column
    thresholds: Mapping[str, float]               # floor_days_<grade>
    inclusive_types: Sequence[str]                # customer_type values of inclusive finance
    days: Sequence[tuple[str, int, int]]          # (ISO day, date code, annual period code)
    keys: Mapping[str, str]                       # key table name → key SQL joined on (dimensions and ids)
    missing: Mapping[str, int] = field(default_factory=dict)  # key table → the code of rows whose key is NULL
    groups: Mapping[str, tuple[str, Sequence[Collection[int]]]] = field(default_factory=dict)
    # pooled dimension → (its source dimension, the source codes in each group; the rest last)


def _code(plan: RowPlan, name: str) -> str:
    return f"COALESCE(k_{name}.code, {int(plan.missing.get(name, -1))})"


def _value_columns(plan: RowPlan) -> dict[str, str]:
    """The rows' values and codes besides the segments (engine/aggregates.ROW_COLUMNS)."""
    has = plan.present.__contains__
    cols = {"balance": "COALESCE(l.balance, 0.0)", "grade": f"CAST({grade_code_sql('l.five_category')} AS BIGINT)",
            "customer": _code(plan, "customer"), "loan": _code(plan, "loan"), "size": "l.__size"}
    if has("days_past_due"):
        cols["floor"] = f"CAST({floor_sql(dict(plan.thresholds), 'l.days_past_due')} AS BIGINT)"
        cols["days_past_due"] = "CAST(l.days_past_due AS DOUBLE)"
    for name in ("provision", "interest_rate", "write_off", "risk_share_ratio"):
        if has(name):
            cols[name] = f"CAST(l.{name} AS DOUBLE)"
    if has_term(plan.present):
        cols["term_months"] = "l.__term_months"
    if has("renewal_flag"):
        cols["renewed"] = "CAST(l.renewal_flag AS BOOLEAN)"
    if has("group_id"):
        cols["grp"] = _code(plan, "grp")
    if has("customer_type"):
        kinds = ", ".join(text(k) for k in plan.inclusive_types) or "NULL"
        cols["inclusive_type"] = f"COALESCE(CAST(l.customer_type AS VARCHAR) IN ({kinds}), FALSE)"
    return cols


def ledger_rows_sql(plan: RowPlan, segments: Sequence[str], segments_only: bool = False,
                    only: tuple[str, str] | None = None) -> str:
    """``ledger_rows`` (engine/aggregates.ROW_COLUMNS): one SELECT over ``ledger``, the snapshot days and
    the key tables, to be kept in ledger order (``Backend.create(ROWS, …, order_by="row")``);
    ``segments``: the dimensions, in report order. ``segments_only``: row, date, period, stock, loan_id
    and the segment codes, nothing else (the watchlist's names of a snapshot's loans). ``only``: the
    rows of the snapshots from one ISO day to another (:func:`source_sql`), a piece of the whole."""
    cols = {"date": "d.date", "period": "d.period", "stock": "COALESCE(l.balance, 0.0) > 0"}
    cols.update({"loan_id": "CAST(l.loan_id AS VARCHAR)"} if segments_only else _value_columns(plan))
    for dim in segments:
        if dim in plan.groups:
            source, members = plan.groups[dim]
            whens = " ".join(f"WHEN {in_sql(_code(plan, source), m)} THEN {i}" for i, m in enumerate(members))
            cols[segment_column(dim)] = f"CASE {whens} ELSE {len(members)} END"
        else:
            cols[segment_column(dim)] = _code(plan, dim)
    days = ", ".join(f"(DATE '{day}', {int(code)}, {int(period)})" for day, code, period in plan.days)
    body = ", ".join(f"{expr} AS {name}" for name, expr in cols.items())
    joins = "".join(f" LEFT JOIN {key_table(name)} AS k_{name} ON k_{name}.key = {key}"
                    for name, key in plan.keys.items())
    return (f"SELECT l.row AS row, {body} FROM {source_sql(plan.columns, only)}"
            f" JOIN (VALUES {days}) AS d(day, date, period) ON d.day = CAST(l.as_of AS DATE){joins}")


def segment_codes_sql(segments: Sequence[str], date: int, rows: str | None = None) -> str:
    """Per row with a balance at one snapshot (ledger order): its loan_id and its segment code in each
    dimension (the watchlist names a loan's segments as the metrics do). ``rows``: a
    ``ledger_rows_sql(…, segments_only=True)`` to read instead of the stored ``ledger_rows``."""
    codes = "".join(f", r.{segment_column(d)}" for d in segments)
    if rows is not None:
        return f"SELECT r.row, r.loan_id{codes} FROM ({rows}) AS r WHERE r.date = {int(date)} AND r.stock ORDER BY r.row"
    return (f"SELECT r.row, CAST(l.loan_id AS VARCHAR) AS loan_id{codes} FROM {ROWS} AS r"
            f" JOIN {LEDGER} AS l ON l.row = r.row WHERE r.date = {int(date)} AND r.stock ORDER BY r.row")


def row_column_sql(columns: Sequence[str]) -> str:
    """Columns of ``ledger_rows`` with their row (the transitional per-row arrays of metrics' Base)."""
    return f"SELECT row, {', '.join(columns)} FROM {ROWS}"
