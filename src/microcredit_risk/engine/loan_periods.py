"""The driver model's loan-periods, as SQL text in DuckDB's dialect: written once, here.

A *loan-period* is a loan performing (normal or special mention) with a balance at an annual
snapshot t0, matched by loan at the next annual snapshot t1; its outcome is "NPL at t1". With a
single annual snapshot every stock row there is one, outcome "NPL there". The SQL reads the two
registered tables (``ledger_rows`` for the codes, ``ledger`` for the covariates of the t0 row) and
returns only the loan-periods, never a per-row array of the ledger.

Past a limit the statistics stage asks for a stratified sample (strata: period × outcome) of a
given size per stratum. Which rows a stratum keeps is a function of the data alone, the same on
every engine: the rows with the smallest ``md5(loan_id | year of t1 | seed)`` (ties: ledger
order). MD5 is computed by DuckDB and Spark alike on the UTF-8 bytes and compared as its hex text,
so the two engines pick the same rows (tests/test_model_sample.py); their own ``hash()`` functions
differ, which is why neither is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .aggregates import LEDGER, ROWS

# output columns of :func:`sample_rows` besides the covariates (named so no ledger header can clash)
ROW, PERIOD_CODE, OUTCOME = "_mcr_row", "_mcr_k", "_mcr_y"


@dataclass(frozen=True)
class LoanPeriods:
    """What the loan-period SQL needs to know, all of it small: codes and labels, no rows.

    ``annual_codes[k]`` is the ``date`` code of the k-th annual snapshot and ``years[k]`` its year
    (the label of period k, the year of t1). ``performing`` and ``npl`` are grade codes.
    """

    annual_codes: Sequence[int]
    years: Sequence[int]
    performing: Sequence[int]
    npl: Sequence[int]

    @property
    def single(self) -> bool:
        """One annual snapshot: the outcome is NPL at that snapshot, not a year later."""
        return len(self.annual_codes) < 2


def quoted(name: str) -> str:
    """A column name as a DuckDB identifier (SQLGlot writes it in backticks for Spark)."""
    return '"' + name.replace('"', '""') + '"'


def _codes(values: Sequence[int]) -> str:
    return ", ".join(str(int(v)) for v in values) or "NULL"


def _pairs(spec: LoanPeriods) -> str:
    """The CTEs ending in ``pairs(row, k, y)``: the t0 row, the period (index of t1), 0/1 NPL at t1.

    A loan is counted once per snapshot, by its first stock row there in ledger order (the lowest
    ``row``), as a loan seen twice in one snapshot is one loan at risk.
    """
    valid = f"stock AND grade >= 0 AND date IN ({_codes(spec.annual_codes)})"
    npl = _codes(spec.npl)
    if spec.single:
        return f"pairs AS (SELECT row, 0 AS k, CAST(grade IN ({npl}) AS INTEGER) AS y FROM {ROWS} WHERE {valid})"
    return (f"firsts AS (SELECT loan, period AS k, MIN(row) AS row FROM {ROWS} WHERE {valid} GROUP BY loan, period),\n"
            f"snap AS (SELECT f.loan, f.k, f.row, r.grade FROM firsts AS f JOIN {ROWS} AS r ON r.row = f.row),\n"
            f"pairs AS (SELECT t0.row, t1.k, CAST(t1.grade IN ({npl}) AS INTEGER) AS y FROM snap AS t0 "
            f"JOIN snap AS t1 ON t1.loan = t0.loan AND t1.k = t0.k + 1 "
            f"WHERE t0.grade IN ({_codes(spec.performing)}))")


def snapshot_dates() -> str:
    """Each snapshot code and its date (the first row's ``as_of``): a handful of rows."""
    return (f"SELECT d.date, l.as_of FROM (SELECT date, MIN(row) AS row FROM {ROWS} GROUP BY date) AS d "
            f"JOIN {LEDGER} AS l ON l.row = d.row ORDER BY d.date")


def value_counts(columns: Sequence[str]) -> str:
    """How many rows hold a value in each column (``n0``, ``n1`` … in the order given)."""
    cols = ", ".join(f"COUNT({quoted(c)}) AS n{i}" for i, c in enumerate(columns)) or "COUNT(*) AS n"
    return f"SELECT {cols} FROM {LEDGER}"


def stratum_counts(spec: LoanPeriods) -> str:
    """The population of each stratum: loan-periods per period ``k`` × outcome ``y``."""
    return f"WITH {_pairs(spec)}\nSELECT k, y, COUNT(*) AS population FROM pairs GROUP BY k, y ORDER BY k, y"


def _hash(spec: LoanPeriods, seed: int) -> str:
    """md5 of "loan_id|year of t1|seed" as hex text: a loan-period's place in its stratum's draw."""
    year = "CASE p.k " + " ".join(f"WHEN {k} THEN '{int(y)}'" for k, y in enumerate(spec.years)) + " END"
    return f"md5(CAST(l.loan_id AS VARCHAR) || '|' || {year} || '|' || '{int(seed)}')"


def sample_rows(spec: LoanPeriods, columns: Sequence[str], keep: Mapping[tuple[int, int], int] | None = None,
                seed: int = 0) -> str:
    """The loan-periods with the t0 row's ``columns`` (as ``c0``, ``c1`` …), in ledger order.

    ``keep``: the rows to keep per stratum (k, y), the first in the draw order of :func:`_hash`;
    None keeps every loan-period (no draw is made). Also returns :data:`ROW`, :data:`PERIOD_CODE`
    and :data:`OUTCOME`.
    """
    cols = "".join(f", l.{quoted(c)} AS c{i}" for i, c in enumerate(columns))
    ctes = _pairs(spec)
    if keep is not None:
        limit = " ".join(f"WHEN k = {k} AND y = {y} THEN {int(n)}" for (k, y), n in sorted(keep.items()))
        limit = limit or "WHEN FALSE THEN 0"
        ctes += (f",\nranked AS (SELECT p.row, p.k, p.y, ROW_NUMBER() OVER (PARTITION BY p.k, p.y "
                 f"ORDER BY {_hash(spec, seed)}, p.row) AS rn FROM pairs AS p JOIN {LEDGER} AS l ON l.row = p.row),\n"
                 f"kept AS (SELECT row, k, y FROM ranked WHERE rn <= CASE {limit} ELSE 0 END)")
    source = "kept" if keep is not None else "pairs"
    return (f"WITH {ctes}\nSELECT p.row AS {ROW}, p.k AS {PERIOD_CODE}, p.y AS {OUTCOME}{cols} "
            f"FROM {source} AS p JOIN {LEDGER} AS l ON l.row = p.row ORDER BY p.row")
