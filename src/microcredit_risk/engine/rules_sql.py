"""Per-row domain rules as SQL expressions, one definition each, for every query that needs them.

* :func:`grade_code_sql` — the five-category grade as its code 0 normal … 4 loss, −1 missing.
* :func:`floor_sql` — the classification floor (2023 Measures for Risk Classification of Financial
  Assets): days past due at or beyond ``floor_days_<grade>`` (data/thresholds.toml, overridable by
  the bank profile) forces at least that grade; missing days past due sets no floor (0).
"""

from __future__ import annotations

from ..ledger.contract import GRADES


def grade_code_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{g}' THEN {i}" for i, g in enumerate(GRADES))
    return f"(CASE CAST({column} AS VARCHAR) {cases} ELSE -1 END)"


def floor_sql(thresholds: dict[str, float], column: str) -> str:
    """The floor grade code: the highest grade whose day limit the row's days past due reach."""
    cases = " ".join(f"WHEN {column} >= {float(thresholds[f'floor_days_{g}'])!r} THEN {code}"
                     for code, g in reversed(list(enumerate(GRADES))[1:]))
    return f"(CASE {cases} ELSE 0 END)"
