"""The early-warning list section: how many loans each reason names, then the top of the list.

It shows the run's :class:`~microcredit_risk.monitor.watchlist.Watchlist` as saved in watchlist.csv
(``RunResults.watchlist``), so ``mcr analyze`` and a re-render by ``mcr report`` say the same; the
reasons' words come from their codes, in the language the report is rendered in.
"""

from __future__ import annotations

import math

import pandas as pd

from ..monitor.watchlist import SEP, Watchlist, reasons
from ..monitor.watchlist_files import column_heading, money_heading, needs_text, reason_label, word
from .blocks import Bullets, Line, Paragraph, Ref, Section, Table
from .builder import Builder

TOP_COLUMNS = ("rank", "loan_id", "customer", "loan_officer", "five_category", "days_past_due", "balance_at_risk",
               "reasons")


def watchlist_section(b: Builder, wl: Watchlist) -> Section:
    sec = b.section("watchlist")
    t, f = b.texts, b.fmt
    date = f.date(wl.as_of) if wl.as_of else f.missing
    frame = wl.frame
    if len(frame):
        total = float(frame["balance_at_risk"].sum())
        sec.blocks.append(Paragraph(t.get("sentences.watchlist_count", date=date, count=f.count(len(frame)),
                                          amount=f.money(total))))
    else:
        sec.blocks.append(Paragraph(t.get("sentences.watchlist_none", date=date)))
    if wl.previous and wl.ran("DOWNGRADED"):
        sec.blocks.append(Paragraph(t.get("sentences.watchlist_previous", date=f.date(wl.previous),
                                          reason=_reason(b, "DOWNGRADED"))))
    sec.blocks.append(_reasons_table(b, wl, date))
    if wl.not_run:
        sec.blocks.append(Paragraph(t.get("sentences.watchlist_not_run", count=f.count(len(wl.not_run)))))
    if len(frame):
        sec.blocks.append(_top_table(b, wl, date))
    return sec


def watchlist_summary(b: Builder, wl: Watchlist, sec: Section) -> Bullets:
    """The summary's line on the list: how many loans, their balance at risk, a link to its section."""
    t, f = b.texts, b.fmt
    date = f.date(wl.as_of) if wl.as_of else f.missing
    if len(wl.frame):
        text = t.get("sentences.summary_watchlist", date=date, count=f.count(len(wl.frame)),
                     amount=f.money(float(wl.frame["balance_at_risk"].sum())))
    else:
        text = t.get("sentences.summary_watchlist_none", date=date)
    return Bullets(items=[Line(text=text, refs=[Ref(label=sec.title, href=f"#{sec.id}")])])


def _reason(b: Builder, code: str) -> str:
    return reason_label(code, b.lang, b.run.thresholds)


def _reasons_table(b: Builder, wl: Watchlist, date: str) -> Table:
    lang, f = b.lang, b.fmt
    counts, at_risk = wl.counts(), wl.at_risk()
    skipped = {s.what: s for s in wl.not_run}
    rows = []
    for code in reasons():
        status = word("ran", lang) if code not in skipped else word("not_run", lang, why=needs_text(skipped[code], lang))
        rows.append([_reason(b, code), f.count(counts.get(code, 0)), f.money_cell(at_risk.get(code, 0.0)), status])
    headers = [b.texts.get("headers.reason"), b.label("loans", with_unit=False),
               money_heading("balance_at_risk", b.lang, b.fmt.money_unit()), word("columns.status", lang)]
    return b.table(b.texts.get("captions.watchlist_reasons", date=date), headers, rows, [False, True, True, False])


def _top_table(b: Builder, wl: Watchlist, date: str) -> Table:
    lang, f = b.lang, b.fmt
    shown = int(b.texts.setting("layout.watchlist_rows"))
    top = wl.frame.head(shown)
    name = "customer_name" if "customer_name" in top.columns else "customer_id"
    columns = [c for c in TOP_COLUMNS if c in top.columns or c == "customer"]
    sep = word("separator", lang)
    heads = {"customer": column_heading(name, lang),
             "balance_at_risk": money_heading("balance_at_risk", lang, b.fmt.money_unit())}
    headers = [heads.get(c) or column_heading(c, lang) for c in columns]
    rows = []
    for rec in top.to_dict("records"):      # the report shows at most layout.watchlist_rows loans
        row = []
        for c in columns:
            v = rec.get(name if c == "customer" else c)
            if c == "reasons":
                row.append(sep.join(_reason(b, code) for code in str(v or "").split(SEP) if code))
            elif c == "five_category":
                row.append(b.segment_label(None, v) if isinstance(v, str) else f.missing)
            elif c == "balance_at_risk":
                row.append(f.money_cell(v))
            elif c in ("rank", "days_past_due"):
                row.append(f.count(v))
            else:
                row.append(f.missing if _blank(v) else str(v))
        rows.append(row)
    numeric = [c in ("rank", "days_past_due", "balance_at_risk") for c in columns]
    note = None
    if len(wl.frame) > shown:
        note = b.texts.get("sentences.watchlist_more", shown=f.count(shown), total=f.count(len(wl.frame)))
    return b.table(b.texts.get("captions.watchlist_top", date=date), headers, rows, numeric, note=note)


def _blank(v: object) -> bool:
    return v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v))
