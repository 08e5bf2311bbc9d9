"""A small ledger for the concentration and inclusive families, with every expected value worked out by hand.

2022-12-31: customers E 10 · C 20 · D 20 · A 40 (a1 10 + a2 30) · B 40 · F 60 (ties C = D, A = B) and
a loan m1 of 50 with no customer id; z1 of E has no balance (not stock). 2023-12-31: A 50 · B 50 · F 50
(a three-way tie), m1 25. Inclusive ceiling 100 (size = amount, else balance): A's two loans are each
under it but together (50 + 60) above in 2022, under in 2023 (a2 repaid); C's amount is exactly 100
(in); D is a farmer (out); F's amount 200 (out); E's zero-balance loan of amount 500 is not stock, so
its amount does not count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcredit_risk.profile import BankProfile

Y22, Y23 = "2022-12-31", "2023-12-31"
PROFILE = BankProfile(net_capital={2022: 1000.0, 2023: 1000.0}, overrides={"inclusive_ceiling": 100.0})
NAN = np.nan

# as_of, loan, customer, balance, grade, amount, customer_type, group, interest_rate
_ROWS = [
    (Y22, "a1", "A", 10.0, "normal", 50.0, "small_enterprise", "g1", NAN),
    (Y22, "a2", "A", 30.0, "normal", 60.0, "small_enterprise", "g1", 0.07),
    (Y22, "b1", "B", 40.0, "normal", NAN, "micro_enterprise", "g1", 0.05),
    (Y22, "c1", "C", 20.0, "substandard", 100.0, "individual_business", None, 0.10),
    (Y22, "d1", "D", 20.0, "normal", 30.0, "farmer", None, 0.03),
    (Y22, "e1", "E", 10.0, "normal", 20.0, "sme_owner", None, NAN),
    (Y22, "z1", "E", 0.0, "normal", 500.0, "sme_owner", None, 0.20),
    (Y22, "f1", "F", 60.0, "loss", 200.0, "small_enterprise", "g2", 0.04),
    (Y22, "m1", None, 50.0, "normal", 50.0, "small_enterprise", "g2", 0.05),
    (Y23, "a1", "A", 50.0, "normal", 50.0, "small_enterprise", "g1", 0.04),
    (Y23, "a2", "A", 0.0, "normal", 60.0, "small_enterprise", "g1", 0.07),
    (Y23, "b1", "B", 50.0, "doubtful", NAN, "micro_enterprise", "g1", 0.06),
    (Y23, "f1", "F", 50.0, "normal", 200.0, "small_enterprise", "g2", 0.04),
    (Y23, "m1", None, 25.0, "normal", 50.0, "small_enterprise", "g2", 0.05),
]


def customer_ledger() -> pd.DataFrame:
    cols = ["as_of", "loan_id", "customer_id", "balance", "five_category", "amount", "customer_type",
            "group_id", "interest_rate"]
    f = pd.DataFrame(_ROWS, columns=cols)
    return f.assign(as_of=pd.to_datetime(f["as_of"]))


# (metric, as_of, dimension, segment) → value. 2022: n = 6, Σx = 190, stock 240 (m1's 50 included);
# ascending 10, 20, 20, 40, 40, 60: Σ i·x = 10 + 40 + 60 + 160 + 200 + 360 = 830, Σx² = 7700.
# Lorenz at k/20: k·6 = 20·i + r → (cum[i] + r/20 · x[i+1]) / 190, cum = 0, 10, 30, 50, 90, 130, 190.
# 2023: n = 3, three times 50: Σx = 150, stock 175, Gini 0 and the Lorenz curve the diagonal.
EXPECTED: dict[tuple[str, str, str | None, str | None], float] = {
    ("top1_customer_share", Y22, None, None): 60 / 240,
    ("top10_customer_share", Y22, None, None): 190 / 240,
    ("hhi", Y22, "customer", None): 7700 / 190**2,
    ("gini", Y22, "customer", None): 2 * 830 / (6 * 190) - 7 / 6,
    ("customer_lorenz", Y22, "customer_quantile", "0.00"): 0.0,
    ("customer_lorenz", Y22, "customer_quantile", "0.05"): 0.3 * 10 / 190,            # k·n = 6: i 0, r 6
    ("customer_lorenz", Y22, "customer_quantile", "0.20"): (10 + 0.2 * 20) / 190,     # 24: i 1, r 4
    ("customer_lorenz", Y22, "customer_quantile", "0.25"): (10 + 0.5 * 20) / 190,     # 30: i 1, r 10
    ("customer_lorenz", Y22, "customer_quantile", "0.50"): 50 / 190,                  # 60: i 3, r 0
    ("customer_lorenz", Y22, "customer_quantile", "0.75"): (90 + 0.5 * 40) / 190,     # 90: i 4, r 10
    ("customer_lorenz", Y22, "customer_quantile", "0.95"): (130 + 0.7 * 60) / 190,    # 114: i 5, r 14
    ("customer_lorenz", Y22, "customer_quantile", "1.00"): 1.0,
    ("single_customer_concentration", Y22, None, None): 60 / 1000,
    ("top10_customer_concentration", Y22, None, None): 190 / 1000,
    ("single_group_concentration", Y22, None, None): 110 / 1000,     # g2: F 60 + m1 50 (no customer id)
    ("top1_customer_share", Y23, None, None): 50 / 175,
    ("top10_customer_share", Y23, None, None): 150 / 175,
    ("hhi", Y23, "customer", None): 1 / 3,
    ("gini", Y23, "customer", None): 0.0,
    ("customer_lorenz", Y23, "customer_quantile", "0.05"): 0.05,     # k·n = 3: 0.15 of 50 = 7.5 of 150
    ("customer_lorenz", Y23, "customer_quantile", "0.35"): 0.35,     # 21: 50 + 0.05 · 50 = 52.5
    ("customer_lorenz", Y23, "customer_quantile", "1.00"): 1.0,
    ("single_group_concentration", Y23, None, None): 100 / 1000,     # g1: A 50 + B 50 (a2 has no balance)
    # inclusive 2022: B 40 (no amount: its balance), C 20 (amount = ceiling, NPL), E 10; rated B and C
    ("inclusive_balance", Y22, None, None): 70.0,
    ("inclusive_customers", Y22, None, None): 3.0,
    ("inclusive_npl_ratio", Y22, None, None): 20 / 70,
    ("inclusive_weighted_interest_rate", Y22, None, None): (0.05 * 40 + 0.10 * 20) / 60,
    # inclusive 2023: A 50 (a2 repaid: 50 ≤ 100), B 50 (NPL)
    ("inclusive_balance", Y23, None, None): 100.0,
    ("inclusive_customers", Y23, None, None): 2.0,
    ("inclusive_npl_ratio", Y23, None, None): 50 / 100,
    ("inclusive_weighted_interest_rate", Y23, None, None): (0.04 * 50 + 0.06 * 50) / 100,
    ("inclusive_balance_growth", Y23, None, None): 100 / 70 - 1,
    ("inclusive_customers_change", Y23, None, None): 2 - 3,
}
