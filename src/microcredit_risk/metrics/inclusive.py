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

from ..profile import BankProfile
from .catalogue import definitions
from .prepare import NPL_CODE, Base
from .table import Skipped
from .tidy import distinct_count, div, rows


def inclusive_rows(base: Base, profile: BankProfile) -> tuple[list[pd.DataFrame], list[Skipped]]:
    ceiling = profile.thresholds["inclusive_ceiling"]
    size = base.balance
    if "amount" in base.frame.columns:
        amount = pd.to_numeric(base.frame["amount"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        size = np.where(np.isnan(amount), base.balance, amount)
    m = base.stock & (base.customer >= 0)
    key = base.date_code * np.int64(base.n_customers) + base.customer
    total = pd.Series(size[m]).groupby(key[m]).transform("sum").to_numpy()
    incl = np.zeros(len(size), dtype=bool)
    incl[np.flatnonzero(m)] = total <= ceiling
    notes: list[Skipped] = []
    if base.has("customer_type"):
        kinds = definitions()["inclusive_customer_types"]
        incl &= base.frame["customer_type"].astype("string").isin(kinds).fillna(False).to_numpy(dtype=bool)
    else:
        notes.append(Skipped("inclusive customer-type filter", "column customer_type",
                             "without customer_type every loan under the ceiling counts as inclusive (farmers included)"))
    n_dates = len(base.dates)
    bal = np.bincount(base.date_code[incl], weights=base.balance[incl], minlength=n_dates)
    npl_rows = incl & (base.grade >= NPL_CODE)
    npl = np.bincount(base.date_code[npl_rows], weights=base.balance[npl_rows], minlength=n_dates)
    customers = distinct_count(base.date_code, base.customer, base.n_customers, incl, n_dates)
    any_stock = np.bincount(base.date_code[base.stock], minlength=n_dates) > 0
    ratio = div(npl, bal)
    dates = np.asarray(base.dates, dtype="datetime64[ns]")
    out = [rows({"inclusive_balance": (bal[any_stock], "yuan"),
                 "inclusive_customers": (customers[any_stock], "count"),
                 "inclusive_npl_ratio": (ratio[any_stock], "ratio")}, dates[any_stock])]
    skipped: list[Skipped] = notes
    if base.has("interest_rate"):
        rate = pd.to_numeric(base.frame["interest_rate"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        rated = incl & ~np.isnan(rate)
        num = np.bincount(base.date_code[rated], weights=rate[rated] * base.balance[rated], minlength=n_dates)
        den = np.bincount(base.date_code[rated], weights=base.balance[rated], minlength=n_dates)
        out.append(rows({"inclusive_weighted_interest_rate": (div(num, den)[any_stock], "ratio")}, dates[any_stock]))
    else:
        skipped.append(Skipped("inclusive_weighted_interest_rate", "column interest_rate",
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
                               "the gap compares with the whole bank's NPL ratio for that year"))
    return out, skipped


def _total_loan_growth(base: Base, profile: BankProfile, skipped: list[Skipped]) -> list[pd.DataFrame]:
    """total_loan_growth at each annual snapshot whose year and the year before are in bank.total_loans."""
    given = profile.total_loans
    years = [d.year for d in base.annual]
    have = [k for k in range(1, len(years)) if years[k] in given and years[k - 1] in given]
    if not have:
        skipped.append(Skipped("total_loan_growth", "profile bank.total_loans for two consecutive years",
                               "the growth of the bank's total loans needs its total loans (bank profile)"))
        return []
    growth = div(np.array([given[years[k]] for k in have]), np.array([given[years[k - 1]] for k in have])) - 1
    when = np.asarray([base.annual[k] for k in have], dtype="datetime64[ns]")
    return [rows({"total_loan_growth": (growth, "ratio")}, when)]
