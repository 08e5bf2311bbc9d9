"""Invariants of the metrics engine on random small ledgers (hypothesis)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcredit_risk.ledger.contract import GRADE_DTYPE
from microcredit_risk.metrics import compute_metrics
from microcredit_risk.metrics.export import ledger_info, metrics_json
from microcredit_risk.metrics.table import Metrics


@st.composite
def ledgers(draw: st.DrawFn) -> pd.DataFrame:
    """2–3 year-ends; each loan present at some of them, balances sometimes 0, a few customers."""
    n_loans = draw(st.integers(1, 12))
    years = draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    rows = []
    for y in range(years):
        present = rng.random(n_loans) < 0.8
        present[rng.integers(0, n_loans)] = True
        idx = np.flatnonzero(present)
        n = len(idx)
        bal = np.where(rng.random(n) < 0.1, 0.0, np.round(rng.uniform(1, 1000, n), 2))
        rows.append(pd.DataFrame({
            "as_of": pd.Timestamp(f"{2020 + y}-12-31"),
            "loan_id": [f"L{i}" for i in idx],
            "customer_id": [f"C{i % 4}" for i in idx],
            "industry": np.array(["A", "C", "F"])[idx % 3],
            "region": np.where(idx % 5 == 0, None, np.array(["x", "y"])[idx % 2]),
            "origination_date": pd.to_datetime([f"{2018 + i % 3}-03-01" for i in idx]),
            "maturity_date": pd.to_datetime([f"{2021 + i % 7}-03-01" for i in idx]),
            "amount": bal * 1.5 + 1,
            "balance": bal,
            "five_category": pd.Categorical.from_codes(rng.integers(0, 5, n), dtype=GRADE_DTYPE),
            "days_past_due": rng.choice([0.0, 10.0, 100.0, 300.0, 400.0], n),
            "provision": bal * 0.1,
            "write_off": np.where(bal == 0, 5.0, 0.0),
        }))
    frame = pd.concat(rows, ignore_index=True)
    for col in ("loan_id", "customer_id", "industry", "region"):
        frame[col] = frame[col].astype("str")
    return frame


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sums(m: Metrics, metric: str, by: list[str]) -> pd.Series:
    f = m.frame[m.frame["metric"] == metric]
    return f.groupby(by, dropna=False)["value"].sum()


@SETTINGS
@given(ledgers())
def test_shares_sum_to_one(frame: pd.DataFrame) -> None:
    m = compute_metrics(frame)
    assert np.allclose(_sums(m, "balance_share", ["as_of", "dimension"]), 1.0)
    assert np.allclose(_sums(m, "category_share", ["as_of"]), 1.0)
    npl = m.frame[(m.frame["metric"] == "npl_balance") & m.frame["dimension"].isna()].set_index("as_of")["value"]
    share = _sums(m, "npl_share", ["as_of", "dimension"])
    for (as_of, _dim), total in share.items():
        assert np.isclose(total, 1.0) if npl[as_of] > 0 else total == 0


@SETTINGS
@given(ledgers())
def test_transition_rows_sum_to_one(frame: pd.DataFrame) -> None:
    m = compute_metrics(frame)
    for metric in ("transition_share", "transition_count_share"):
        rows = _sums(m, metric, ["as_of", "dimension"])
        assert np.allclose(rows, 1.0)


@SETTINGS
@given(ledgers())
def test_hhi_and_gini_bounds(frame: pd.DataFrame) -> None:
    m = compute_metrics(frame)
    stock = frame[frame["balance"] > 0]
    for as_of, snap in stock.groupby("as_of"):
        n_cust = snap["customer_id"].nunique()
        hhi = m.get("hhi", as_of, "customer")
        assert hhi is not None and 1 / n_cust - 1e-12 <= hhi <= 1 + 1e-12
        n_ind = snap["industry"].nunique()
        hhi_i = m.get("hhi", as_of, "industry")
        assert hhi_i is not None and 1 / n_ind - 1e-12 <= hhi_i <= 1 + 1e-12
        gini = m.get("gini", as_of, "customer")
        assert gini is not None and -1e-12 <= gini < 1


def _same(a: Metrics, b: Metrics) -> None:
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=False, rtol=1e-9, atol=1e-9)
    assert a.skipped == b.skipped


@SETTINGS
@given(ledgers(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(frame: pd.DataFrame, seed: int) -> None:
    shuffled = frame.sample(frac=1.0, random_state=np.random.RandomState(seed % 2**32)).reset_index(drop=True)
    _same(compute_metrics(frame), compute_metrics(shuffled))


@SETTINGS
@given(ledgers())
def test_split_by_year_and_concatenated(frame: pd.DataFrame) -> None:
    parts = [g for _, g in frame.groupby(frame["as_of"].dt.year)]
    back = pd.concat(parts[::-1], ignore_index=True)
    _same(compute_metrics(frame), compute_metrics(back))



@SETTINGS
@given(ledgers())
def test_json_has_no_nan(frame: pd.DataFrame) -> None:
    frame = frame.copy()
    frame.loc[frame.index[0], "balance"] = 0.0  # zero denominators somewhere
    m = compute_metrics(frame)
    text = metrics_json(m, ledger_info(frame))

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in metrics.json")

    doc = json.loads(text, parse_constant=refuse)
    assert len(doc["metrics"]) == len(m.frame)
    assert all(r["value"] is None or np.isfinite(r["value"]) for r in doc["metrics"])
