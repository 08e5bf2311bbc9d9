"""metrics.xlsx's sheets in report order, and the data chapter's thesis tables as sheets.

The thesis tables (G11 five-category balances and shares, overdue ageing, the book's descriptive
statistics, segment trends, G12 migration amounts, vintages with loan counts) mirror
report/sections_tables.py: same caption, same rows and columns, each cell a row of the tidy table.
Where the report is bound by the page, the workbook is not, and says so in docs/cli.md: every
year end (the report: the last six), every segment of a trend (the report pools the rest into
"other", a number the workbook leaves to the reader rather than computing it a second way).
Amounts carry their unit in the column label (万元 / CNY million), as on every other sheet.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..profile import Benchmark
from ..snapshots import annual_dates
from ..vocabulary import date_text, dimension_label, grade_label, in_sentence, segment_label
from .catalogue import definitions
from .workbook import Block, Cell, Layout, Num, Sheet, layout, words

G12 = ("migration_opening", "migration_reduction", "migration_downward", "migration_rate")
BOOK_STATS = ("loan_size_stat", "loan_term_stat", "loan_rate_stat")


def _unit(lay: Layout, metric: str, dimension: str | None = None) -> str:
    part = lay.rows(metric, dimension)
    return str(part["unit"].iloc[0]) if len(part) else ""


def _pairs(lay: Layout, dates: list[pd.Timestamp], left: str, right: str) -> list[str]:
    """Two columns per year end: "2023年12月31日余额（万元）", "2023年12月31日占比" (report headers.at_date)."""
    return [words("headers.at_date", lay.lang, date=date_text(d, lay.lang), what=w) for d in dates for w in (left, right)]


def _balance_header(lay: Layout) -> str:
    return words("units.with_unit", lay.lang, label=words("headers.balance", lay.lang), unit=lay.money_unit)


def g11(lay: Layout, dates: list[pd.Timestamp]) -> Sheet | None:
    """Five-category balances and shares by year end (G11): the grades, the total, NPL."""
    balances, shares = lay.take("category_balance"), lay.take("category_share")
    seen = set(balances["segment"]) | set(shares["segment"])
    grades = [g for g in layout("grades") if g in seen]
    if not grades or not dates:
        return None
    body: list[list[Cell]] = [[grade_label(g, lay.lang), *(c for d in dates for c in (
        lay.num(balances, d, g, "category_balance"), lay.num(shares, d, g, "category_share")))] for g in grades]
    bal, npl, ratio = lay.take("balance"), lay.take("npl_balance"), lay.take("npl_ratio")
    total: list[Cell] = [words("headers.total", lay.lang)]
    for d in dates:
        cell = lay.num(bal, d, metric="balance")
        # the report's 100 %: the grades' shares of a positive total (a fixed figure, not a row)
        total += [cell, Num(1.0 if (cell.value or 0) > 0 else None, "ratio")]
    body.append(total)
    body.append([lay.label("npl_balance"), *(c for d in dates for c in (
        lay.num(npl, d, metric="npl_balance"), lay.num(ratio, d, metric="npl_ratio")))])
    head = [words("headers.grade", lay.lang), *_pairs(lay, dates, _balance_header(lay), words("headers.share", lay.lang))]
    return Sheet(words("captions.categories", lay.lang), [Block(head, body)])


def ageing(lay: Layout, dates: list[pd.Timestamp]) -> Sheet | None:
    """Overdue balance and its share of the balance by days past due, by year end."""
    balances, shares = lay.take("overdue_bucket_balance"), lay.take("overdue_bucket_share")
    dates = [d for d in dates if (balances["as_of"] == d).any()]
    if balances.empty or not dates:
        return None
    buckets = [s for s in definitions()["overdue_bucket_labels"] if (balances["segment"] == s).any()]
    body: list[list[Cell]] = [[segment_label("overdue_bucket", s, lay.lang), *(c for d in dates for c in (
        lay.num(balances, d, s, "overdue_bucket_balance"), lay.num(shares, d, s, "overdue_bucket_share")))]
        for s in buckets]
    head = [words("headers.days_past_due", lay.lang),
            *_pairs(lay, dates, _balance_header(lay), words("headers.share", lay.lang))]
    return Sheet(words("captions.overdue_ageing", lay.lang), [Block(head, body)])


def book_stats(lay: Layout) -> Sheet | None:
    """Loan size, term and rate of the book at the latest year end: mean and quartiles."""
    present = [m for m in BOOK_STATS if not lay.rows(m).empty]
    if not present:
        return None
    when = max(lay.annual(m)[-1] for m in present)
    stats: list[str] = layout("book_stats")
    body: list[list[Cell]] = [[lay.label(m, _unit(lay, m)), *(lay.num(lay.take(m), when, s, m) for s in stats)]
                              for m in present]
    head = [words("headers.item", lay.lang), *(segment_label("statistic", s, lay.lang) for s in stats)]
    return Sheet(words("captions.book_stats", lay.lang, date=date_text(when, lay.lang)), [Block(head, body)])


def segment_trends(lay: Layout) -> list[Sheet]:
    """Per dimension of the report's ``trend_dimensions`` with two year ends or more: NPL ratio and
    balance share of every segment at every year end (largest balance at the latest first)."""
    out = []
    for dim in layout("trend_dimensions"):
        dates = lay.annual("balance_share", dim)
        if len(dates) < 2:        # one year end: the structure sheet shows it
            continue
        bal = lay.rows("balance", dim)
        at = bal[(bal["as_of"] == dates[-1]) & bal["segment"].notna()]
        order = at.sort_values(["value", "segment"], ascending=[False, True], kind="stable")["segment"].tolist()
        segments = [*order, *sorted(set(bal["segment"].dropna()) - set(order))]
        ratios, shares = lay.take("npl_ratio", dim), lay.take("balance_share", dim)
        body: list[list[Cell]] = [[segment_label(dim, s, lay.lang), *(c for d in dates for c in (
            lay.num(ratios, d, s, "npl_ratio"), lay.num(shares, d, s, "balance_share")))] for s in segments]
        head = [dimension_label(dim, lay.lang),
                *_pairs(lay, dates, lay.label("npl_ratio"), lay.label("balance_share"))]
        caption = words("captions.segment_trend", lay.lang, dimension=in_sentence(dimension_label(dim, lay.lang), lay.lang))
        out.append(Sheet(caption, [Block(head, body)]))
    return out


def g12(lay: Layout) -> Sheet | None:
    """Migration in amounts per grade and period end (G12): opening, reduction, downward, rate."""
    parts = {m: lay.take(m) for m in G12}
    dates = lay.annual("migration_opening")
    if parts["migration_opening"].empty or not dates:
        return None
    body: list[list[Cell]] = []
    for d in dates:
        at = parts["migration_opening"][parts["migration_opening"]["as_of"] == d]
        for g in layout("migration_grades"):
            if (at["segment"] == g).any():
                body.append([date_text(d, lay.lang), grade_label(g, lay.lang), *(lay.num(parts[m], d, g, m) for m in G12)])
    head = [words("headers.as_of", lay.lang), words("headers.from_grade_only", lay.lang),
            *(lay.label(m, _unit(lay, m)) for m in G12)]
    return Sheet(words("captions.migration_amounts", lay.lang), [Block(head, body, labels=2)])


def vintage(lay: Layout) -> Sheet | None:
    """Per origination year: loans at the latest year end, then the default rate at each year end."""
    rates = lay.take("vintage_default_rate", "vintage")
    if rates.empty:
        return None
    loans = lay.take("vintage_loans", "vintage")
    dates = lay.annual("vintage_default_rate", "vintage")
    cohorts = sorted({s for s in rates["segment"].tolist() if s is not None})
    head = [dimension_label("vintage", lay.lang),
            words("headers.at_date", lay.lang, date=date_text(dates[-1], lay.lang), what=words("headers.loans", lay.lang)),
            *lay.dates(dates)]
    body: list[list[Cell]] = [[segment_label("vintage", c, lay.lang), lay.num(loans, dates[-1], c, "vintage_loans"),
                               *(lay.num(rates, d, c, "vintage_default_rate") for d in dates)] for c in cohorts]
    return Sheet(words("captions.vintage", lay.lang), [Block(head, body)])


def build_sheets(frame: pd.DataFrame, lang: str, money_unit: str,
                 benchmarks: Mapping[str, Benchmark] | None = None) -> list[Sheet]:
    """The workbook's sheets in the order of the report's tables (sections 3–6), then the
    transition matrices the report does not show, then the appendix (every other row, once).
    ``benchmarks``: the profile's peer figures, rows beside the bank's own as in the report."""
    lay = Layout(frame, lang, money_unit, benchmarks)
    years = lay.annual("balance") or annual_dates(frame["as_of"].dropna().unique())
    out: list[Sheet | None] = [
        lay.years_table("asset_quality", layout("asset_quality_rows"), years, peers=True),
        g11(lay, years),
        ageing(lay, years),
        book_stats(lay),
        lay.years_table("provisions", layout("provision_rows"), years, peers=True),
        *lay.structure(),
        *segment_trends(lay),
        lay.years_table("inclusive", layout("inclusive_rows"),
                        lay.annual("inclusive_balance") or lay.annual("inclusive_npl_ratio")),
        lay.concentration(),
        lay.migration(),
        lay.transition(),
        g12(lay),
        vintage(lay),
    ]
    sheets = [s for s in out if s is not None]
    return [*sheets, *lay.other_matrices(), *lay.appendix()]
