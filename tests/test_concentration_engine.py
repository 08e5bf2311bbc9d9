"""The concentration and inclusive families on engine aggregates (engine/concentration_sql.py,
engine/inclusive_sql.py): hand-computed values through compute_metrics, the SQL on a hand-made row
table, and the Lorenz gather against a direct computation for every customer count up to 45."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from customer_ledger import EXPECTED, PROFILE, customer_ledger

from microcredit_risk.engine import DuckDBBackend
from microcredit_risk.engine.aggregates import ROWS
from microcredit_risk.engine.concentration_sql import customer_points, largest_group
from microcredit_risk.engine.inclusive_sql import inclusive_sums
from microcredit_risk.metrics import compute_metrics
from microcredit_risk.metrics.table import Metrics


def check_expected(m: Metrics) -> None:
    """Every hand-computed value of tests/customer_ledger.py, to 1e-12."""
    for (metric, when, dim, seg), want in EXPECTED.items():
        got = m.get(metric, when, dim, seg)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (metric, when, dim, seg, got, want)


def test_the_hand_computed_ledger() -> None:
    check_expected(compute_metrics(customer_ledger(), PROFILE))


def _rows() -> pd.DataFrame:
    # snapshot 0: customers 0: 5 + 1 = 6, 1: 2, 2: 6 (a tie with 0), 3: 1; a loan without customer, one
    # without balance; snapshot 1: only a customer-less loan; snapshot 2: one customer of 4
    return pd.DataFrame({
        "date": [0, 0, 0, 0, 0, 0, 0, 1, 2],
        "stock": [True, True, True, True, True, True, False, True, True],
        "balance": [5.0, 1.0, 2.0, 6.0, 1.0, 9.0, 0.0, 3.0, 4.0],
        "customer": [0, 0, 1, 2, 3, -1, 1, -1, 7],
        "grp": [0, 0, 1, 1, 1, 0, 1, -1, -1],
    })


@pytest.fixture
def duck() -> DuckDBBackend:
    b = DuckDBBackend()
    b.register(ROWS, _rows())
    return b


def test_customer_points_by_hand(duck: DuckDBBackend) -> None:
    # snapshot 0 ascending 1, 2, 6, 6: Σ 15, Σx² 77, Σ i·x = 1 + 4 + 18 + 24 = 47, top 2 = 12
    got = duck.query(customer_points(top_n=2, steps=4))
    assert got["date"].tolist() == [0] * 5 + [2] * 5 and got["k"].tolist() == [0, 1, 2, 3, 4] * 2
    d0 = got[got["date"] == 0]
    assert d0[["customers", "top1", "top_n", "sum_x", "sum_x2", "weighted"]].drop_duplicates().values.tolist() == \
        [[4.0, 6.0, 12.0, 15.0, 77.0, 47.0]]
    # k·n/steps = k customers wholly below: cum 0, 1, 3, 9, 15; next 1, 2, 6, 6, 0
    assert d0["below"].tolist() == [0.0, 1.0, 3.0, 9.0, 15.0]
    assert d0["next"].tolist() == [1.0, 2.0, 6.0, 6.0, 0.0]
    d2 = got[got["date"] == 2]    # one customer: k/4 of it below each share, i = 0 until k = 4
    assert d2["below"].tolist() == [0.0] * 4 + [4.0] and d2["next"].tolist() == [4.0] * 4 + [0.0]
    assert d2["top_n"].tolist() == [4.0] * 5 and d2["weighted"].tolist() == [4.0] * 5


def test_largest_group_by_hand(duck: DuckDBBackend) -> None:
    # snapshot 0: group 0 = 5 + 1 + 9 (the customer-less loan counts), group 1 = 2 + 6 + 1; 1 and 2: none
    got = duck.query(largest_group())
    assert got.values.tolist() == [[0, 15.0]]


def test_inclusive_sums_by_hand() -> None:
    rows = pd.DataFrame({
        "date": [0, 0, 0, 0, 0, 1],
        "stock": [True, True, True, False, True, True],
        "balance": [5.0, 4.0, 3.0, 0.0, 2.0, 7.0],
        "size": [6.0, 5.0, 10.0, 50.0, 1.0, 11.0],   # customer 0: 6 + 5 > 10; customer 1: 10 (= ceiling) + 0-balance 50
        "customer": [0, 0, 1, 1, -1, 2],
        "grade": [0, 0, 2, 0, 0, 0],
        "interest_rate": [0.1, 0.2, np.nan, 0.3, 0.1, 0.1],
        "inclusive_type": [True, True, True, True, True, False],
    })
    duck = DuckDBBackend()
    duck.register(ROWS, rows)
    got = duck.query(inclusive_sums(10.0, 2, by_type=False, interest_rate=True))
    assert got.values.tolist() == [[0, 3.0, 3.0, 1.0, 0.0, 0.0]]   # only customer 1 (NPL, unrated)
    got = duck.query(inclusive_sums(11.0, 2, by_type=False, interest_rate=False))
    assert got.values.tolist() == [[0, 12.0, 3.0, 2.0], [1, 7.0, 0.0, 1.0]]
    got = duck.query(inclusive_sums(11.0, 2, by_type=True, interest_rate=True))
    assert got.values.tolist() == [[0, 12.0, 3.0, 2.0, 5.0 * 0.1 + 4.0 * 0.2, 9.0]]


def _lorenz_direct(x: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """below and next at each share, straight from the definition."""
    asc = np.sort(x)
    n = len(asc)
    below, nxt = [], []
    for k in range(steps + 1):
        i = k * n // steps
        below.append(asc[:i].sum())
        nxt.append(asc[i] if i < n else 0.0)
    return np.array(below), np.array(nxt)


@pytest.mark.parametrize("steps", [20, 7])
def test_the_lorenz_gather_keeps_every_needed_customer(steps: int) -> None:
    """Snapshot n − 1 has n customers (n = 1 … 45): each share's neighbours are the direct ones."""
    rng = np.random.default_rng(3)
    sizes = np.arange(1, 46)
    date = np.repeat(sizes - 1, sizes)
    balance = rng.integers(1, 1000, len(date)).astype("float64")
    rows = pd.DataFrame({"date": date, "stock": True, "balance": balance, "customer": np.arange(len(date))})
    duck = DuckDBBackend()
    duck.register(ROWS, rows)
    got = duck.query(customer_points(top_n=10, steps=steps))
    assert len(got) == len(sizes) * (steps + 1)
    for d, part in got.groupby("date"):
        below, nxt = _lorenz_direct(balance[date == d], steps)
        assert part["k"].tolist() == list(range(steps + 1))
        np.testing.assert_array_equal(part["below"].to_numpy(), below)
        np.testing.assert_array_equal(part["next"].to_numpy(), nxt)
