"""`simulate`: a synthetic five-year SME loan ledger (canonical table) and its bank profile."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..ledger.contract import GRADE_DTYPE
from .engine import Customers, Engine, Loans
from .kinds import kind_params, shares
from .names import firm_names, officer_names, person_names
from .snapshots import Rows, snapshot

DEFAULT_YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023)
FIRM_TYPES = ("small_enterprise", "micro_enterprise")
DATE_DTYPE = "datetime64[us]"  # what pandas 3 gives when it parses dates


@dataclass
class Sample:
    """A simulated ledger: the canonical ``frame``, the bank ``profile`` (LEDGER.md TOML as a dict),
    each row's detailed industry code (``C13``; the frame holds its section letter), the bank's
    export style and the title its ledger carries."""

    kind: str
    seed: int
    frame: pd.DataFrame
    profile: dict[str, Any]
    industry_code: pd.Series
    style: dict[str, str]
    title: str

    def profile_toml(self) -> str:
        """The profile as the TOML file a user would write (LEDGER.md, "Bank profile")."""
        return profile_toml(self.profile)


def _toml_value(v: Any) -> str:
    """A TOML value: JSON spells strings and numbers alike; a table (a source by language) is inline."""
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {json.dumps(x, ensure_ascii=False)}" for k, x in v.items()) + " }"
    return json.dumps(v, ensure_ascii=False)


def profile_toml(profile: dict[str, Any]) -> str:
    """A sample's bank profile as the TOML file a user would write (LEDGER.md, "Bank profile")."""
    bank = profile["bank"]
    lines = ["# Synthetic bank profile written by `mcr sample` (bank facts invented; each benchmark names its source).",
             "[bank]"]
    lines += [f"{k} = {json.dumps(bank[k], ensure_ascii=False)}" for k in ("name", "kind", "scope", "language")]
    lines += ["", "[bank.net_capital]  # 资本净额, yuan"]
    lines += [f"{y} = {v}" for y, v in bank["net_capital"].items()]
    lines += ["", "[bank.total_npl_ratio]  # whole-bank NPL ratio"]
    lines += [f"{y} = {v}" for y, v in bank["total_npl_ratio"].items()]
    for metric, peer in profile.get("benchmarks", {}).items():   # peer figures (docs/cli.md)
        lines += ["", f"[benchmarks.{metric}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in peer.items()]
    return "\n".join(lines) + "\n"


def bank_profile(p: dict[str, Any], eng: Engine, years: tuple[int, ...], net_capital: np.ndarray) -> dict[str, Any]:
    """The bank facts of a sample: net capital by year as simulated, the kind's whole-bank NPL ratios."""
    profile: dict[str, Any] = {"bank": {
        "name": p["name"], "kind": p["profile_kind"], "scope": p.get("scope", "bank"), "language": "zh",
        "net_capital": {y: int(round(v, -4)) for y, v in zip(years, net_capital, strict=True)},
        "total_npl_ratio": {y: float(v) for y, v in zip(years, eng.cal.per_year(p["total_npl_ratio"])[eng.cal.study],
                                                       strict=True)},
    }}
    if p.get("benchmarks"):
        profile["benchmarks"] = {m: dict(b) for m, b in p["benchmarks"].items()}
    return profile


def lives(kind: str, seed: int, loans: int | None, years: tuple[int, ...]
          ) -> tuple[dict[str, Any], Engine, np.random.Generator, Customers, Loans]:
    """The customers and every loan life of ``kind`` (shared by the annual and the monthly sample:
    the same arguments give the same loans); the generator is returned to draw what follows."""
    p = kind_params(kind)
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(kind.encode())]))
    eng = Engine(p, rng, years)
    target = int(loans if loans is not None else p["loans"])
    n_first = _first_loans_needed(eng, target)
    n_large = len(p["large_customers"])
    cust = eng.customers(max(10, int(n_first * 0.75)), n_large)
    if n_large and "small_enterprise" in eng.ctypes:
        cust.ctype[cust.large] = eng.ctypes.index("small_enterprise")
    return p, eng, rng, cust, eng.all_loans(cust, n_first)


def simulate(kind: str, seed: int = 0, loans: int | None = None,
             years: tuple[int, ...] = DEFAULT_YEARS) -> Sample:
    """Simulate ``kind``'s ledger: about ``loans`` loans on the book at each year-end (default: the
    kind's size), one row per loan per 31 December of ``years``. Same arguments, same sample."""
    years = tuple(sorted(years))
    p, eng, rng, cust, book = lives(kind, seed, loans, years)
    rows = snapshot(book, eng.cal, p, rng)
    seq = np.empty(book.orig.size, dtype=np.int64)  # loan numbers follow disbursement
    seq[np.lexsort((np.arange(book.orig.size), book.orig))] = np.arange(book.orig.size)
    order = np.lexsort((seq[rows.loan], rows.snap))  # by as_of, then loan id
    rows = Rows(*(getattr(rows, f)[order] for f in Rows.__dataclass_fields__))
    net_capital = _scale_large(p, cust, book, rows, len(years))
    frame, codes = _frame(eng, p, cust, book, rows, seq, rng)
    return Sample(kind, seed, frame, bank_profile(p, eng, years, net_capital), codes, dict(p["style"]), p["title"])


