"""A hand-built canonical ledger (8 loans, year-ends 2021–2023 plus a mid-year 2022 snapshot).

Balances are written in 万元 (W = 10,000 yuan) so the expected values in
tests/test_metrics_values.py can be worked out by hand.

| loan | customer | group | industry | guarantee | originated | matures | amount | rate |
|------|----------|-------|----------|-----------|------------|---------|--------|------|
| L1 | C1 | G1 | A | credit    | 2021-03-01 | 2022-03-01 (12 m, short)  | 100  | 6%   |
| L2 | C1 | G1 | C | mortgage  | 2020-06-15 | 2025-06-15 (60 m, medium) | 600  | 5%   |
| L3 | C2 | G1 | C | guarantee | 2021-01-10 | 2027-01-10 (72 m, long)   | 300  | 8%   |
| L4 | C3 | G2 | A | credit    | 2019-05-01 | 2022-05-01 (36 m, medium) | 200  | 10%  |
| L5 | C4 | –  | C | mortgage  | 2022-02-01 | 2023-02-01 (12 m, short)  | 1200 | 4.5% |
| L6 | C5 | –  | A | credit    | 2020-09-01 | 2023-09-01 (36 m, medium) | 50   | –    |
| L7 | C1 | G1 | A | pledge    | 2023-06-01 | 2024-06-01 (12 m, short)  | 500  | 7%   |
| L8 | C6 | –  | C | guarantee | 2021-07-01 | 2024-07-01 (36 m, medium) | 150  | 6%   |

| loan | product   | renewal_flag | risk_share_ratio |
|------|-----------|--------------|------------------|
| L1 | micro     | –     | –   |
| L2 | operating | true  | –   |
| L3 | operating | false | 0.5 |
| L4 | micro     | false | –   |
| L5 | operating | false | –   |
| L6 | micro     | true  | 0.3 |
| L7 | startup   | false | 0.4 |
| L8 | micro     | true  | 0   |

Story: L1 is repaid in 2022 (a zero-balance row remains); L4 is written off in 2022 (20 at
mid-year, 150 at year end); L6 sits at 95 days past due but is graded normal in 2021 (a floor
breach), then slides to doubtful and loss (10 written off in 2023); L3 is upgraded SM → normal;
L2 is downgraded normal → SM → substandard; L5 (a > 10 million loan) enters in 2022 and exits;
C1 holds two loans (three in 2023, when its amounts add to 1100 万 > the inclusive ceiling).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcredit_risk.ledger.contract import GRADE_DTYPE
from microcredit_risk.profile import BankProfile

W = 10_000.0
N, SM, SS, D, L = "normal", "special_mention", "substandard", "doubtful", "loss"

LOANS = {  # loan: customer, group, industry, guarantee, origination, maturity, amount (万), rate
    "L1": ("C1", "G1", "A", "credit", "2021-03-01", "2022-03-01", 100, 0.06),
    "L2": ("C1", "G1", "C", "mortgage", "2020-06-15", "2025-06-15", 600, 0.05),
    "L3": ("C2", "G1", "C", "guarantee", "2021-01-10", "2027-01-10", 300, 0.08),
    "L4": ("C3", "G2", "A", "credit", "2019-05-01", "2022-05-01", 200, 0.10),
    "L5": ("C4", None, "C", "mortgage", "2022-02-01", "2023-02-01", 1200, 0.045),
    "L6": ("C5", None, "A", "credit", "2020-09-01", "2023-09-01", 50, None),
    "L7": ("C1", "G1", "A", "pledge", "2023-06-01", "2024-06-01", 500, 0.07),
    "L8": ("C6", None, "C", "guarantee", "2021-07-01", "2024-07-01", 150, 0.06),
}

PROGRAMMES = {  # loan: product, renewal_flag, risk_share_ratio
    "L1": ("micro", None, None), "L2": ("operating", True, None), "L3": ("operating", False, 0.5),
    "L4": ("micro", False, None), "L5": ("operating", False, None), "L6": ("micro", True, 0.3),
    "L7": ("startup", False, 0.4), "L8": ("micro", True, 0.0),
}

SNAPSHOTS = {  # as_of: [(loan, balance 万, grade, days past due, provision 万, write_off 万)]
    "2021-12-31": [("L1", 100, N, 0, 1, 0), ("L2", 500, N, 0, 5, 0), ("L3", 300, SM, 30, 6, 0),
                   ("L4", 200, SS, 100, 50, 0), ("L6", 50, N, 95, 1, 0), ("L8", 150, N, 0, 2, 0)],
    "2022-06-30": [("L4", 170, SS, 200, 50, 20)],
    "2022-12-31": [("L1", 0, N, 0, 0, 0), ("L2", 400, SM, 10, 8, 0), ("L3", 300, N, 0, 3, 0),
                   ("L4", 0, L, 400, 0, 150), ("L5", 1200, N, 0, 12, 0), ("L6", 40, D, 300, 20, 0),
                   ("L8", 120, N, 0, 2, 0)],
    "2023-12-31": [("L2", 300, SS, 120, 60, 0), ("L3", 250, N, 0, 2, 0), ("L6", 30, L, 400, 30, 10),
                   ("L7", 80, N, 0, 1, 0), ("L8", 100, SM, 45, 3, 0)],
}


def ledger_frame() -> pd.DataFrame:
    records = []
    for as_of, rows in SNAPSHOTS.items():
        for loan, bal, grade, dpd, prov, wo in rows:
            cust, group, ind, guar, orig, mat, amount, rate = LOANS[loan]
            product, renewed, shared = PROGRAMMES[loan]
            records.append({
                "as_of": pd.Timestamp(as_of), "loan_id": loan, "customer_id": cust, "industry": ind,
                "guarantee_type": guar, "origination_date": pd.Timestamp(orig), "maturity_date": pd.Timestamp(mat),
                "amount": amount * W, "balance": bal * W, "interest_rate": np.nan if rate is None else rate,
                "five_category": grade, "days_past_due": float(dpd), "provision": prov * W,
                "write_off": wo * W, "group_id": group, "product": product, "renewal_flag": renewed,
                "risk_share_ratio": np.nan if shared is None else shared,
            })
    frame = pd.DataFrame.from_records(records)
    for col in ("loan_id", "customer_id", "industry", "guarantee_type", "group_id", "product"):
        frame[col] = frame[col].astype("str")
    frame["renewal_flag"] = frame["renewal_flag"].astype("boolean")
    frame["five_category"] = frame["five_category"].astype(GRADE_DTYPE)
    return frame


PROFILE = BankProfile(net_capital={2021: 5000 * W, 2022: 6000 * W},
                      total_npl_ratio={2021: 0.02, 2022: 0.03})
