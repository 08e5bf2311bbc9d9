"""Inclusive small/micro lending (普惠型小微企业贷款) per as_of.

A loan is inclusive at an as_of when its own customer_type is one of ``inclusive_customer_types``
(data/metrics.toml: small and micro enterprises, individual businesses, small-business owners; every
loan when the ledger has no customer_type) and the Σ amount (else balance) of its customer's loans
with balance > 0 is ≤ the ``inclusive_ceiling`` threshold. Farmers' loans are 普惠型涉农贷款, not
part of this figure. Stock figures for every snapshot; growth and the change in customers against
the previous annual snapshot; the gap to the whole bank's NPL ratio needs the profile's
total_npl_ratio for the year; total_loan_growth (the 两增 benchmark) needs its total_loans.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Backend
from ..engine.inclusive_sql import inclusive_sums
from ..profile import BankProfile
from .prepare import NPL_CODE, Base
from .stock import Aggregate
from .table import Skipped, lacks_column
from .tidy import div, rows


def inclusive_queries(base: Base, profile: BankProfile) -> list[str]:
    """The SQL :func:`inclusive_rows` runs (``Backend.prefetch`` starts it early)."""
    return [inclusive_sums(profile.thresholds["inclusive_ceiling"], NPL_CODE, base.has("customer_type"),
                           base.has("interest_rate"))]


def _sums(backend: Backend, sql: str, n_dates: int) -> dict[str, np.ndarray]:
    """The engine's per-snapshot inclusive sums as dense arrays (0 where a snapshot has no inclusive row)."""
    got = backend.query(sql)
    date = got["date"].to_numpy(dtype=np.int64)
    out = {}
    for name in got.columns.drop("date"):
        a = np.zeros(n_dates, dtype="float64")
        a[date] = got[name].to_numpy(dtype="float64")
        out[name] = a
    return out


def inclusive_rows(base: Base, backend: Backend, total: Aggregate, profile: BankProfile
                   ) -> tuple[list[pd.DataFrame], list[Skipped]]:
    notes: list[Skipped] = []
    by_type = base.has("customer_type")
    if not by_type:
        notes.append(Skipped("inclusive customer-type filter", "column customer_type",
                             "without customer_type every loan under the ceiling counts as inclusive (farmers included)",
                             "inclusive_unfiltered", {"column": "customer_type"}))
    n_dates = len(base.dates)
    sums = _sums(backend, inclusive_queries(base, profile)[0], n_dates)
    bal, npl, customers = sums["balance"], sums["npl_balance"], sums["customers"]
    any_stock = total.present
    ratio = div(npl, bal)
    dates = np.asarray(base.dates, dtype="datetime64[ns]")
    out = [rows({"inclusive_balance": (bal[any_stock], "yuan"),
                 "inclusive_customers": (customers[any_stock], "count"),
                 "inclusive_npl_ratio": (ratio[any_stock], "ratio")}, dates[any_stock])]
    skipped: list[Skipped] = notes
    if base.has("interest_rate"):
        num, den = sums["rate_balance"], sums["rated_balance"]
        out.append(rows({"inclusive_weighted_interest_rate": (div(num, den)[any_stock], "ratio")}, dates[any_stock]))
    else:
        skipped.append(lacks_column("inclusive_weighted_interest_rate", "interest_rate",
                                    "the ledger has no interest rates"))
    codes = base.annual_codes
    if len(codes) > 1:
        prev, cur = codes[:-1], codes[1:]
        seen = any_stock[prev] | any_stock[cur]
        prev, cur = prev[seen], cur[seen]
        out.append(rows({"inclusive_balance_growth": (div(bal[cur], bal[prev]) - 1, "ratio"),
                         "inclusive_customers_change": (customers[cur] - customers[prev], "count")},
                        dates[cur]))
    out += _total_loan_growth(base, profile, skipped)
    bank = np.array([np.nan if (r := profile.total_npl_ratio.get(d.year)) is None else r for d in base.dates])
    have = any_stock & ~np.isnan(bank)
    if have.any():
        out.append(rows({"inclusive_npl_gap": ((ratio - bank)[have], "ratio")}, dates[have]))
    lacking = sorted({base.dates[i].year for i in np.flatnonzero(any_stock & np.isnan(bank))})
    if lacking:
        skipped.append(Skipped("inclusive_npl_gap", f"profile bank.total_npl_ratio[{', '.join(map(str, lacking))}]",
                               "the gap compares with the whole bank's NPL ratio for that year",
                               "profile_years", {"fact": "total_npl_ratio", "years": lacking}))
    return out, skipped


def _total_loan_growth(base: Base, profile: BankProfile, skipped: list[Skipped]) -> list[pd.DataFrame]:
    """total_loan_growth at each annual snapshot whose year and the year before are in bank.total_loans."""
    given = profile.total_loans
    years = [d.year for d in base.annual]
    have = [k for k in range(1, len(years)) if years[k] in given and years[k - 1] in given]
    if not have:
        skipped.append(Skipped("total_loan_growth", "profile bank.total_loans for two consecutive years",
                               "the growth of the bank's total loans needs its total loans (bank profile)",
                               "profile_two_years", {"fact": "total_loans"}))
        return []
    growth = div(np.array([given[years[k]] for k in have]), np.array([given[years[k - 1]] for k in have])) - 1
    when = np.asarray([base.annual[k] for k in have], dtype="datetime64[ns]")
    return [rows({"total_loan_growth": (growth, "ratio")}, when)]
