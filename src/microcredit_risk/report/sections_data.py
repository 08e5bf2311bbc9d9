"""Sections 2–6: the data, asset quality, credit structure, concentration, migration and vintages."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from ..ledger.contract import DIMENSIONS
from ..vocabulary import bank_kind_label, in_sentence
from .blocks import Heading, Paragraph, Section, Table
from .builder import Builder
from .sections_tables import (
    ageing_table,
    book_stats_table,
    g11_table,
    g12_table,
    segment_trend_tables,
    vintage_table,
)


def data_section(b: Builder) -> Section:
    sec = b.section("data")
    run, t, f = b.run, b.texts, b.fmt
    if run.bank.name or run.bank.kind:
        kind = bank_kind_label(run.bank.kind, b.lang) if run.bank.kind else f.missing
        sec.blocks.append(Paragraph(t.get("sentences.bank", name=run.bank.name or t.get("unnamed_bank"), kind=kind)))
    snaps = run.ledger.snapshots
    latest = b.latest()
    period = f.period(snaps[0], snaps[-1]) if snaps else f.missing
    sec.blocks.append(Paragraph(t.get(
        "sentences.data_overview", files=f.count(len(run.ledger.files)), sources=f.count(len(run.ledger.sources)),
        rows=f.count(run.ledger.rows), snapshots=f.count(len(snaps)), period=period,
        loans=f.count(b.value("loans", latest)) if latest is not None else f.missing,
        customers=f.count(b.value("customers", latest)) if latest is not None else f.missing)))
    if run.ledger.sources:
        h = t.get
        rows = [[str(s.get("file", "")), str(s.get("sheet") or f.missing), f.count(s.get("header_row")),
                 f.count(s.get("rows")), t.opt(f"as_of_from.{s.get('as_of_from')}", str(s.get("as_of_from", "")))]
                for s in run.ledger.sources]
        sec.blocks.append(b.table(t.get("captions.sources"),
                                  [h("headers.file"), h("headers.sheet"), h("headers.header_row"), h("headers.rows"),
                                   h("headers.as_of_from")], rows, [False, False, True, True, False]))
    if run.ledger.matches:
        # One row per (header, canonical, how): a header matched the same way in every sheet is listed once.
        counts = Counter((str(m.get("header", "")), m.get("canonical") or "", str(m.get("how", "")))
                         for m in run.ledger.matches)
        order = {c: i for i, c in enumerate(DIMENSIONS)}
        keys = sorted(counts, key=lambda k: (k[1] == "", order.get(k[1], -1), k[1], k[0]))
        rows = [[hdr, canon or f.missing, t.opt(f"how.{how}", how), f.count(counts[(hdr, canon, how)])]
                for hdr, canon, how in keys]
        sec.blocks.append(b.table(t.get("captions.matches"),
                                  [t.get("headers.header"), t.get("headers.canonical"), t.get("headers.how"),
                                   t.get("headers.sources")], rows, [False, False, False, True]))
    return sec


def quality_section(b: Builder) -> Section:
    sec = b.section("quality")
    t = b.texts
    dates = b.annual("balance") or b.annual()
    table = b.years_table(t.get("captions.asset_quality"), t.setting("layout.asset_quality_rows"), dates, peers=True)
    if table:
        sec.blocks.append(table)
    for extra in (g11_table(b, dates), ageing_table(b, dates), book_stats_table(b)):
        if extra:
            sec.blocks.append(extra)
    prov = b.years_table(t.get("captions.provisions"), t.setting("layout.provision_rows"), dates, peers=True)
    if prov:
        sec.blocks.append(prov)
    sec.blocks.extend(b.figures_for("quality"))
    return sec


def _dimensions(b: Builder) -> list[str]:
    frame = b.run.metrics.frame
    present = set(frame.loc[frame["metric"] == "balance_share", "dimension"].dropna().unique())
    ordered = [d for d in DIMENSIONS if d in present]
    return ordered + sorted(present - set(ordered))


def structure_section(b: Builder) -> Section:
    sec = b.section("structure")
    t, f = b.texts, b.fmt
    limit = int(t.setting("layout.max_segment_rows"))
    cols: list[str] = t.setting("layout.structure_columns")
    for dim in _dimensions(b):
        dates = b.annual("balance_share", dim)
        if not dates:
            continue
        when = dates[-1]
        rows = b.rows("balance_share", dim)
        rows = rows[rows["as_of"] == when].sort_values(["value", "segment"], ascending=[False, True], kind="stable")
        segments = [s for s in rows["segment"].tolist() if s is not None]
        shown = segments[:limit]
        body = [[b.segment_label(dim, s)] + [f.cell(b.value(m, when, dim, s), b.unit(m), m) for m in cols]
                for s in shown]
        headers = [b.cat.dimension(dim, b.lang)] + [b.label(m) for m in cols]
        note = t.get("labels.more_rows", shown=len(shown), total=len(segments)) if len(segments) > limit else None
        sec.blocks.append(b.table(t.get("captions.structure", dimension=in_sentence(b.cat.dimension(dim, b.lang), b.lang), date=f.date(when)),
                                  headers, body, [False] + [True] * len(cols),
                                  shows=[(m, dim) for m in [*cols, "npl_share"]], note=note))
    sec.blocks.extend(segment_trend_tables(b))
    dates = b.annual("inclusive_balance") or b.annual("inclusive_npl_ratio")
    inclusive = b.years_table(t.get("captions.inclusive"), t.setting("layout.inclusive_rows"), dates)
    if inclusive:
        sec.blocks.append(Heading(id="sec-structure-inclusive", title=b.cat.family("inclusive", b.lang)))
        sec.blocks.append(inclusive)
    sec.blocks.extend(b.figures_for("structure"))
    return sec


def concentration_section(b: Builder) -> Section:
    sec = b.section("concentration")
    t, f = b.texts, b.fmt
    dates = b.annual("top10_customer_share") or b.annual("hhi", "industry") or b.annual("balance")
    limits: dict[str, str] = t.setting("layout.limits")
    rows: list[list[str]] = []
    shows: list[tuple[str, str | None]] = []

    def add(metric: str, dim: str | None, label: str, limit_name: str | None, with_segment: bool = False) -> None:
        unit = b.unit(metric)
        cells = []
        for d in dates:
            v, seg = b.row_at(metric, d, dim) if with_segment else (b.value(metric, d, dim), None)
            cell = f.cell(v, unit, metric)
            cells.append(f"{cell} ({b.segment_label(dim, seg)})" if seg and v is not None else cell)
        rows.append([label, *cells, b.threshold_text(limit_name, unit, metric)])
        shows.append((metric, dim))

    for m in t.setting("layout.concentration_rows"):
        if b.has(m):
            add(m, None, b.label(m), b.cat.info(m).threshold)
            peer = b.run.benchmarks.get(m)
            if peer is not None:   # the profile's peer figure under the bank's own (as in the tables above)
                rows.append([t.get("labels.peer", label=b.label(m), source=peer.source_in(b.lang))]
                            + [f.cell(peer.at(pd.Timestamp(d).year), b.unit(m), m) for d in dates] + [f.missing])
    for m in ("gini", "hhi", "largest_share"):
        for dim in t.setting("layout.concentration_dimensions"):
            if b.has(m, dim):
                label = f"{b.label(m)} · {b.cat.dimension(dim, b.lang)}"
                add(m, dim, label, limits.get(f"{m}:{dim}"), with_segment=(m == "largest_share"))
    if rows and dates:
        sec.blocks.append(b.table(t.get("captions.concentration"),
                                  [t.get("headers.metric")] + [f.date(d) for d in dates] + [t.get("headers.limit")],
                                  rows, [False] + [True] * (len(dates) + 1), shows=shows))
    sec.blocks.extend(b.figures_for("concentration"))
    return sec


def migration_section(b: Builder) -> Section:
    sec = b.section("migration")
    t, f = b.texts, b.fmt
    dates = b.annual("migration_rate") or b.annual("normal_loans_migration_rate")
    rows: list[list[str]] = []
    shows: list[tuple[str, str | None]] = []
    rates = b.rows("migration_rate")
    for g in t.setting("layout.migration_grades"):
        if (rates["segment"] == g).any():
            rows.append([f"{b.label('migration_rate')} · {b.cat.grade(g, b.lang)}"]
                        + [f.pct(b.value("migration_rate", d, None, g)) for d in dates])
            shows.append(("migration_rate", None))
    for m in t.setting("layout.migration_rows"):
        if b.has(m):
            rows.append([b.label(m)] + [f.cell(b.value(m, d), b.unit(m), m) for d in dates])
            shows.append((m, None))
    if rows and dates:
        sec.blocks.append(b.table(t.get("captions.migration"), [t.get("headers.metric")] + [f.date(d) for d in dates],
                                  rows, [False] + [True] * len(dates), shows=shows))
    sec.blocks.extend(_transition(b))
    for extra in (g12_table(b), vintage_table(b)):
        if extra:
            sec.blocks.append(extra)
    sec.blocks.extend(b.figures_for("migration"))
    return sec


def _transition(b: Builder) -> list[Table]:
    t, f = b.texts, b.fmt
    ts = b.run.metrics.frame
    ts = ts[(ts["metric"] == "transition_share") & ts["dimension"].notna()]
    if ts.empty:
        return []
    when = ts["as_of"].max()
    ts = ts[ts["as_of"] == when]
    grades: list[str] = t.setting("layout.grades")
    from_grades = [g for g in grades if g in set(ts["dimension"])]
    to_grades = [g for g in [*grades, "exited"] if g in set(ts["segment"])]
    body = [[b.cat.grade(g0, b.lang)] + [f.pct(b.value("transition_share", when, g0, g1)) for g1 in to_grades]
            for g0 in from_grades]
    dates = sorted(pd.to_datetime(ts["as_of"].unique()))
    prev = [d for d in b.annual() if d < dates[-1]]
    period = f.period(prev[-1], when) if prev else f.date(when)
    table = b.table(t.get("captions.transition", period=period),
                    [t.get("headers.from_grade")] + [b.cat.grade(g, b.lang) for g in to_grades], body,
                    [False] + [True] * len(to_grades), shows=[("transition_share", None)])
    return [table]
