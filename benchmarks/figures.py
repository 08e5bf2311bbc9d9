"""Benchmark: render and save the whole figure set (png + svg) from a realistic metrics table.

5 year-ends, 20 industries, 40 officers, 10 products, 15 regions, a 12-term driver model.
Target: ≤ 10 s for the whole set. Run:
    PYTHONPATH=src python benchmarks/figures.py [OUTDIR] [--lang zh|en] [--formats png,svg]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from microcredit_risk.ledger.contract import GRADES
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.profile import default_thresholds
from microcredit_risk.stats.results import DriverModel, ModelTerm, SegmentTest, Statistics

INDUSTRY_LETTERS = list("ABCDEFGHIJKLMNOPQRST")
REGIONS = ["城关镇", "东城区", "西城区", "南郊乡", "北山镇", "河口镇", "新桥乡", "青石镇", "白沙乡", "柳林镇",
           "高新区", "开发区", "滨江街道", "龙泉镇", "金山乡"]
PRODUCTS = ["经营贷", "信用贷", "抵押贷", "农户小额贷", "创业担保贷", "惠农贷", "商户贷", "税易贷", "科创贷", "续贷通"]
GUARANTEES = ["credit", "guarantee", "mortgage", "pledge", "joint_guarantee"]


def realistic_metrics(seed: int = 7) -> tuple[Metrics, Statistics]:
    """A deterministic synthetic metrics table with the shapes the engine writes."""
    rng = np.random.default_rng(seed)
    years = [pd.Timestamp(f"{y}-12-31") for y in range(2019, 2024)]
    rec: list[dict[str, Any]] = []

    def add(metric: str, as_of: Any, value: float, dimension: str | None = None, segment: str | None = None,
            unit: str = "ratio") -> None:
        rec.append({"metric": metric, "as_of": as_of, "dimension": dimension, "segment": segment,
                    "value": value, "unit": unit})

    balance = 3.2e9
    for i, t in enumerate(years):
        balance *= 1.0 + rng.uniform(0.05, 0.15)
        ratio = 0.025 + 0.009 * i + rng.uniform(-0.002, 0.002)
        add("balance", t, balance, unit="yuan")
        add("npl_balance", t, balance * ratio, unit="yuan")
        add("npl_ratio", t, ratio)
        add("npl_count_ratio", t, ratio * 1.3)
        od = balance * ratio * rng.uniform(0.7, 1.25)
        add("overdue90_balance", t, od, unit="yuan")
        add("deviation_ratio", t, od / (balance * ratio))
        sm = 0.04 + 0.005 * i
        shares = np.array([1 - sm - ratio, sm, ratio * 0.5, ratio * 0.35, ratio * 0.15])
        for g, s in zip(GRADES, shares, strict=True):
            add("category_share", t, float(s), segment=g)
        add("top10_customer_share", t, 0.12 + 0.01 * i)
        add("top10_customer_concentration", t, 0.38 + 0.03 * i)
        add("gini", t, 0.55 + 0.01 * i, dimension="customer")
        q = np.round(np.linspace(0, 1, 21), 2)
        for qq in q:
            add("customer_lorenz", t, float(qq ** (2.6 + 0.1 * i)), dimension="customer_quantile",
                segment=f"{qq:.2f}")
        for dim, segs in (("industry", INDUSTRY_LETTERS), ("product", PRODUCTS), ("region", REGIONS),
                          ("guarantee_type", GUARANTEES)):
            w = rng.dirichlet(np.ones(len(segs)) * 0.8)
            for s, share in zip(segs, w, strict=True):
                add("balance_share", t, float(share), dim, s)
                add("npl_ratio", t, float(ratio * rng.lognormal(0, 0.6)), dim, s)
        for k in range(40):
            loans = int(rng.integers(15, 400))
            rate = ratio * 1.3 * (3.0 if k in (3, 17) else rng.lognormal(0, 0.3))
            add("loans", t, loans, "loan_officer", f"客户经理{k + 1:02d}", "count")
            add("npl_count_ratio", t, min(rate, 1.0), "loan_officer", f"客户经理{k + 1:02d}")
        for cohort in range(2015, t.year + 1):
            age = t.year - cohort
            add("vintage_default_rate", t, 0.01 * (1 + (cohort - 2015) * 0.15) * (1 - np.exp(-0.6 * age)) * 4,
                "vintage", str(cohort))
    for metric, when, scale in (("transition_share", years[-1], 1.0), ("transition_share_pooled", years[-1], 0.9)):
        for i, g0 in enumerate(GRADES[:4]):
            row = rng.dirichlet(np.r_[np.where(np.arange(5) == i, 30, 1.0 / (1 + abs(np.arange(5) - i))), 4] * scale)
            for g1, v in zip([*GRADES, "exited"], row, strict=True):
                add(metric, when, float(v), g0, g1)
    nxt = years[-1] + pd.DateOffset(years=1)
    add("projected_npl_ratio", nxt, 0.068, segment="base")
    add("projected_npl_ratio", nxt, 0.091, segment="stress")
    metrics = Metrics.concat([pd.DataFrame(rec)])
    terms = [ModelTerm(f"guarantee_type[{g}]", 0.0, float(rng.lognormal(0.3, 0.4)), 0.0, 0.0, 0.01)
             for g in GUARANTEES[1:]]
    terms += [ModelTerm(f"industry[{c}]", 0.0, float(rng.lognormal(0, 0.5)), 0.0, 0.0, 0.2) for c in "ACEFGH"]
    terms += [ModelTerm("log(amount)", 0.0, 0.82, 0.0, 0.0, 0.001), ModelTerm("renewal_flag[T.True]", 0.0, 2.4,
                                                                                0.0, 0.0, 0.0001)]
    terms = [ModelTerm(tm.term, float(np.log(tm.odds_ratio)), tm.odds_ratio, tm.odds_ratio / 1.6,
                       tm.odds_ratio * 1.6, tm.pvalue) for tm in terms]
    model = DriverModel(formula="npl ~ …", fitted=True, n=12000, events=480, terms=terms,
                        reference={"guarantee_type": "credit", "industry": "B"})
    tests = [SegmentTest("loan_officer", f"客户经理{k + 1:02d}", 100, 12, 5000, 150, 0.12, 0.03, 4.0,
                         1e-4 if k in (3, 17) else 0.5, 1e-3 if k in (3, 17) else 0.9) for k in range(40)]
    return metrics, Statistics(driver_model=model, segment_tests=tests)


def main(argv: list[str]) -> None:
    from microcredit_risk.figures import render_figures, save_figures

    args = [a for a in argv if not a.startswith("--")]
    lang = "en" if "--en" in argv else "zh"
    outdir = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="mcr-figs-"))
    metrics, stats = realistic_metrics()
    start = time.perf_counter()
    rendered = render_figures(metrics, stats, lang=lang, thresholds=default_thresholds())
    drawn = time.perf_counter()
    written = save_figures(rendered, outdir, formats=("png", "svg"), dpi=300)
    done = time.perf_counter()
    print(f"{len(written)} figures ({lang}), skipped {len(rendered.skipped)}: render {drawn - start:.2f} s, "
          f"save png+svg {done - drawn:.2f} s, total {done - start:.2f} s (target ≤ 10 s) → {outdir}")


if __name__ == "__main__":
    main(sys.argv[1:])
