"""The golden metrics.json cases: the shipped samples, the SBA tape, and small ledgers with odd cases.

``PYTHONPATH=src python tests/golden_metrics.py`` rewrites tests/golden/metrics/*.json.gz from the
current code (do it only when a metric's value is meant to change, and say so in the commit).
"""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "metrics"
SAMPLES = ("city_branch", "policy_bank", "postal_branch", "sme_bank", "village_bank")


def _minimal() -> pd.DataFrame:
    """Only the five required columns, one snapshot, zero and missing balances, a missing grade."""
    return pd.DataFrame({
        "as_of": ["2023-12-31"] * 6,
        "loan_id": ["a", "b", "c", "d", "e", "f"],
        "customer_id": ["x", "x", "y", "z", None, "w"],
        "balance": [100.0, 0.0, 250.5, np.nan, 40.0, 7.25],
        "five_category": ["normal", "substandard", "loss", "normal", None, "special_mention"],
    })


def _odd() -> pd.DataFrame:
    """Three snapshots over two years; NaN days past due, provisions and rates; an empty segment; write-offs."""
    n = 8
    frames = []
    for k, when in enumerate(("2022-06-30", "2022-12-31", "2023-12-31")):
        frames.append(pd.DataFrame({
            "as_of": [when] * n,
            "loan_id": [f"L{i}" for i in range(n)],
            "customer_id": [f"C{i % 5}" for i in range(n)],
            "balance": [0.0 if (i + k) % 4 == 0 else 1000.0 * (i + 1) + 0.1 * k for i in range(n)],
            "five_category": [["normal", "special_mention", "substandard", "doubtful", "loss"][(i + k) % 5]
                              for i in range(n)],
            "days_past_due": [np.nan if i == 3 else float((i * 47 + k * 31) % 400) for i in range(n)],
            "provision": [np.nan if i % 3 == 0 else 10.0 * i for i in range(n)],
            "interest_rate": [np.nan if i == 5 else 0.03 + 0.005 * i for i in range(n)],
            "write_off": [50.0 if (i == 2 and k == 2) else 0.0 for i in range(n)],
            "industry": [None if i == 7 else "AB"[i % 2] for i in range(n)],
            "amount": [2000.0 * (i + 1) for i in range(n)],
            "origination_date": ["2021-03-15"] * n,
            "maturity_date": ["2024-03-14" if i % 2 else "2022-09-15" for i in range(n)],
            "renewal_flag": [None if i == 0 else bool(i % 2) for i in range(n)],
            "guarantee_type": [["credit", "mortgage", "guarantee", None][i % 4] for i in range(n)],
        }))
    return pd.concat(frames, ignore_index=True)


FRAMES: dict[str, Callable[[], pd.DataFrame]] = {"minimal": _minimal, "odd": _odd}


def cases() -> list[str]:
    return [*SAMPLES, "sba_7a_2000", *FRAMES]


def metrics_json_of(case: str) -> str:
    """metrics.json text of one case, as ``mcr metrics -f json`` writes it (frames: compute_metrics only)."""
    from microcredit_risk.metrics import compute_metrics
    from microcredit_risk.metrics.export import ledger_info, metrics_json
    from microcredit_risk.pipeline import Session

    if case in FRAMES:
        frame = FRAMES[case]()
        return metrics_json(compute_metrics(frame), ledger_info(frame))
    with contextlib.chdir(ROOT):  # relative paths, so the ledger block does not name this checkout
        if case == "sba_7a_2000":
            sba = Path("tests/data/sba")
            return Session([sba / "sba_7a_2000.csv"], columns=sba / "sba_7a.toml", snapshots="annual").metrics_json()
        sample = Path("data/sample")
        return Session([sample / f"{case}.xlsx"], profile=sample / f"{case}.toml").metrics_json()


def golden_text(case: str) -> str:
    return gzip.decompress((GOLDEN / f"{case}.json.gz").read_bytes()).decode("utf-8")


if __name__ == "__main__":
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in cases():
        (GOLDEN / f"{name}.json.gz").write_bytes(gzip.compress(metrics_json_of(name).encode("utf-8"), 9, mtime=0))
        print(name)
