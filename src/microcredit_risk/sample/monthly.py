"""`mcr sample --monthly`: the annual sample's loan lives reported at every month-end, written as
Hive-style Parquet partitions (``OUT/as_of=YYYY-MM-DD/part-0.parquet``), one month at a time.

Why: a risk department keeps 2M loans × 60 month-ends in Parquet; benchmarks of the reader (and of
a later aggregate engine) need such a ledger that anyone can rebuild. The loan lives are the
engine's, with the same seed the same loans as the annual sample (:func:`.simulate.lives`); each
month-end is then reported (days past due, grade, provision: :func:`.snapshots.report`) from its
own random stream, so a month does not depend on how many were written before it. Memory holds
the customers and loan lives (about 110 bytes per loan ever disbursed, ≈ 6 per loan on the book;
the engine peaks at 2.3 GB drawing them for 1M loans) and one month's rows, never the ledger: no
Python list of rows, every column a numpy array taken into Arrow.

Files carry no ``as_of`` column (the partition folder is the date, as Spark writes them) and the
canonical columns otherwise (English names, canonical values, yuan). Same arguments and the same
pyarrow give byte-identical files.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..ledger.contract import CANONICAL_NAMES, GRADES
from ..output import atomic_files, write_file, write_parquet
from .engine import Customers, Engine, Loans
from .names import firm_names, officer_names, person_names
from .simulate import DEFAULT_YEARS, FIRM_TYPES, bank_profile, lives, profile_toml
from .snapshots import book_balance, report

COLUMNS = tuple(c for c in CANONICAL_NAMES if c != "as_of")
_TEXT = ("loan_id", "customer_id", "customer_name", "customer_type", "industry", "region", "branch", "product",
         "guarantee_type", "loan_officer", "five_category", "group_id")
_TYPES: dict[str, pa.DataType] = {**{c: pa.string() for c in _TEXT}, "origination_date": pa.date32(),
                                  "maturity_date": pa.date32(), "days_past_due": pa.int32(),
                                  "renewal_flag": pa.bool_()}
SCHEMA = pa.schema([(c, _TYPES.get(c, pa.float64())) for c in COLUMNS])
_BEFORE_ALL = np.int64(-(10**7))


@dataclass
class MonthlyPlan:
    """Everything a month's table is taken from: the loan lives in loan-number order, the per-customer
    texts as Arrow arrays, the month-ends, and the bank profile."""

    kind: str
    seed: int
    p: dict[str, Any]
    eng: Engine
    cust: Customers
    book: Loans            # loan i is loan number i (numbers follow disbursement, as in the annual sample)
    loan_ids: pa.Array
    customer_ids: pa.Array
    names: pa.Array
    groups: pa.Array
    officers: pa.Array
    months: np.ndarray     # day numbers of the month-ends, in order
    profile: dict[str, Any]

    def on_book(self, m: int) -> np.ndarray:
        """Loan numbers of month ``m``'s rows: loans on the book at its end, plus loans written off since
        the last month-end (balance 0, the write-off amount), as the annual sample shows them per year."""
        b, s = self.book, self.months[m]
        prev = self.months[m - 1] if m else _BEFORE_ALL
        return np.flatnonzero(((b.orig <= s) & (s < b.exit)) | (b.written_off & (b.exit <= s) & (b.exit > prev)))

    def table(self, m: int, li: np.ndarray | None = None) -> pa.Table:
        """Month ``m``'s rows (``li``: :meth:`on_book`, if already known), in loan-number order."""
        b, c, p, s = self.book, self.cust, self.p, self.months[m]
        li = self.on_book(m) if li is None else li
        n = li.size
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, zlib.crc32(self.kind.encode())],
                                                           spawn_key=(1, m)))
        lag = self.eng.cal.per_year(p["grade_lag"])[self.eng.cal.study][m // 12]
        rows = report(b, li, np.zeros(n, dtype=np.int64), np.full(n, s), np.full(n, lag), p, rng)
        ci = b.customer[li]

        def words(values: list[str], idx: np.ndarray) -> pa.Array:
            return pa.array(values, pa.string()).take(pa.array(idx))

        columns: dict[str, Any] = {
            "loan_id": self.loan_ids.take(pa.array(li)),
            "customer_id": self.customer_ids.take(pa.array(ci)),
            "customer_name": self.names.take(pa.array(ci)),
            "customer_type": words(self.eng.ctypes, c.ctype[ci]),
            "industry": words([code[0] for code in self.eng.industries], c.industry[ci]),
            "region": words(list(p["regions"]), c.region[ci]),
            "branch": words(list(p["branches"]), c.officer[ci] % len(p["branches"])),
            "product": words([x["name"] for x in self.eng.products], c.product[ci]),
            "guarantee_type": words(self.eng.guarantees, b.guarantee[li]),
            "loan_officer": self.officers.take(pa.array(c.officer[ci])),
            "origination_date": b.orig[li].astype(np.int32),
            "maturity_date": b.maturity[li].astype(np.int32),
            "amount": np.maximum(b.amount[li], rows.balance + rows.write_off).astype(np.float64),
            "balance": rows.balance.astype(np.float64),
            "interest_rate": b.rate[li].astype(np.float64),
            "five_category": words(list(GRADES), rows.grade),
            "days_past_due": rows.dpd.astype(np.int32),
            "provision": rows.provision.astype(np.float64),
            "write_off": rows.write_off.astype(np.float64),
            "renewal_flag": b.renewed[li],
            "risk_share_ratio": b.risk_share[li].astype(np.float64),
            "group_id": self.groups.take(pa.array(ci)),
        }
        return pa.Table.from_arrays([pa.array(columns[f.name], f.type) if not isinstance(columns[f.name], pa.Array)
                                     else columns[f.name] for f in SCHEMA], schema=SCHEMA)

    def partition(self, m: int) -> str:
        return f"as_of={np.datetime64(int(self.months[m]), 'D')}"


def month_ends(years: tuple[int, ...]) -> np.ndarray:
    """Day numbers of every month-end from January of the first year to December of the last."""
    months = np.arange(np.datetime64(f"{years[0]}-01"), np.datetime64(f"{years[-1] + 1}-01"), dtype="datetime64[M]")
    return ((months + 1).astype("datetime64[D]") - 1).astype(np.int64)


def plan_monthly(kind: str, seed: int = 0, loans: int | None = None,
                 years: tuple[int, ...] = DEFAULT_YEARS) -> MonthlyPlan:
    """The loan lives and texts of ``kind``'s monthly sample (about ``loans`` on the book)."""
    years = tuple(sorted(years))
    p, eng, rng, cust, book = lives(kind, seed, loans, years)
    order = np.lexsort((np.arange(book.orig.size), book.orig))  # loan numbers follow disbursement
    book = Loans(**{f: getattr(book, f)[order] for f in Loans.__dataclass_fields__})
    net_capital = _scale_large(p, cust, book, eng.cal.snapshots)
    ctypes = np.asarray(eng.ctypes, dtype=object)
    firm = np.isin(ctypes[cust.ctype], FIRM_TYPES)
    names = person_names(rng, cust.risk.size)
    names[firm] = firm_names(rng, np.array([c[0] for c in eng.industries], dtype=object)[cust.industry[firm]])
    year = book.orig.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    loan_ids = _join(p["id_prefix"], _text(year), _padded(np.arange(book.orig.size), 7))
    customer_ids = _join(p["id_prefix"] + "C", _padded(np.arange(cust.risk.size), 8))
    groups = pc.if_else(pa.array(cust.group < 0), pa.scalar(None, pa.string()), _join("G", _padded(cust.group, 5)))
    return MonthlyPlan(kind, seed, p, eng, cust, book, loan_ids, customer_ids, pa.array(names, pa.string()), groups,
                       pa.array(officer_names(rng, p["officers"]), pa.string()), month_ends(years),
                       bank_profile(p, eng, years, net_capital))


def _text(numbers: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(numbers), pa.string())


def _padded(numbers: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(_text(numbers), width=width, padding="0")


def _join(*parts: str | pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _scale_large(p: dict[str, Any], cust: Customers, book: Loans, year_ends: np.ndarray) -> np.ndarray:
    """Size each large customer so its peak year-end balance is its target share (as the annual sample
    does, on the loans instead of the rows); returns net capital by year."""
    n_large = len(p["large_customers"])
    first_large = int(np.flatnonzero(cust.large)[0]) if cust.large.any() else 0
    book_y = np.zeros(year_ends.size)
    large_y = np.zeros((n_large, year_ends.size))
    for y, s in enumerate(year_ends):  # five passes over the loans, not over rows
        li = np.flatnonzero((book.orig <= s) & (s < book.exit))
        balance, _, _ = book_balance(book, li, np.full(li.size, s))
        large = cust.large[book.customer[li]]
        book_y[y] = balance[~large].sum()
        if n_large:
            large_y[:, y] = np.bincount(book.customer[li][large] - first_large, weights=balance[large],
                                        minlength=n_large)[:n_large]
    net_capital = p["capital_ratio"] * book_y
    basis = net_capital if p["large_basis"] == "net_capital" else book_y
    for j, target in enumerate(p["large_customers"]):  # a handful of customers, not loans
        peak = float(np.max(large_y[j] / np.where(basis > 0, basis, np.inf)))
        if peak > 0:
            mine = book.customer == first_large + j
            book.amount[mine] = np.round(book.amount[mine] * target / peak, -3)
            book.frozen[mine] = np.round(book.frozen[mine] * target / peak, 2)
    return net_capital


@dataclass(frozen=True)
class Written:
    """What :func:`write_monthly` wrote."""

    folder: Path
    profile: Path
    partitions: int
    rows: int
    loans: int


def write_monthly(plan: MonthlyPlan, out: str | Path, progress: Callable[[str], None] | None = None) -> Written:
    """Write every month as ``OUT/as_of=…/part-0.parquet`` and the profile as ``OUT/KIND.toml``; the
    files appear together when all are written (:func:`~microcredit_risk.output.atomic_files`)."""
    out = Path(out)
    seen = np.zeros(plan.book.orig.size, dtype=bool)
    rows = 0
    with atomic_files(out) as tmp:
        for m in range(plan.months.size):
            li = plan.on_book(m)
            table = plan.table(m, li)
            write_parquet(tmp / plan.partition(m) / "part-0.parquet", table)
            rows += table.num_rows
            seen[li] = True
            if progress:
                progress(plan.partition(m))
        write_file(tmp / f"{plan.kind}.toml", profile_toml(plan.profile))
    return Written(out, out / f"{plan.kind}.toml", int(plan.months.size), rows, int(seen.sum()))
