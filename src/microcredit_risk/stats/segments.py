"""Segment tests: is a segment's NPL loan count higher than the rest's? (hotspots, officer outliers)

One function serves industry, product, region, branch, guarantee_type and loan_officer alike. The
hotspot rule's other conditions (npl_ratio factor, minimum balance share) are applied by the
findings engine from the metrics table; this module supplies the counts, the Fisher p-value and
its Benjamini–Hochberg adjustment over the segments of the dimension.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from ..engine import Backend
from ..engine.segments_sql import latest_as_of, latest_segment_counts, ledger_columns
from ..errors import AnalysisError
from ..ledger.contract import NPL_GRADES
from ..metrics.catalogue import definitions
from ..metrics.prepare import NPL_CODE
from .results import ChiSquareTest, SegmentTest


def segment_counts(data: pd.DataFrame, dimension: str) -> tuple[pd.DataFrame, int, int]:
    """Per segment: loans and npl_loans; plus the portfolio's loans and NPL loans.

    ``data`` is either the canonical loan table (rows of its latest as_of with balance > 0 are
    counted; loans whose ``dimension`` is missing count in "the rest" but are not a segment), or
    a table of counts with columns ``segment``, ``loans``, ``npl_loans`` (the engine's,
    :func:`latest_counts`): there a row whose ``segment`` is missing holds the loans without a value,
    counted in the portfolio's totals but not a segment, by the same rule.
    """
    if {"segment", "loans", "npl_loans"} <= set(data.columns):
        missing = data["segment"].isna().to_numpy(dtype=bool)
        counts = data.loc[~missing, ["segment", "loans", "npl_loans"]].copy()
        counts["segment"] = counts["segment"].astype(str)
        counts = counts.groupby("segment", sort=True)[["loans", "npl_loans"]].sum().astype("int64")
        return counts, int(data["loans"].sum()), int(data["npl_loans"].sum())
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


def group_test(loans: int, npl: int, other_loans: int, other_npl: int) -> float | None:
    """One-sided Fisher exact test: are NPL loans more frequent in the group (``loans``, ``npl`` of
    them NPL) than in the others? None when either side has no loan."""
    if loans == 0 or other_loans == 0:
        return None
    res = stats.fisher_exact([[npl, loans - npl], [other_npl, other_loans - other_npl]], alternative="greater")
    return float(res.pvalue)


def pooled_groups() -> dict[str, dict[str, Any]]:
    """The pooled comparisons the GUARANTEE_WEAKNESS and RENEWAL_RISK rules test: unsecured against
    secured loans (the guarantee_group of data/metrics.toml), renewed against other loans."""
    g = definitions()["guarantee_groups"]
    return {"guarantee_group": {"column": "guarantee_type", "segment": "unsecured", "group": g["unsecured"],
                                "others": g["secured"]},
            "renewal": {"column": "renewal_flag", "segment": "true", "group": ["true"], "others": ["false"]}}


def group_test_rows(counts: Mapping[str, pd.DataFrame], as_of: pd.Timestamp) -> pd.DataFrame:
    """fisher_group_pvalue rows: per pooled dimension (:func:`pooled_groups`), the one-sided Fisher
    test of the group's NPL loan count against the other group's. ``counts``: per ledger column, its
    counts table at ``as_of`` (:func:`latest_counts`); the values are compared in lower case."""
    recs = []
    for dimension, spec in pooled_groups().items():
        table = counts.get(spec["column"])
        if table is None:
            continue
        table = table.loc[table["segment"].notna().to_numpy(dtype=bool)]
        if not (table["loans"] > 0).any():   # no loan with balance > 0 has a value
            continue
        values = table["segment"].astype("string").str.lower()
        group, others = values.isin(spec["group"]).to_numpy(dtype=bool), values.isin(spec["others"]).to_numpy(dtype=bool)
        loans, npl = table["loans"].to_numpy(dtype=np.int64), table["npl_loans"].to_numpy(dtype=np.int64)
        p = group_test(int(loans[group].sum()), int(npl[group].sum()), int(loans[others].sum()),
                       int(npl[others].sum()))
        if p is not None:
            recs.append({"metric": "fisher_group_pvalue", "as_of": as_of, "dimension": dimension,
                         "segment": spec["segment"], "value": p, "unit": "probability"})
    return pd.DataFrame.from_records(recs, columns=["metric", "as_of", "dimension", "segment", "value", "unit"])


def latest_counts(backend: Backend, columns: Sequence[str]) -> tuple[dict[str, pd.DataFrame], pd.Timestamp | None]:
    """Per ledger column of ``columns`` that has a value in the latest snapshot, its counts table
    (``segment``, ``loans``, ``npl_loans``, ``as_of``; one row with ``segment`` missing for the loans
    without a value), from the engine's ``ledger`` and ``ledger_rows`` (engine/segments_sql.py); and
    the latest snapshot (None for an empty ledger). Only these few rows come back from the engine."""
    have = set(backend.query(ledger_columns()).columns)
    cols = [c for c in dict.fromkeys(columns) if c in have]
    latest = backend.query(latest_as_of())["as_of"]
    if latest.empty or pd.isna(latest.iloc[0]):
        return {}, None
    as_of = pd.Timestamp(latest.iloc[0])
    result = backend.query(latest_segment_counts(cols, NPL_CODE)) if cols else pd.DataFrame()
    out: dict[str, pd.DataFrame] = {}
    for i, column in enumerate(cols):
        part = result.loc[result["grouping"].to_numpy(dtype=np.int64) == i]
        named = part["segment"].notna().to_numpy(dtype=bool)
        if not named.any():   # no value in the snapshot at all: the dimension is not tested
            continue
        part = part.loc[~named | (part["loans"].to_numpy(dtype=np.int64) > 0)]   # a segment is a stock segment
        out[column] = pd.DataFrame({"segment": part["segment"].to_numpy(dtype=object),
                                    "loans": part["loans"].to_numpy(dtype=np.int64),
                                    "npl_loans": part["npl_loans"].to_numpy(dtype=np.int64),
                                    "as_of": as_of})
    return out, as_of
