"""The loan-life engine: customers, loans and what happens to them, all as numpy arrays.

A loan is disbursed, amortises (or not) until maturity, and then is repaid — possibly by a new loan
to the same customer (renewal, 借新还旧 / 无还本续贷). A default (drawn from an annual hazard that
depends on the calendar year, product, industry, guarantee, officer, vintage and renewal) freezes the
balance; the loan is then cured within weeks, recovered, or written off a few years later. Year-end
snapshots of these lives are the ledger rows. Every step is vectorised over loans; the only Python
loops run over products, calendar years or renewal generations, never over loans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .kinds import by_year, shares

NEVER = np.int64(10**7)  # a day number far beyond any snapshot
LARGE_RISK = 0.0         # the large customers are sound: their story is concentration, not default


def day(y: int, m: int = 12, d: int = 31) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return int(np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "D").astype(np.int64))


@dataclass
class Calendar:
    """Calendar years from the oldest possible origination to the last study year."""

    years: np.ndarray      # calendar years
    starts: np.ndarray     # day of 1 Jan
    ends: np.ndarray       # day after 31 Dec
    study: np.ndarray      # bool: a study year
    snapshots: np.ndarray  # day of 31 Dec of each study year

    @classmethod
    def build(cls, years: tuple[int, ...], lead: int = 3) -> Calendar:
        cal = np.arange(years[0] - lead, years[-1] + 1)
        return cls(cal, np.array([day(int(y), 1, 1) for y in cal]), np.array([day(int(y) + 1, 1, 1) for y in cal]),
                   np.isin(cal, years), np.array([day(y) for y in years]))

    def per_year(self, values: Any) -> np.ndarray:
        """A 'by study year' parameter over the calendar (years before the study take the first)."""
        n = int(self.study.sum())
        return np.concatenate([np.repeat(by_year(values, 1), (~self.study).sum()), by_year(values, n)])


@dataclass
class Customers:
    product: np.ndarray    # product index
    ctype: np.ndarray      # index into customer-type keys
    industry: np.ndarray   # index into industry codes
    region: np.ndarray
    officer: np.ndarray
    group: np.ndarray      # group number, -1 = none
    large: np.ndarray      # bool
    risk: np.ndarray       # hazard multiplier


@dataclass
class Loans:
    customer: np.ndarray
    orig: np.ndarray
    term: np.ndarray       # days
    amount: np.ndarray
    amortising: np.ndarray
    renewed: np.ndarray
    guarantee: np.ndarray  # index into guarantee keys
    rate: np.ndarray
    risk_share: np.ndarray
    default: np.ndarray    # day of default, NEVER if none
    frozen: np.ndarray     # balance at default
    exit: np.ndarray       # day the loan leaves the book, NEVER if after the study
    written_off: np.ndarray  # bool: the exit is a write-off
    cured: np.ndarray

    @property
    def maturity(self) -> np.ndarray:
        return self.orig + self.term

    @staticmethod
    def concat(parts: list[Loans]) -> Loans:
        return Loans(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in Loans.__dataclass_fields__})


class Engine:
    """One kind's parameters bound to a random generator and a calendar."""

    def __init__(self, params: dict[str, Any], rng: np.random.Generator, years: tuple[int, ...]):
        self.p, self.rng, self.cal = params, rng, Calendar.build(years)
        self.products = params["products"]
        self.ctypes = list(params["customer_types"])
        codes = list(params["industries"])
        for prod in self.products:
            codes += [c for c in prod.get("industries", {}) if c not in codes]
        self.industries = codes
        self.guarantees = list(params["guarantees"])
        for prod in self.products:
            self.guarantees += [g for g in prod.get("guarantees", {}) if g not in self.guarantees]

    # -- customers ---------------------------------------------------------------------------------
    def customers(self, n: int, n_large: int) -> Customers:
        p, rng = self.p, self.rng
        total = n + n_large
        names, w = shares({str(i): x["share"] for i, x in enumerate(self.products)})
        product = rng.choice(len(names), size=total, p=w)
        ctype = np.zeros(total, dtype=np.int64)
        industry = np.zeros(total, dtype=np.int64)
        for i, prod in enumerate(self.products):
            sel = np.flatnonzero(product == i)
            keys, cw = shares(prod.get("customer_types") or {k: v["share"] for k, v in p["customer_types"].items()})
            ctype[sel] = np.array([self.ctypes.index(k) for k in keys])[rng.choice(len(keys), sel.size, p=cw)]
            keys, iw = shares(prod.get("industries") or p["industries"])
            industry[sel] = np.array([self.industries.index(k) for k in keys])[rng.choice(len(keys), sel.size, p=iw)]
        officer = rng.integers(0, p["officers"], total)
        weak = officer >= p["officers"] - p["weak_officers"]
        ind_risk = np.array([p["industry_risk"].get(c, 1.0) for c in self.industries])
        prod_risk = np.array([x["risk"] for x in self.products])
        frailty = rng.lognormal(0.0, 0.5, total) * np.exp(-0.125)  # mean 1: some customers are riskier
        risk = prod_risk[product] * ind_risk[industry] * np.where(weak, p["weak_factor"], 1.0) * frailty
        large = np.arange(total) >= n
        risk[large] = LARGE_RISK
        in_group = rng.random(total) < p["group_share"]
        group = np.where(in_group, rng.integers(0, max(1, int(total * p["group_share"] / 3)), total), -1)
        group[large] = -1
        region = rng.integers(0, len(p["regions"]), total)
        return Customers(product, ctype, industry, region, officer, group, large, risk)

    # -- loans -------------------------------------------------------------------------------------
    def first_loans(self, cust: Customers, n: int) -> Loans:
        """Loans disbursed by the bank's own decision (renewals follow in :meth:`renewals`)."""
        p, rng, cal = self.p, self.rng, self.cal
        growth = cal.per_year(p["growth"])
        volume = np.cumprod(1.0 + growth)
        who = rng.integers(0, int((~cust.large).sum()), n)
        year = rng.choice(len(cal.years), n, p=volume / volume.sum())
        for i, prod in enumerate(self.products):  # a product sells only from its launch year on
            launch = int(np.flatnonzero(cal.study)[0]) + int(prod.get("launch", -99))
            late = (cust.product[who] == i) & (year < launch)
            if launch > 0 and late.any():
                w = np.where(np.arange(len(cal.years)) >= launch, volume, 0.0)
                year[late] = rng.choice(len(cal.years), int(late.sum()), p=w / w.sum())
        orig = cal.starts[year] + rng.integers(0, 365, n)
        terms, tw = shares(p["terms"])
        term = np.round(np.array([int(t) for t in terms])[rng.choice(len(terms), n, p=tw)] * 30.44).astype(np.int64)
        # the large customers: one 1-year loan from the first calendar year, renewed every year
        large = np.flatnonzero(cust.large)
        who = np.concatenate([who, large])
        orig = np.concatenate([orig, cal.starts[0] + rng.integers(0, 365, large.size)])
        term = np.concatenate([term, np.full(large.size, 365)])
        medians = np.array([p["customer_types"][k]["amount_median"] for k in self.ctypes], dtype=float)
        amount = rng.lognormal(np.log(medians[cust.ctype[who]]), 0.6)
        amount = np.clip(np.round(amount, -3), 10_000, p["amount_max"])
        return self._terms(cust, who, orig, term, amount, np.zeros(who.size, dtype=bool))

    def _terms(self, cust: Customers, who: np.ndarray, orig: np.ndarray, term: np.ndarray,
               amount: np.ndarray, renewed: np.ndarray) -> Loans:
        """Guarantee, price and fate of loans whose customer, dates and amount are known."""
        p, rng, n = self.p, self.rng, who.size
        guarantee = np.zeros(n, dtype=np.int64)
        rate = np.zeros(n)
        risk_share = np.zeros(n)
        prod = cust.product[who]
        for i, x in enumerate(self.products):
            sel = np.flatnonzero(prod == i)
            keys, gw = shares(x.get("guarantees") or p["guarantees"])
            guarantee[sel] = np.array([self.guarantees.index(k) for k in keys])[rng.choice(len(keys), sel.size, p=gw)]
            lo, hi = x["rate"]
            rate[sel] = np.round(rng.uniform(lo, hi, sel.size), 4)
            if "risk_share" in x:
                lo, hi = x["risk_share"]
                risk_share[sel] = np.round(rng.uniform(lo, hi, sel.size), 2)
        amortising = rng.random(n) < p["amortising"]
        loans = Loans(who, orig, term, amount, amortising, renewed, guarantee, rate, risk_share,
                      *(np.zeros(n) for _ in range(5)))  # type: ignore[arg-type]
        self._fate(cust, loans)
        return loans

    def _fate(self, cust: Customers, loans: Loans) -> None:
        """Draw default, cure, recovery or write-off for each loan (annual hazard, piecewise by year)."""
        p, rng, cal = self.p, self.rng, self.cal
        n, who = loans.orig.size, loans.customer
        g_risk = np.array([p["guarantee_risk"].get(g, 1.0) for g in self.guarantees])
        vintage = cal.per_year(p["vintage_risk"])
        orig_year = np.clip(np.searchsorted(cal.ends, loans.orig, side="right"), 0, len(cal.years) - 1)
        m = (cust.risk[who] * g_risk[loans.guarantee] * vintage[orig_year]
             * np.where(loans.renewed, p["renewal_risk"], 1.0))
        by_product = np.array([cal.per_year(x.get("risk_by_year", [1.0])) for x in self.products])
        hazard = cal.per_year(p["hazard"])[None, :] * by_product[cust.product[who]] * m[:, None]
        mat = loans.maturity
        lo = np.maximum(loans.orig[:, None], cal.starts[None, :])
        span = np.clip(np.minimum(mat[:, None], cal.ends[None, :]) - lo, 0, None)
        hit = rng.random(hazard.shape, dtype=np.float32) < -np.expm1(-hazard * span / 365.0)
        defaulted = hit.any(axis=1)
        first = hit.argmax(axis=1)
        rows = np.arange(n)
        when = lo[rows, first] + (rng.random(n) * span[rows, first]).astype(np.int64)
        default = np.where(defaulted, when, NEVER)
        elapsed = np.clip((default - loans.orig) / loans.term, 0.0, 1.0)
        frozen = np.round(loans.amount * np.where(loans.amortising, 1.0 - 0.9 * elapsed, 1.0), 2)
        cured = defaulted & (rng.random(n) < p["cure"])
        wo = defaulted & ~cured & (rng.random(n) < p["writeoff_share"])
        lo_y, hi_y = p["resolve_years"]
        resolve = np.where(cured, rng.integers(20, 150, n), (rng.uniform(lo_y, hi_y, n) * 365).astype(np.int64))
        exit_ = np.where(defaulted, default + resolve, mat)
        loans.default, loans.frozen, loans.cured, loans.written_off = default, frozen, cured, wo
        loans.exit = exit_

    def renewals(self, cust: Customers, loans: Loans) -> Loans | None:
        """The next generation: performing loans maturing in the study replaced by a new loan."""
        rng, mat = self.rng, loans.maturity
        chance = np.where(cust.large[loans.customer], 1.0, self.p["renewal"])
        pick = np.flatnonzero((loans.default == NEVER) & (mat <= self.cal.snapshots[-1])
                              & (rng.random(loans.orig.size) < chance))
        if pick.size == 0:
            return None
        amount = np.round(loans.amount[pick] * rng.uniform(0.95, 1.15, pick.size), -3)
        orig = mat[pick] + rng.integers(0, 4, pick.size)
        return self._terms(cust, loans.customer[pick], orig, loans.term[pick], amount,
                           np.ones(pick.size, dtype=bool))

    def all_loans(self, cust: Customers, n_first: int) -> Loans:
        parts = [self.first_loans(cust, n_first)]
        for _ in range(60):  # generations, not loans; stops when no loan is renewed
            nxt = self.renewals(cust, parts[-1])
            if nxt is None:
                break
            parts.append(nxt)
        return Loans.concat(parts)
