"""The whole-ledger checks of LEDGER.md ("Data rules") as SQL over the appended parts.

The same rules as :func:`..ledger.validate.check_ledger` (duplicate loan in a snapshot → E005; zero
balances W102; origination after the snapshot W104 or after maturity W105; a grade better than its
days-past-due floor W107; grades derived from days past due W109), run where a streamed ledger
lives. Each hit is located as the pandas check locates it: the first offending row in reading
order (``_seq``), its file, sheet and spreadsheet row (``_src``, ``_row``), the header as written,
the first five rows and how many other files share the warning.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import Location
from ..ledger.contract import GRADES, SourceInfo
from ..ledger.mapping import Collector
from ..ledger.problems import LedgerError
from .backends import DuckDBBackend
from .rules_sql import floor_sql, grade_code_sql


def _location(sources: list[SourceInfo], headers: dict[tuple[int, str], str], src: int, row: int | None,
              column: str | None, more: int = 0) -> Location:
    s = sources[src]
    return Location(s.file, s.sheet, row, headers.get((src, column or ""), column), more)


def _duplicates(backend: DuckDBBackend, table: str, sources: list[SourceInfo],
                headers: dict[tuple[int, str], str], runs: list[str]) -> None:
    """E005 at the first repeat in reading order. Looked for run by run (each a small grouping in
    memory; a repeat cannot span two runs), and located over the whole table only when found."""
    if all(backend.query(f"SELECT 1 AS hit FROM {run} GROUP BY as_of, loan_id HAVING COUNT(*) > 1 LIMIT 1").empty
           for run in runs):
        return
    hit = backend.query(
        f"WITH r AS (SELECT _seq, _src, _row, as_of, loan_id, "
        f"ROW_NUMBER() OVER (PARTITION BY as_of, loan_id ORDER BY _seq) AS k FROM {table}) "
        f"SELECT a._src AS src, a._row AS row, a.as_of, a.loan_id, b._src AS src0, b._row AS row0 "
        f"FROM r AS a JOIN r AS b ON a.as_of = b.as_of AND a.loan_id = b.loan_id AND b.k = 1 "
        f"WHERE a.k = 2 ORDER BY a._seq LIMIT 1").iloc[0]
    first = _location(sources, headers, int(hit["src0"]), int(hit["row0"]), None)
    name = Path(first.file).name if first.file else ""
    raise LedgerError("E005", _location(sources, headers, int(hit["src"]), int(hit["row"]), "loan_id"),
                      loan_id=hit["loan_id"], as_of=pd.Timestamp(hit["as_of"]).date().isoformat(),
                      first=f"{name}{', sheet ' + repr(first.sheet) if first.sheet else ''}, row {first.row}")


def _warn(backend: DuckDBBackend, table: str, code: str, condition: str, column: str,
          sources: list[SourceInfo], headers: dict[tuple[int, str], str], collector: Collector) -> None:
    counts = backend.query(f"SELECT COUNT(*) AS n, COUNT(DISTINCT _src) AS files, arg_min(_src, _seq) AS src "
                           f"FROM {table} WHERE {condition}").iloc[0]
    n = int(counts["n"])
    if n == 0:
        return
    rows = backend.query(f"SELECT _row FROM {table} WHERE {condition} ORDER BY _seq LIMIT 5")["_row"]
    loc = _location(sources, headers, int(counts["src"]), None, column, int(counts["files"]) - 1)
    collector.add(code, n, loc, [int(r) for r in rows])


def whole_ledger_checks(backend: DuckDBBackend, table: str, present: set[str], sources: list[SourceInfo],
                        headers: dict[tuple[int, str], str], thresholds: dict[str, float],
                        collector: Collector, runs: list[str] | None = None) -> str | None:
    """Raise E005 on a duplicate loan; count the warnings. Without a grade column, the SQL that derives
    the grade from days past due (W109), which the caller selects as ``five_category``; else None.

    ``runs``: relations that split ``table`` into snapshot-disjoint groups (engine/ledger_order.py),
    where repeats are looked for; default the whole table."""
    _duplicates(backend, table, sources, headers, runs or [table])

    def warn(code: str, condition: str, column: str) -> None:
        _warn(backend, table, code, condition, column, sources, headers, collector)

    warn("W102", "balance = 0", "balance")
    if "origination_date" in present:
        warn("W104", "origination_date > as_of", "origination_date")
        if "maturity_date" in present:
            warn("W105", "origination_date > maturity_date", "origination_date")
    if "days_past_due" not in present:
        return None
    floor = floor_sql(thresholds, "days_past_due")
    if "five_category" not in present:
        names = " ".join(f"WHEN {i} THEN '{g}'" for i, g in enumerate(GRADES))
        collector.add("W109", 1, Location())
        return f"(CASE {floor} {names} END)"
    grade = grade_code_sql("five_category")
    warn("W107", f"{grade} >= 0 AND {grade} < {floor}", "five_category")
    return None
