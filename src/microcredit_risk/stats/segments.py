"""Segment tests: is a segment's NPL loan count higher than the rest's? (hotspots, officer outliers)

One function serves industry, product, region, branch, guarantee_type and loan_officer alike. The
hotspot rule's other conditions (npl_ratio factor, minimum balance share) are applied by the
findings engine from the metrics table; this module supplies the counts, the Fisher p-value and
its Benjamini–Hochberg adjustment over the segments of the dimension.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from ..errors import AnalysisError
from ..ledger.contract import NPL_GRADES
from ..metrics.catalogue import definitions
from .results import ChiSquareTest, SegmentTest


def segment_counts(data: pd.DataFrame, dimension: str) -> tuple[pd.DataFrame, int, int]:
    """Per segment: loans and npl_loans; plus the portfolio's loans and NPL loans.

    ``data`` is either the canonical loan table (rows of its latest as_of with balance > 0 are
    counted; loans whose ``dimension`` is missing count in "the rest" but are not a segment), or
    a table of counts with columns ``segment``, ``loans``, ``npl_loans``.
    """
    if {"segment", "loans", "npl_loans"} <= set(data.columns):
        counts = data.loc[:, ["segment", "loans", "npl_loans"]].copy()
        counts["segment"] = counts["segment"].astype(str)
        counts = counts.groupby("segment", sort=True)[["loans", "npl_loans"]].sum()
        return counts.astype("int64"), int(counts["loans"].sum()), int(counts["npl_loans"].sum())
    for col in ("as_of", "five_category", "balance"):
        if col not in data.columns:
            raise AnalysisError("E410", dimension=dimension, column=col)
    if dimension not in data.columns:
        raise AnalysisError("E410", dimension=dimension, column=dimension)
    f = data.loc[(data["as_of"] == data["as_of"].max()) & (data["balance"] > 0)]
    npl = f["five_category"].isin(NPL_GRADES).astype("int64")
    grouped = npl.groupby(f[dimension].astype(object).where(f[dimension].notna(), None), dropna=True)
    counts = pd.DataFrame({"loans": grouped.size(), "npl_loans": grouped.sum()}).astype("int64")
    counts.index = counts.index.map(str)
    counts.index.name = "segment"
    return counts.sort_index(), len(f), int(npl.sum())


def segment_tests(data: pd.DataFrame, dimension: str, alternative: str = "greater") -> list[SegmentTest]:
    """One-sided Fisher exact test of each segment's NPL count vs the rest's, BH-adjusted (fdr_bh)."""
    counts, total, total_npl = segment_counts(data, dimension)
    if counts.empty:
        return []
    loans = counts["loans"].to_numpy()
    npl = counts["npl_loans"].to_numpy()
    rest, rest_npl = total - loans, total_npl - npl
    odds: list[float | None] = []
    pvalues = np.empty(len(counts))
    for i in range(len(counts)):   # one 2×2 table per segment (segments, not loans)
        table = [[npl[i], loans[i] - npl[i]], [rest_npl[i], rest[i] - rest_npl[i]]]
        res = stats.fisher_exact(table, alternative=alternative)
        ratio = float(res.statistic)
        odds.append(ratio if math.isfinite(ratio) else None)
        pvalues[i] = float(res.pvalue)
    padj = multipletests(pvalues, method="fdr_bh")[1]
    with np.errstate(all="ignore"):
        ratio = npl / loans
        rest_ratio = np.where(rest > 0, rest_npl / np.maximum(rest, 1), np.nan)
    return [
        SegmentTest(dimension=dimension, segment=str(seg), loans=int(loans[i]), npl_loans=int(npl[i]),
                    rest_loans=int(rest[i]), rest_npl_loans=int(rest_npl[i]),
                    npl_count_ratio=float(ratio[i]), rest_npl_count_ratio=float(rest_ratio[i]),
                    odds_ratio=odds[i], pvalue=float(pvalues[i]), padj=float(padj[i]))
        for i, seg in enumerate(counts.index)
    ]


def chi_square_by_dimension(data: pd.DataFrame, dimension: str) -> ChiSquareTest:
    """Pearson χ² test of independence of NPL status and segment (scipy chi2_contingency).

    Raises AnalysisError when the table cannot be tested (one segment, or no NPL / no performing
    loan at all); the caller records that as a skipped analysis.
    """
    counts, _, _ = segment_counts(data, dimension)
    as_of = pd.Timestamp(data["as_of"].max()).date().isoformat() if "as_of" in data.columns else ""
    counts = counts[counts["loans"] > 0]
    table = np.column_stack([counts["npl_loans"], counts["loans"] - counts["npl_loans"]])
    if len(counts) < 2:
        raise AnalysisError("E411", dimension=dimension, count=len(counts))
    if table[:, 0].sum() == 0 or table[:, 1].sum() == 0:
        raise AnalysisError("E412", dimension=dimension)
    res = stats.chi2_contingency(table, correction=False)
    return ChiSquareTest(dimension=dimension, statistic=float(res.statistic), dof=int(res.dof),
                         pvalue=float(res.pvalue), as_of=as_of)


def segment_test_rows(tests: list[SegmentTest], as_of: pd.Timestamp) -> pd.DataFrame:
    """The segment tests as tidy statistics rows (fisher_pvalue, fisher_padj per dimension and segment),
    so that findings cite them from the one table."""
    recs = [{"metric": m, "as_of": as_of, "dimension": t.dimension, "segment": t.segment, "value": v,
             "unit": "probability"}
            for t in tests for m, v in (("fisher_pvalue", t.pvalue), ("fisher_padj", t.padj))]
    return pd.DataFrame.from_records(recs, columns=["metric", "as_of", "dimension", "segment", "value", "unit"])


def group_test(latest: pd.DataFrame, npl: pd.Series, group: pd.Series, others: pd.Series) -> float | None:
    """One-sided Fisher exact test: are NPL loans more frequent in ``group`` rows than in ``others`` rows?

    ``latest`` is one snapshot's loans with balance > 0; ``npl``, ``group`` and ``others`` are boolean
    masks over it. None when either side has no loan.
    """
    a, b = int(group.sum()), int(others.sum())
    if a == 0 or b == 0:
        return None
    ga, gb = int((npl & group).sum()), int((npl & others).sum())
    res = stats.fisher_exact([[ga, a - ga], [gb, b - gb]], alternative="greater")
    return float(res.pvalue)


def pooled_groups() -> dict[str, dict[str, Any]]:
    """The pooled comparisons the GUARANTEE_WEAKNESS and RENEWAL_RISK rules test: unsecured against
    secured loans (the guarantee_group of data/metrics.toml), renewed against other loans."""
    g = definitions()["guarantee_groups"]
    return {"guarantee_group": {"column": "guarantee_type", "segment": "unsecured", "group": g["unsecured"],
                                "others": g["secured"]},
            "renewal": {"column": "renewal_flag", "segment": "true", "group": ["true"], "others": ["false"]}}


def group_test_rows(latest: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """fisher_group_pvalue rows: per pooled dimension (:func:`pooled_groups`), the one-sided Fisher
    test of the group's NPL loan count against the other group's."""
    groups = pooled_groups()
    live = latest.loc[latest["balance"] > 0]
    npl = live["five_category"].isin(NPL_GRADES)
    recs = []
    for dimension, spec in groups.items():
        column = spec["column"]
        if column not in live.columns or not live[column].notna().any():
            continue
        values = live[column].astype("string").str.lower()
        p = group_test(live, npl, values.isin(spec["group"]), values.isin(spec["others"]))
        if p is not None:
            recs.append({"metric": "fisher_group_pvalue", "as_of": as_of, "dimension": dimension,
                         "segment": spec["segment"], "value": p, "unit": "probability"})
    return pd.DataFrame.from_records(recs, columns=["metric", "as_of", "dimension", "segment", "value", "unit"])