def _first_loans_needed(eng: Engine, target: int) -> int:
    """Loans to originate so that about ``target`` are on the book at an average year-end:
    on-book ≈ originations per year × mean term in years, and renewals add 1/(1 − renewal)."""
    terms, w = shares(eng.p["terms"])
    term_years = float(np.dot([int(t) for t in terms], w)) / 12.0
    volume = np.cumprod(1.0 + eng.cal.per_year(eng.p["growth"]))
    per_year = target * (1.0 - eng.p["renewal"]) / term_years
    return max(20, int(per_year * volume.sum() / volume[eng.cal.study].mean()))


def _scale_large(p: dict[str, Any], cust: Customers, book: Loans, rows: Rows, n_years: int) -> np.ndarray:
    """Size each large customer so its peak balance is its target share of net capital (or of the
    book); returns net capital by study year (capital_ratio × the book without large customers)."""
    who = book.customer[rows.loan]
    large = cust.large[who]
    book_y = np.bincount(rows.snap[~large], weights=rows.balance[~large], minlength=n_years)
    net_capital = p["capital_ratio"] * book_y
    basis = net_capital if p["large_basis"] == "net_capital" else book_y
    first_large = int(np.flatnonzero(cust.large)[0]) if cust.large.any() else 0
    for j, target in enumerate(p["large_customers"]):  # a handful of customers, not loans
        sel = who == first_large + j
        bal = np.bincount(rows.snap[sel], weights=rows.balance[sel], minlength=n_years)
        peak = float(np.max(bal / np.where(basis > 0, basis, np.inf)))
        if peak > 0:
            factor = target / peak
            rows.balance[sel] = np.round(rows.balance[sel] * factor, 2)
            rows.provision[sel] = np.round(rows.provision[sel] * factor, 2)
            rows.write_off[sel] = np.round(rows.write_off[sel] * factor, 2)
            mine = book.customer == first_large + j
            book.amount[mine] = np.round(book.amount[mine] * factor, -3)
    return net_capital


def _frame(eng: Engine, p: dict[str, Any], cust: Customers, book: Loans, rows: Rows, seq: np.ndarray,
           rng: np.random.Generator) -> tuple[pd.DataFrame, pd.Series]:
    li = rows.loan
    ci = book.customer[li]
    orig = book.orig.astype("datetime64[D]")
    loan_ids = (pd.Series(orig.astype("datetime64[Y]").astype(int) + 1970).astype(str).radd(p["id_prefix"])
                + pd.Series(seq).astype(str).str.zfill(7)).to_numpy(dtype=object)
    cust_ids = (p["id_prefix"] + "C" + pd.Series(np.arange(cust.risk.size)).astype(str).str.zfill(8)).to_numpy(dtype=object)
    codes = np.asarray(eng.industries, dtype=object)
    sections = np.array([c[0] for c in eng.industries], dtype=object)
    ctypes = np.asarray(eng.ctypes, dtype=object)
    firm = np.isin(ctypes[cust.ctype], FIRM_TYPES)
    names = person_names(rng, cust.risk.size)
    names[firm] = firm_names(rng, sections[cust.industry[firm]])
    officers = np.asarray(officer_names(rng, p["officers"]), dtype=object)
    branches = np.asarray(p["branches"], dtype=object)
    group = ("G" + pd.Series(cust.group).astype(str).str.zfill(5)).to_numpy(dtype=object)
    group[cust.group < 0] = None

    def text(values: np.ndarray) -> pd.Series:
        return pd.Series(values, dtype="str")

    def date(days: np.ndarray) -> pd.Series:
        return pd.Series(days.astype("datetime64[D]").astype(DATE_DTYPE))

    frame = pd.DataFrame({
        "as_of": date(eng.cal.snapshots[rows.snap]),
        "loan_id": text(loan_ids[li]),
        "customer_id": text(cust_ids[ci]),
        "customer_name": text(names[ci]),
        "customer_type": text(ctypes[cust.ctype[ci]]),
        "industry": text(sections[cust.industry[ci]]),
        "region": text(np.asarray(p["regions"], dtype=object)[cust.region[ci]]),
        "branch": text(branches[cust.officer[ci] % len(branches)]),
        "product": text(np.asarray([x["name"] for x in eng.products], dtype=object)[cust.product[ci]]),
        "guarantee_type": text(np.asarray(eng.guarantees, dtype=object)[book.guarantee[li]]),
        "loan_officer": text(officers[cust.officer[ci]]),
        "origination_date": date(book.orig[li]),
        "maturity_date": date(book.maturity[li]),
        "amount": np.maximum(book.amount[li], rows.balance + rows.write_off).astype("float64"),
        "balance": rows.balance.astype("float64"),
        "interest_rate": book.rate[li].astype("float64"),
        "five_category": pd.Categorical.from_codes(rows.grade, dtype=GRADE_DTYPE),
        "days_past_due": rows.dpd.astype("float64"),
        "provision": rows.provision.astype("float64"),
        "write_off": rows.write_off.astype("float64"),
        "renewal_flag": pd.array(book.renewed[li], dtype="boolean"),
        "risk_share_ratio": book.risk_share[li].astype("float64"),
        "group_id": text(group[ci]),
    })
    return frame, text(codes[cust.industry[ci]])
