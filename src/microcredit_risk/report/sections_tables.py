"""The thesis tables of a data chapter: G11 five-category and ageing, G12 migration amounts,
segment trends, the book's descriptive statistics and the vintage table with loan counts.

Every cell is a row of the tidy table; the one thing computed here is the pooled "other" row of a
segment trend (Σ balance share; NPL ratio = Σ NPL balance ÷ Σ balance of the pooled segments).
Tables with a column per year-end show the last ``layout.max_year_columns`` and say so.
"""

from __future__ import annotations

import pandas as pd

from .. import vocabulary as vocab
from ..metrics.catalogue import definitions
from ..vocabulary import in_sentence
from .blocks import Table
from .builder import Builder


def recent(b: Builder, dates: list[pd.Timestamp]) -> tuple[list[pd.Timestamp], str | None]:
    """The last ``layout.max_year_columns`` dates, and a note when older ones were left out."""
    most = int(b.texts.setting("layout.max_year_columns"))
    if len(dates) <= most:
        return dates, None
    return dates[-most:], b.texts.get("labels.last_years", shown=most, total=len(dates))


def _notes(b: Builder, *notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return ("" if b.lang == "zh" else " ").join(kept) if kept else None


def _pair_headers(b: Builder, first: str, dates: list[pd.Timestamp], left: str, right: str) -> list[str]:
    t, f = b.texts, b.fmt
    out = [first]
    for d in dates:
        out += [t.get("headers.at_date", date=f.date(d), what=left), t.get("headers.at_date", date=f.date(d), what=right)]
    return out


def _money_note(b: Builder) -> str:
    return b.texts.get("labels.money_note", unit=b.fmt.money_unit())


def g11_table(b: Builder, dates: list[pd.Timestamp]) -> Table | None:
    """Five-category balances and shares by year-end (G11): grades, total, NPL."""
    t, f = b.texts, b.fmt
    seen = set(b.rows("category_balance")["segment"]) | set(b.rows("category_share")["segment"])
    grades = [g for g in t.setting("layout.grades") if g in seen]
    if not grades or not dates:
        return None
    dates, note = recent(b, dates)
    body = [[b.cat.grade(g, b.lang)] + [c for d in dates for c in (
        f.money_cell(b.value("category_balance", d, None, g)), f.pct(b.value("category_share", d, None, g)))]
        for g in grades]
    body.append([t.get("headers.total")] + [c for d in dates for c in (
        f.money_cell(b.value("balance", d)), f.pct(1.0) if (b.value("balance", d) or 0) > 0 else f.missing)])
    body.append([b.label("npl_balance", with_unit=False)] + [c for d in dates for c in (
        f.money_cell(b.value("npl_balance", d)), f.pct(b.value("npl_ratio", d)))])
    headers = _pair_headers(b, t.get("headers.grade"), dates, t.get("headers.balance"), t.get("headers.share"))
    return b.table(t.get("captions.categories"), headers, body, [False] + [True] * (2 * len(dates)),
                   shows=[("category_share", None), ("category_balance", None)], note=_notes(b, _money_note(b), note))


def ageing_table(b: Builder, dates: list[pd.Timestamp]) -> Table | None:
    """Overdue balance and share of balance by days past due (1-30 … >360), by year-end."""
    t, f = b.texts, b.fmt
    rows = b.rows("overdue_bucket_balance")
    if rows.empty:
        return None
    dates = [d for d in dates if (rows["as_of"] == d).any()]
    if not dates:
        return None
    dates, note = recent(b, dates)
    buckets = [s for s in definitions()["overdue_bucket_labels"] if (rows["segment"] == s).any()]
    body = [[vocab.segment_label("overdue_bucket", s, b.lang)] + [c for d in dates for c in (
        f.money_cell(b.value("overdue_bucket_balance", d, None, s)), f.pct(b.value("overdue_bucket_share", d, None, s)))]
        for s in buckets]
    headers = _pair_headers(b, t.get("headers.days_past_due"), dates, t.get("headers.balance"), t.get("headers.share"))
    return b.table(t.get("captions.overdue_ageing"), headers, body, [False] + [True] * (2 * len(dates)),
                   shows=[("overdue_bucket_balance", None), ("overdue_bucket_share", None)],
                   note=_notes(b, _money_note(b), note))


G12 = ("migration_opening", "migration_reduction", "migration_downward", "migration_rate")


def g12_table(b: Builder) -> Table | None:
    """Migration in amounts per grade and period end (G12): opening, reduction, downward, rate."""
    t, f = b.texts, b.fmt
    rows = b.rows("migration_opening")
    dates = b.annual("migration_opening")
    if rows.empty or not dates:
        return None
    dates, note = recent(b, dates)
    body: list[list[str]] = []
    for d in dates:
        at = rows[rows["as_of"] == d]
        for g in t.setting("layout.migration_grades"):
            if (at["segment"] == g).any():
                body.append([f.date(d), b.cat.grade(g, b.lang)]
                            + [f.cell(b.value(m, d, None, g), b.unit(m), m) for m in G12])
    headers = [t.get("headers.as_of"), t.get("headers.from_grade_only")] + [b.label(m, with_unit=False) for m in G12]
    return b.table(t.get("captions.migration_amounts"), headers, body, [False, False] + [True] * len(G12),
                   shows=[(m, None) for m in G12], note=_notes(b, _money_note(b), t.get("labels.migration_rate_formula"), note))


def _trend_segments(b: Builder, dim: str, latest: pd.Timestamp) -> tuple[list[str], list[str]]:
    """Segments shown (largest balance at the latest date first) and those pooled into "other"."""
    rows = b.rows("balance", dim)
    at = rows[(rows["as_of"] == latest) & rows["segment"].notna()]
    order = at.sort_values(["value", "segment"], ascending=[False, True], kind="stable")["segment"].tolist()
    older = sorted(set(rows["segment"].dropna()) - set(order))
    segments = [*order, *older]
    limit = int(b.texts.setting("layout.trend_segments"))
    if len(segments) <= limit + 1:
        return segments, []
    return segments[:limit], segments[limit:]


def _pooled(b: Builder, dim: str, d: pd.Timestamp, segments: list[str]) -> tuple[float | None, float | None]:
    """NPL ratio and balance share of the pooled segments at ``d``."""
    frame = b.run.metrics.frame
    at = frame[(frame["dimension"] == dim) & (frame["as_of"] == d) & frame["segment"].isin(segments)]
    bal = at.loc[at["metric"] == "balance", "value"].sum()
    npl = at.loc[at["metric"] == "npl_balance", "value"].sum()
    share = at.loc[at["metric"] == "balance_share", "value"].sum()
    if bal <= 0:
        return None, None
    return float(npl / bal), float(share)


def segment_trend_tables(b: Builder) -> list[Table]:
    """Per dimension of ``layout.trend_dimensions``: NPL ratio and balance share at every year-end."""
    t, f = b.texts, b.fmt
    out: list[Table] = []
    for dim in t.setting("layout.trend_dimensions"):
        all_dates = b.annual("balance_share", dim)
        if len(all_dates) < 2:      # one year-end: the structure table already shows it
            continue
        dates, years_note = recent(b, all_dates)
        shown, pooled = _trend_segments(b, dim, dates[-1])
        body = [[b.segment_label(dim, s)] + [c for d in dates for c in (
            f.pct(b.value("npl_ratio", d, dim, s)), f.pct(b.value("balance_share", d, dim, s)))] for s in shown]
        note = None
        if pooled:
            cells = [_pooled(b, dim, d, pooled) for d in dates]
            body.append([vocab.segment_label(None, "other", b.lang)]
                        + [c for ratio, share in cells for c in (f.pct(ratio), f.pct(share))])
            note = t.get("labels.pooled_other", shown=len(shown), rest=len(pooled))
        headers = _pair_headers(b, b.cat.dimension(dim, b.lang), dates, b.label("npl_ratio"), b.label("balance_share"))
        caption = t.get("captions.segment_trend", dimension=in_sentence(b.cat.dimension(dim, b.lang), b.lang))
        out.append(b.table(caption, headers, body, [False] + [True] * (2 * len(dates)),
                           shows=[("npl_ratio", dim), ("balance_share", dim)], note=_notes(b, note, years_note)))
    return out


BOOK_STATS = ("loan_size_stat", "loan_term_stat", "loan_rate_stat")


def book_stats_table(b: Builder) -> Table | None:
    """Loan size, term and rate of the book at the latest year-end: mean, quartiles."""
    t, f = b.texts, b.fmt
    present = [m for m in BOOK_STATS if b.has(m)]
    if not present:
        return None
    when = max(b.annual(m)[-1] for m in present)
    stats: list[str] = t.setting("layout.book_stats")
    body = []
    for m in present:
        unit = b.unit(m)
        body.append([b.label(m)] + [f.cell(b.value(m, when, None, s), unit, m) for s in stats])
    headers = [t.get("headers.item")] + [vocab.segment_label("statistic", s, b.lang) for s in stats]
    return b.table(t.get("captions.book_stats", date=f.date(when)), headers, body, [False] + [True] * len(stats),
                   shows=[(m, None) for m in present])


def vintage_table(b: Builder) -> Table | None:
    """Per origination year: loans seen so far and the share that has been NPL, by year-end."""
    t, f = b.texts, b.fmt
    vint = b.rows("vintage_default_rate", "vintage")
    if vint.empty:
        return None
    vdates, note = recent(b, b.annual("vintage_default_rate", "vintage"))
    latest = vdates[-1]
    cohorts = sorted({s for s in vint["segment"].tolist() if s is not None})
    body = [[b.segment_label("vintage", c), f.count(b.value("vintage_loans", latest, "vintage", c))]
            + [f.pct(b.value("vintage_default_rate", d, "vintage", c)) for d in vdates] for c in cohorts]
    headers = ([b.cat.dimension("vintage", b.lang), t.get("headers.at_date", date=f.date(latest), what=t.get("headers.loans"))]
               + [f.date(d) for d in vdates])
    return b.table(t.get("captions.vintage"), headers, body, [False] + [True] * (len(vdates) + 1),
                   shows=[("vintage_default_rate", "vintage"), ("vintage_loans", "vintage")], note=note)
