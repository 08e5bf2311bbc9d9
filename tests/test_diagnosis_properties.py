"""Invariants of the diagnosis on random ledgers (hypothesis): whatever the book, no recommendation
answers a contradicted cause, every supported cause carries evidence, every recommendation cites
only its own cause's evidence, and an untested cause is never the basis of a plain recommendation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcredit_risk.findings.engine import diagnose
from microcredit_risk.ledger.contract import GRADE_DTYPE, Ledger
from microcredit_risk.metrics import compute_metrics
from microcredit_risk.profile import BankProfile
from microcredit_risk.stats.compute import compute_statistics

GRADES_P = [0.80, 0.08, 0.05, 0.04, 0.03]


@st.composite
def books(draw: st.DrawFn) -> tuple[pd.DataFrame, BankProfile]:
    """3–4 year-ends of 40–160 loans with industries, guarantees, products, officers and renewals,
    grades drawn with random badness, some loans leaving and new ones arriving."""
    n = draw(st.integers(40, 160))
    years = draw(st.integers(3, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    bad = draw(st.floats(0.2, 3.0))
    p = np.array(GRADES_P) * np.array([1.0, bad, bad, bad, bad])
    p /= p.sum()
    rows = []
    for y in range(years):
        ids = np.arange(y * n // 4, y * n // 4 + n)
        k = len(ids)
        bal = np.round(rng.lognormal(12, 1, k), 2)
        dpd = rng.choice([0.0, 0.0, 0.0, 15.0, 120.0, 400.0], k)
        rows.append(pd.DataFrame({
            "as_of": pd.Timestamp(f"{2020 + y}-12-31"),
            "loan_id": [f"L{i}" for i in ids],
            "customer_id": [f"C{i % (k // 2)}" for i in ids],
            "industry": rng.choice(["A", "C", "F", "G"], k),
            "guarantee_type": rng.choice(["credit", "guarantee", "mortgage", "pledge"], k),
            "product": rng.choice(["P1", "P2", "P3"], k),
            "loan_officer": rng.choice(["o1", "o2", "o3", "o4", "o5"], k),
            "customer_type": rng.choice(["small_enterprise", "micro_enterprise", "individual_business"], k),
            "origination_date": pd.to_datetime([f"{2017 + int(i) % 6}-06-30" for i in ids]),
            "maturity_date": pd.to_datetime([f"{2024 + int(i) % 3}-06-30" for i in ids]),
            "amount": bal * 1.2,
            "balance": bal,
            "interest_rate": rng.uniform(0.04, 0.12, k),
            "five_category": pd.Categorical.from_codes(rng.choice(5, k, p=p), dtype=GRADE_DTYPE),
            "days_past_due": dpd,
            "provision": bal * rng.uniform(0.0, 0.1, k),
            "renewal_flag": rng.random(k) < 0.15,
        }))
    frame = pd.concat(rows, ignore_index=True)
    for col in ("loan_id", "customer_id", "industry", "guarantee_type", "product", "loan_officer", "customer_type"):
        frame[col] = frame[col].astype("str")
    kind = draw(st.sampled_from([None, "village_bank", "policy", "postal"]))
    scope = draw(st.sampled_from(["bank", "sub_branch"]))
    return frame, BankProfile(kind=kind, scope=scope)


@given(books())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_the_diagnosis_never_contradicts_itself(book: tuple[pd.DataFrame, BankProfile]) -> None:
    frame, profile = book
    ledger = Ledger(frame=frame)
    metrics = compute_metrics(ledger, profile)
    stats = compute_statistics(ledger, metrics, profile)
    found = diagnose(metrics.extend(stats.metrics), stats, profile, columns=set(frame.columns), rows=len(frame),
                     lang="en")
    status = {c.code: c.status for c in found.causes}
    evidence = {c.code: c.evidence for c in found.causes}
    fired = {f.code for f in found.items}
    for c in found.causes:
        if c.status == "supported":
            assert c.evidence and c.because and set(c.because) <= fired, c.code
        else:
            assert not c.because, c.code
    for r in found.recommendations:
        assert status[r.cause] != "contradicted", r.code
        assert r.conditional == (status[r.cause] == "untested"), r.code
        assert r.evidence == evidence[r.cause], r.code
    for f in found.items:
        assert set(f.causes) <= set(status), f.code
