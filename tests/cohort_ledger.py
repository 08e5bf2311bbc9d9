"""A hand-computed ledger for the migration and vintage aggregates (tests/test_engine_cohorts.py, and
tests/test_engine_spark.py on Spark): five-ish loans, three year-ends and a mid-year snapshot.

Annual snapshots 2021-12-31, 2022-12-31, 2023-12-31 (codes 0, 2, 3; 2022-06-30 is code 1, not annual).
Grades: 0 normal, 1 special_mention, 2 substandard, 3 doubtful, 4 loss, 5 exited.

* A 2020: normal 100 → normal 80 → special_mention 70 (a downgrade in period 2)
* B 2020: substandard 50 → normal 45 (a cure) → balance 0 (an exit)
* C 2021: special_mention 30 → doubtful 40 (into NPL, grown: no reduction) → doubtful 40
* D 2021: normal 20 → absent (an exit)
* E first seen 2022-06-30, origination 2022 on that row and 2021 later (its vintage stays 2022, the
  first row's): normal 60 → normal 50 → loss 50
* F 2022, first seen 2022-12-31: normal 25 → no grade at 2023 (not graded at t1: exited)
"""

from __future__ import annotations

import pandas as pd

from microcredit_risk.ledger.contract import GRADE_DTYPE

ROWS = [  # as_of, loan, grade, balance, origination
    ("2021-12-31", "A", "normal", 100.0, "2020-03-01"),
    ("2021-12-31", "B", "substandard", 50.0, "2020-07-01"),
    ("2021-12-31", "C", "special_mention", 30.0, "2021-02-01"),
    ("2021-12-31", "D", "normal", 20.0, "2021-08-01"),
    ("2022-06-30", "A", "normal", 90.0, "2020-03-01"),
    ("2022-06-30", "E", "normal", 60.0, "2022-05-01"),
    ("2022-12-31", "A", "normal", 80.0, "2020-03-01"),
    ("2022-12-31", "B", "normal", 45.0, "2020-07-01"),
    ("2022-12-31", "C", "doubtful", 40.0, "2021-02-01"),
    ("2022-12-31", "E", "normal", 50.0, "2021-05-01"),
    ("2022-12-31", "F", "normal", 25.0, "2022-09-01"),
    ("2023-12-31", "A", "special_mention", 70.0, "2020-03-01"),
    ("2023-12-31", "B", "normal", 0.0, "2020-07-01"),
    ("2023-12-31", "C", "doubtful", 40.0, "2021-02-01"),
    ("2023-12-31", "E", "loss", 50.0, "2021-05-01"),
    ("2023-12-31", "F", None, 25.0, "2022-09-01"),
]

# period (index of t1 in the annual series), grade t0, grade t1, loans, Σ b0, Σ b1, Σ reduction
MIGRATION_CELLS = [
    (1, 0, 0, 1, 100.0, 80.0, 20.0),   # A
    (1, 0, 5, 1, 20.0, 0.0, 20.0),     # D exits: all of b0 reduced
    (1, 1, 3, 1, 30.0, 40.0, 0.0),     # C grows 30 → 40
    (1, 2, 0, 1, 50.0, 45.0, 5.0),     # B cured
    (2, 0, 1, 1, 80.0, 70.0, 10.0),    # A
    (2, 0, 4, 1, 50.0, 50.0, 0.0),     # E
    (2, 0, 5, 2, 70.0, 0.0, 70.0),     # B (balance 0) 45 + F (no grade) 25
    (2, 3, 3, 1, 40.0, 40.0, 0.0),     # C
]
MIGRATION_COLUMNS = ["period", "grade_t0", "grade_t1", "loans", "opening", "closing", "reduction"]

# annual snapshot index, vintage code (labels 2020, 2021, 2022), loans seen by then, NPL by then
VINTAGE_COUNTS = [
    (0, 0, 2, 1), (0, 1, 2, 0), (0, 2, 0, 0),   # A, B (B substandard) | C, D | E not yet seen
    (1, 0, 2, 1), (1, 1, 2, 1), (1, 2, 2, 0),   # C doubtful | E (2022-06-30), F
    (2, 0, 2, 1), (2, 1, 2, 1), (2, 2, 2, 1),   # E loss
]
VINTAGE_COLUMNS = ["snapshot", "vintage", "loans", "npl_loans"]


def cohort_ledger() -> pd.DataFrame:
    f = pd.DataFrame(ROWS, columns=["as_of", "loan_id", "five_category", "balance", "origination_date"])
    return f.assign(as_of=pd.to_datetime(f["as_of"]), origination_date=pd.to_datetime(f["origination_date"]),
                    customer_id="C" + f["loan_id"], five_category=f["five_category"].astype(GRADE_DTYPE))


def expected(rows: list[tuple[float, ...]], columns: list[str]) -> pd.DataFrame:
    """The hand-computed table, counts and codes as int64, sums as float64."""
    f = pd.DataFrame(rows, columns=columns)
    return f.astype({c: "float64" if c in ("opening", "closing", "reduction") else "int64" for c in columns})
