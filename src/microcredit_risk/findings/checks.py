"""Named checks: the rules that need a test statistic or a computation the condition language lacks.

Each takes the context, the condition table from the rules file (its parameters) and the rule code,
and returns an :class:`~.conditions.Outcome`. Thresholds are read by name from the profile.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..metrics.table import Skipped, lacks_column
from .conditions import Context, Hit, Leaf, Outcome, clean, far_past, iso
from .records import Evidence


def _no_tests(what: str, dimension: str, ctx: Context) -> Skipped:
    why = "no statistics were given" if ctx.stats is None else f"no segment tests by {dimension}"
    kind = "no_statistics" if ctx.stats is None else "no_segment_tests"
    return Skipped(what, f"statistics segment tests by {dimension}", why, kind, {"dimension": dimension})


def _lack_column(ctx: Context, column: str) -> bool:
    return ctx.columns is not None and column not in ctx.columns


def _at(ctx: Context, metric: str, dimension: str) -> pd.Series:
    """One metric across the segments of a dimension at the latest annual snapshot (empty if none)."""
    when = ctx.latest
    return ctx.segments_at(metric, dimension, when) if when is not None else pd.Series(dtype=float)


def hotspot_hits(ctx: Context, dimension: str, code: str) -> Outcome:
    """Segments with npl_ratio ≥ hotspot_factor × npl_ratio_rest, balance_share ≥ hotspot_min_share and
    BH-adjusted one-sided Fisher p (fisher_padj) < hotspot_alpha: every value read from the table."""
    what = f"{code}: {dimension}"
    if _lack_column(ctx, dimension):
        return Outcome("unknown", missing=[lacks_column(what, dimension)])
    padj = _at(ctx, "fisher_padj", dimension)
    if padj.empty:
        return Outcome("unknown", missing=[_no_tests(what, dimension, ctx)])
    when = ctx.latest
    total = ctx.value("npl_ratio", when)
    table = {m: _at(ctx, m, dimension) for m in ("npl_ratio", "balance_share", "npl_ratio_rest", "npl_count_ratio")}
    gone = [m for m in ("npl_ratio", "balance_share", "npl_ratio_rest") if table[m].empty]
    if total == "absent" or gone:
        return Outcome("unknown", missing=[ctx.missing_metric(what, gone[0] if gone else "npl_ratio", dimension)])
    factor, fname = ctx.threshold("hotspot_factor")
    min_share, sname = ctx.threshold("hotspot_min_share")
    alpha, aname = ctx.threshold("hotspot_alpha")
    hits = []
    for seg in sorted(str(s) for s in padj.index):
        r, sh = clean(table["npl_ratio"].get(seg)), clean(table["balance_share"].get(seg))
        rest, p = clean(table["npl_ratio_rest"].get(seg)), clean(padj.get(seg))
        if r is None or sh is None or rest is None or p is None:
            continue
        limit = factor * max(rest, 0.0)
        if not (r > 0 and r >= limit and sh >= min_share and p < alpha):
            continue
        evidence = [
            ctx.evidence("npl_ratio", when, None if total is None else total),
            ctx.evidence("npl_ratio", when, r, dimension, seg, limit, fname),
            ctx.evidence("npl_ratio_rest", when, rest, dimension, seg),
            ctx.evidence("balance_share", when, sh, dimension, seg, min_share, sname),
            ctx.evidence("npl_count_ratio", when, table["npl_count_ratio"].get(seg), dimension, seg),
            ctx.evidence("fisher_padj", when, p, dimension, seg, alpha, aname),
        ]
        facts = {"value": r, "threshold": limit, "rest": rest, "share": sh, "padj": p,
                 "as_of": iso(when), "metric": "npl_ratio"}
        hits.append(Hit(evidence, dimension, seg, far_past(r, ">=", limit, 0.0, ctx.escalate_factor),
                        facts=facts))
    return Outcome("fired", hits) if hits else Outcome("clear")


def hotspot(ctx: Context, cond: dict[str, Any], code: str) -> Outcome:
    outs = [hotspot_hits(ctx, d, code) for d in cond.get("dimensions", [cond.get("dimension")])]
    hits = [h for o in outs for h in o.hits]
    missing = [m for o in outs for m in o.missing]
    if hits:
        return Outcome("fired", hits, missing)
    return Outcome("unknown" if all(o.state == "unknown" for o in outs) else "clear", [], missing)


def segment_group(ctx: Context, cond: dict[str, Any], code: str) -> Outcome:
    """One segment of a pooled dimension (unsecured loans of ``guarantee_group``, renewed loans) holding
    ≥ share_threshold of balance with an npl_ratio ≥ factor_threshold × that of the comparison segment;
    with ``significance`` (a statistics metric), its p-value must also be < hotspot_alpha."""
    dimension, group, others = cond["dimension"], str(cond["group"]), str(cond["others"])
    what = f"{code}: {dimension}"
    when = ctx.latest
    ratios, shares = _at(ctx, "npl_ratio", dimension), _at(ctx, "balance_share", dimension)
    if ratios.empty or shares.empty:
        return Outcome("unknown", missing=[ctx.missing_metric(what, "npl_ratio" if ratios.empty else "balance_share",
                                                              dimension)])
    g_ratio, g_share, o_ratio = clean(ratios.get(group)), clean(shares.get(group)), clean(ratios.get(others))
    share_max, sname = ctx.threshold(cond["share_threshold"])
    factor, fname = ctx.threshold(cond["factor_threshold"])
    if g_ratio is None or g_share is None or o_ratio is None:
        return Outcome("clear")
    limit = factor * o_ratio
    if not (g_share >= share_max and g_ratio > 0 and g_ratio >= limit):
        return Outcome("clear")
    evidence = [ctx.evidence("balance_share", when, g_share, dimension, group, share_max, sname),
                ctx.evidence("npl_ratio", when, g_ratio, dimension, group, limit, fname),
                ctx.evidence("npl_ratio", when, o_ratio, dimension, others)]
    facts: dict[str, Any] = {"value": g_ratio, "threshold": limit, "share": g_share, "others": o_ratio,
                             "as_of": iso(when), "metric": "npl_ratio"}
    test = cond.get("significance")
    if test is not None:
        p = ctx.value(test, when, dimension, group) if when is not None else "absent"
        if p == "absent":
            reason = _no_tests(what, dimension, ctx) if ctx.stats is None else ctx.missing_metric(what, test, dimension)
            return Outcome("unknown", missing=[reason])
        alpha, aname = ctx.threshold("hotspot_alpha")
        if p is None or p >= alpha:
            return Outcome("clear")
        evidence.append(ctx.evidence(test, when, p, dimension, group, alpha, aname))
        facts["pvalue"] = p
    return Outcome("fired", [Hit(evidence, dimension, None,
                                 far_past(g_ratio, ">=", limit, 0.0, ctx.escalate_factor), facts=facts)])


def officer_outliers(ctx: Context, cond: dict[str, Any], code: str) -> Outcome:
    """Officers whose npl_count_ratio is ≥ hotspot_factor × npl_count_ratio_rest (the other officers'
    loans) and whose fisher_padj < hotspot_alpha: every value read from the table."""
    dimension = cond.get("dimension", "loan_officer")
    padj = _at(ctx, "fisher_padj", dimension)
    if padj.empty:
        return Outcome("unknown", missing=[_no_tests(f"{code}: {dimension}", dimension, ctx)])
    ratio, rest = _at(ctx, "npl_count_ratio", dimension), _at(ctx, "npl_count_ratio_rest", dimension)
    factor, fname = ctx.threshold("hotspot_factor")
    alpha, aname = ctx.threshold("hotspot_alpha")
    when = ctx.latest
    evidence, names = [], []
    for seg in sorted(str(s) for s in padj.index):
        r, q, p = clean(ratio.get(seg)), clean(rest.get(seg)), clean(padj.get(seg))
        if r is None or q is None or p is None:
            continue
        limit = factor * q
        if r > 0 and r >= limit and p < alpha:
            names.append(seg)
            evidence += [ctx.evidence("npl_count_ratio", when, r, dimension, seg, limit, fname),
                         ctx.evidence("npl_count_ratio_rest", when, q, dimension, seg),
                         ctx.evidence("fisher_padj", when, p, dimension, seg, alpha, aname)]
    if not names:
        return Outcome("clear")
    facts = {"segments": ", ".join(names), "segment_list": names, "count": len(names), "as_of": iso(when),
             "metric": "npl_count_ratio",
             "value": evidence[0].value, "threshold": evidence[0].threshold}
    return Outcome("fired", [Hit(evidence, dimension, None, facts=facts)])


def _year(segment: Any) -> int | None:
    try:
        y = float(str(segment))
    except ValueError:
        return None
    return int(y) if math.isfinite(y) and y == int(y) else None


def vintage(ctx: Context, cond: dict[str, Any], code: str) -> Outcome:
    """The newest cohort's default rate at one year on book (the annual snapshot of the year after its
    origination year) ≥ vintage_factor × the mean of the older cohorts' (two or more needed). Only cohorts
    originated in or after the year of the first annual snapshot count; each cohort's loan count
    (vintage_loans) is cited with its rate."""
    metric, dimension = cond.get("metric", "vintage_default_rate"), cond.get("dimension", "vintage")
    what = f"{code}: {metric}"
    rows = ctx.rows_of(metric, dimension, None, any_segment=True)
    if rows.empty:
        return Outcome("unknown", missing=[ctx.missing_metric(what, metric, dimension)])
    annual_by_year = {t.year: t for t in ctx.annual}
    first_year = ctx.annual[0].year if ctx.annual else None
    points: list[tuple[int, str, pd.Timestamp, float]] = []
    for seg, part in rows.groupby("segment", sort=True):
        y = _year(seg)
        if y is None or first_year is None or y < first_year:
            continue   # left-truncated: its defaults before the first snapshot were never seen
        at = annual_by_year.get(y + 1)
        if at is None:
            continue
        v = part.loc[part["as_of"] == at, "value"]
        if len(v) and clean(v.iloc[0]) is not None:
            points.append((y, str(seg), at, float(v.iloc[0])))   # type: ignore[arg-type]
    points.sort()
    if len(points) < 3:
        return Outcome("unknown", missing=[Skipped(what, "three cohorts seen one year after origination",
                                                   f"cohorts with a value at one year on book: {len(points)}",
                                                   "few_cohorts", {"found": len(points), "needed": 3})])
    *older, newest = points
    mean = sum(p[3] for p in older) / len(older)
    factor, fname = ctx.threshold("vintage_factor")
    limit = factor * mean
    if not (newest[3] > 0 and newest[3] >= limit):
        return Outcome("clear")
    evidence = [ctx.evidence(metric, at, v, dimension, seg) for _, seg, at, v in older]
    evidence.append(ctx.evidence(metric, newest[2], newest[3], dimension, newest[1], limit, fname))
    for _, seg, at, _ in points:
        n = ctx.value("vintage_loans", at, dimension, seg)
        if n != "absent":
            evidence.append(ctx.evidence("vintage_loans", at, n, dimension, seg))
    facts = {"value": newest[3], "threshold": limit, "mean": mean, "as_of": iso(newest[2]), "metric": metric}
    return Outcome("fired", [Hit(evidence, dimension, newest[1],
                                 far_past(newest[3], ">=", limit, 0.0, ctx.escalate_factor), facts=facts)])


def risk_sharing(ctx: Context, cond: dict[str, Any], code: str) -> Outcome:
    """Product hotspots among the products whose loans carry risk_share_ratio > 0 (risk_shared_balance > 0)."""
    dimension, metric = cond.get("dimension", "product"), cond.get("metric", "risk_shared_balance")
    when = ctx.latest
    shared = ctx.segments_at(metric, dimension, when) if when is not None else pd.Series(dtype=float)
    if shared.empty:
        return Outcome("unknown", missing=[ctx.missing_metric(f"{code}: {metric}", metric, dimension)])
    spots = hotspot_hits(ctx, dimension, code)
    if spots.state != "fired":
        return spots
    hits = []
    for h in spots.hits:
        v = clean(shared.get(h.segment))
        if v is not None and v > 0:
            h.evidence.insert(0, ctx.evidence(metric, when, v, dimension, h.segment))
            hits.append(h)
    return Outcome("fired", hits) if hits else Outcome("clear")


def write_off_masking(ctx: Context, cond: dict[str, Any], code: str) -> Outcome:
    """The latest npl_ratio fell below the previous annual one, yet npl_ratio_with_write_offs (the
    period's write-offs added back) is at or above it: the fall came from write-offs, not cures."""
    what = f"{code}: npl_ratio_with_write_offs"
    now, before = ctx.latest, ctx.previous
    if now is None or before is None:
        return Outcome("unknown", missing=[Skipped(what, "two annual snapshots", "there is no previous annual snapshot",
                                                   "snapshots", {"needed": 2, "found": len(ctx.annual)})])
    latest, prev = ctx.value("npl_ratio", now), ctx.value("npl_ratio", before)
    added = ctx.value("npl_ratio_with_write_offs", now)
    if added == "absent":
        return Outcome("unknown", missing=[ctx.missing_metric(what, "npl_ratio_with_write_offs")])
    if latest in (None, "absent") or prev in (None, "absent") or added is None:
        return Outcome("clear")
    assert isinstance(latest, float) and isinstance(prev, float)
    if not (latest < prev <= added):
        return Outcome("clear")
    wo = ctx.value("write_off", now)
    evidence = [ctx.evidence("npl_ratio", before, prev), ctx.evidence("npl_ratio", now, latest)]
    if wo not in (None, "absent"):
        evidence.append(ctx.evidence("write_off", now, wo))   # type: ignore[arg-type]
    evidence.append(ctx.evidence("npl_ratio_with_write_offs", now, added, threshold=prev))
    facts = {"value": added, "threshold": prev, "latest": latest, "previous": prev, "as_of": iso(now),
             "previous_year": before.year, "metric": "npl_ratio_with_write_offs"}
    return Outcome("fired", [Hit(evidence, None, None, facts=facts)])


def data_quality(ctx: Context, cond: dict[str, Any], code: str) -> Outcome:
    """Validation warnings (other than the excluded codes) touching > threshold of rows; key columns missing.
    Row counts of different warnings are added up (a row with two warnings counts twice)."""
    exclude = set(cond.get("exclude", ()))
    limit, name = ctx.threshold(cond.get("threshold", "data_warning_max"))
    evidence: list[Evidence] = []
    missing: list[Skipped] = []
    facts: dict[str, Any] = {}
    states: list[bool] = []
    counted = [i for i in ctx.issues if i.code not in exclude and i.count > 0]
    total = sum(i.count for i in counted)
    if ctx.rows > 0:
        share = total / ctx.rows
        if share > limit:
            evidence += [ctx.evidence("validation_warning_rows", None, float(i.count), segment=i.code)
                         for i in sorted(counted, key=lambda i: i.code)]
            evidence.append(ctx.evidence("validation_warning_share", None, share, threshold=limit, threshold_name=name))
            facts.update(value=share, threshold=limit, metric="validation_warning_share")
        states.append(share > limit)
    else:
        missing.append(Skipped(f"{code}: validation warnings", "ledger row count", "the number of ledger rows was not given",
                               "no_row_count"))
    if ctx.columns is not None:
        gone = [c for c in cond.get("columns", ()) if c not in ctx.columns]
        evidence += [ctx.evidence("column_missing", None, None, segment=c) for c in gone]
        if gone:
            facts.update(segments=", ".join(gone), count=len(gone))
        states.append(bool(gone))
    else:
        missing.append(Skipped(f"{code}: columns", "the ledger's column list", "the ledger's columns were not given",
                               "no_column_list"))
    if not states:
        return Outcome("unknown", missing=missing)
    if not any(states):
        return Outcome("clear", missing=missing)
    escalate = "value" in facts and far_past(facts["value"], ">", limit, 0.0, ctx.escalate_factor)
    return Outcome("fired", [Hit(evidence, None, None, escalate, facts=facts)], missing)


CHECKS: dict[str, Leaf] = {
    "hotspot": hotspot, "segment_group": segment_group, "officer_outliers": officer_outliers,
    "vintage": vintage, "risk_sharing": risk_sharing, "data_quality": data_quality,
    "write_off_masking": write_off_masking,
}
