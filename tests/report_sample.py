"""A hand-built finished run for the report tests (no ledger, no computation: every number written out)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from microcredit_risk.findings.records import CauseResult, Evidence, Finding, Findings, RecommendationResult
from microcredit_risk.metrics.table import Metrics, Skipped
from microcredit_risk.report.catalogue import Catalogue, MetricInfo
from microcredit_risk.report.run_folder import BankFacts, FigureRef, LedgerSummary, RunResults
from microcredit_risk.stats.results import DriverModel, Fallback, ModelTerm, SegmentTest, Statistics

EVIL = "<script>alert(1)</script>"
YEARS = ("2021-12-31", "2022-12-31", "2023-12-31")


def _rows() -> list[dict]:
    rows: list[dict] = []

    def add(metric, values, unit, dimension=None, segment=None, dates=YEARS):
        for d, v in zip(dates, values, strict=True):
            rows.append({"metric": metric, "as_of": d, "dimension": dimension, "segment": segment,
                         "value": v, "unit": unit})

    add("balance", [100_000_000.0, 120_000_000.0, 150_000_000.0], "yuan")
    add("npl_balance", [2_000_000.0, 3_600_000.0, 7_500_000.0], "yuan")
    add("npl_ratio", [0.02, 0.03, 0.05], "ratio")
    add("loans", [400, 480, 600], "count")
    add("customers", [350, 410, 500], "count")
    add("provision_coverage", [1.8, 1.6, None], "ratio")
    for grade, shares in {"normal": [0.95, 0.93, 0.90], "special_mention": [0.03, 0.04, 0.05],
                          "substandard": [0.01, 0.02, 0.03], "doubtful": [0.01, 0.01, 0.02]}.items():
        add("category_share", shares, "ratio", segment=grade)
        add("category_balance", [v * b for v, b in zip(shares, (1e8, 1.2e8, 1.5e8), strict=True)], "yuan", segment=grade)
    for bucket, bal in (("1-30", [1_000_000.0, 1_500_000.0, 2_000_000.0]), (">360", [500_000.0, 600_000.0, 3_000_000.0])):
        add("overdue_bucket_balance", bal, "yuan", segment=bucket)
        add("overdue_bucket_share", [v / b for v, b in zip(bal, (1e8, 1.2e8, 1.5e8), strict=True)], "ratio",
            segment=bucket)
    for stat, size, rate in (("mean", 250_000.0, 0.0875), ("p25", 75_000.0, 0.0772), ("median", 133_000.0, 0.0869),
                             ("p75", 283_000.0, 0.0991)):
        add("loan_size_stat", [size], "yuan", None, stat, ("2023-12-31",))
        add("loan_rate_stat", [rate], "ratio", None, stat, ("2023-12-31",))
    latest = ("2023-12-31",)
    for seg, share, npl, rc in (("C", [0.5], [0.04], [0.8]), ("F", [0.3], [0.03], [0.6]), (EVIL, [0.2], [0.1], [2.0])):
        add("balance_share", share, "ratio", "industry", seg, latest)
        add("npl_ratio", npl, "ratio", "industry", seg, latest)
        add("risk_contribution", rc, "ratio", "industry", seg, latest)
        add("balance", [share[0] * 150_000_000.0], "yuan", "industry", seg, latest)
    add("top10_customer_share", [0.18, 0.22, 0.31], "ratio")
    add("hhi", [0.30, 0.33, 0.38], "index", "industry")
    add("largest_share", [0.5], "ratio", "industry", "C", latest)
    add("gini", [0.41, 0.45, 0.52], "index", "customer")
    add("migration_rate", [0.021, 0.055], "ratio", None, "normal", YEARS[1:])
    add("normal_loans_migration_rate", [0.02, 0.05], "ratio", dates=YEARS[1:])
    # normal: 2022 rate 0.021 = 1,260,000 / (95,000,000 − 35,000,000); 2023 0.055 = 5,709,000 / (111,600,000 − 7,800,000)
    add("migration_opening", [95_000_000.0, 111_600_000.0], "yuan", None, "normal", YEARS[1:])
    add("migration_reduction", [35_000_000.0, 7_800_000.0], "yuan", None, "normal", YEARS[1:])
    add("migration_downward", [1_260_000.0, 5_709_000.0], "yuan", None, "normal", YEARS[1:])
    for g0, row in {"normal": (0.90, 0.06, 0.04), "special_mention": (0.20, 0.50, 0.30)}.items():
        for g1, v in zip(("normal", "special_mention", "exited"), row, strict=True):
            add("transition_share", [v], "ratio", g0, g1, latest)
    add("vintage_default_rate", [0.0, 0.02, 0.03], "ratio", "vintage", "2021")
    add("vintage_default_rate", [0.01, 0.05], "ratio", "vintage", "2022", YEARS[1:])
    add("vintage_loans", [300, 320, 330], "count", "vintage", "2021")
    add("vintage_loans", [150, 160], "count", "vintage", "2022", YEARS[1:])
    add("npl_trend_slope", [0.015], "ratio", dates=latest)
    add("npl_trend_pvalue", [0.0123], "pvalue", dates=latest)
    add("projected_npl_ratio", [0.062], "ratio", None, "base", ("2024-12-31",))
    add("projected_npl_ratio", [0.081], "ratio", None, "stress", ("2024-12-31",))
    return rows


def make_findings() -> Findings:
    rising = Finding(
        code="NPL_RISING", severity="high", title="不良贷款率持续上升", as_of="2023-12-31",
        evidence=[Evidence("npl_ratio", "2021-12-31", 0.02),
                  Evidence("npl_ratio", "2023-12-31", 0.05, threshold=0.01, threshold_name="npl_rise_pp")],
        causes=["C_POST_LOAN", "C_STAFF", "C_FIRM_WEAKNESS"])
    hotspot = Finding(
        code="INDUSTRY_HOTSPOT", severity="medium", title="行业风险热点", as_of="2023-12-31",
        dimension="industry", segment=EVIL,
        evidence=[Evidence("npl_ratio", "2023-12-31", 0.1, threshold=0.08, threshold_name="hotspot_factor",
                           dimension="industry", segment=EVIL)],
        causes=["C_SECTOR_RISK"])
    conc = Finding(
        code="CUSTOMER_CONCENTRATION", severity="low", title="客户集中度偏高", as_of="2023-12-31",
        evidence=[Evidence("top10_customer_share", "2023-12-31", 0.31, threshold=0.25, threshold_name="top10_share_max")],
        causes=["C_CREDIT_STRUCTURE"])
    causes = [
        CauseResult("C_SECTOR_RISK", "supported", "风险集中于特定行业", ["INDUSTRY_HOTSPOT"], hotspot.evidence),
        CauseResult("C_CREDIT_STRUCTURE", "supported", "信贷投向过度集中", ["CUSTOMER_CONCENTRATION"], conc.evidence),
        CauseResult("C_FIRM_WEAKNESS", "untested", "小微企业自身经营脆弱", verify="抽查不良客户的财务报表"),
        CauseResult("C_POST_LOAN", "untested", "贷后管理未能及早发现风险信号", verify="查阅贷后检查记录"),
        CauseResult("C_STAFF", "contradicted", "部分客户经理的能力或激励存在问题",
                    evidence=[Evidence("fisher_padj", "2023-12-31", 0.62, dimension="loan_officer", segment="o1")]),
    ]
    recs = [
        RecommendationResult("R_SECTOR_ACCESS", "C_SECTOR_RISK", "pre_loan", f"对 {EVIL} 实行差异化准入", hotspot.evidence),
        RecommendationResult("R_CREDIT_LIMITS", "C_CREDIT_STRUCTURE", "pre_loan", "设定并执行集中度限额", conc.evidence),
        RecommendationResult("R_EARLY_WARNING", "C_POST_LOAN", "post_loan", "建立贷后预警清单", [], conditional=True),
    ]
    return Findings(items=[conc, rising, hotspot],
                    not_run=[Skipped("OFFICER_OUTLIERS", "column loan_officer", "the ledger has no loan_officer column",
                                     "column", {"column": "loan_officer"})],
                    causes=causes, recommendations=recs,
                    states={"NPL_RISING": "fired", "INDUSTRY_HOTSPOT": "fired", "CUSTOMER_CONCENTRATION": "fired",
                            "OFFICER_OUTLIERS": "unknown"})


def make_statistics() -> Statistics:
    model = DriverModel(
        formula="npl ~ C(guarantee_type) + log(amount) + interest_rate", fitted=True, method="logit",
        n=1000, events=48, pseudo_r2=0.112, auc=0.731, ks=0.352,
        terms=[ModelTerm("guarantee_type[credit]", 0.81, 2.2479, 1.31, 3.86, 0.0031),
               ModelTerm("log(amount)", -0.12, 0.8869, 0.71, 1.11, 0.294),
               ModelTerm("interest_rate", 0.085, 1.0887, 1.0193, 1.1628, 0.0004, scale=100.0, unit="pp")],
        reference={"guarantee_type": "mortgage"},
        fallbacks=[Fallback("merged_levels", "rare levels of guarantee_type merged into 'other': bill, " + EVIL,
                            {"factor": "guarantee_type", "levels": ["bill", EVIL], "into": "other"}),
                   Fallback("rows_left_out", "7 rows with a missing or non-positive numeric value left out",
                            {"count": 7})])
    test = SegmentTest("industry", EVIL, 120, 12, 480, 18, 0.1, 0.0375, 2.85, 0.004, 0.012)
    return Statistics(driver_model=model, segment_tests=[test])


def make_catalogue() -> Catalogue:
    """Families, formulas and limits; every name a reader sees comes from data/vocabulary.toml."""
    def m(name, family, formula, threshold=None):
        return MetricInfo(name, family, formula, threshold, "max" if threshold else None)

    metrics = [
        m("balance", "portfolio", "Σ balance"),
        m("loans", "portfolio", "number of loans"),
        m("customers", "portfolio", "distinct customer_id"),
        m("npl_balance", "asset_quality", "Σ balance of NPL loans"),
        m("npl_ratio", "asset_quality", "npl_balance / balance", "npl_ratio_max"),
        m("category_share", "asset_quality", "grade balance / balance"),
        m("category_balance", "asset_quality", "Σ balance of one grade"),
        m("overdue_bucket_balance", "asset_quality", "Σ balance by days past due"),
        m("overdue_bucket_share", "asset_quality", "overdue_bucket_balance / balance"),
        m("loan_size_stat", "portfolio", "mean and quartiles of amount"),
        m("loan_rate_stat", "portfolio", "mean and quartiles of interest_rate"),
        m("migration_opening", "migration", "Σ balance(t0) of the grade"),
        m("migration_reduction", "migration", "Σ fall in balance(t0)"),
        m("migration_downward", "migration", "Σ balance(t1) moved down"),
        m("vintage_loans", "vintage", "loans of the cohort"),
        m("provision_coverage", "provisions", "Σ provision / npl_balance"),
        m("top10_customer_share", "concentration", "ten largest / balance", "top10_share_max"),
        m("hhi", "concentration", "Σ s²"),
        m("gini", "concentration", "2·Σ i·x / (n·Σ x) − (n+1)/n"),
        m("largest_share", "concentration", "largest segment / balance"),
        m("migration_rate", "migration", "downward / (opening − reduction)"),
        m("normal_loans_migration_rate", "migration", "performing → NPL / performing", "migration_normal_max"),
        m("transition_share", "migration", "balance-weighted"),
        m("vintage_default_rate", "vintage", "NPL share of cohort"),
        m("npl_trend_slope", "statistics", "OLS slope"),
        m("npl_trend_pvalue", "statistics", "OLS p-value"),
        m("projected_npl_ratio", "statistics", "grades × matrix"),
        m("balance_share", "structure", "segment / portfolio"),
        m("risk_contribution", "structure", "npl_share / balance_share"),
    ]
    return Catalogue(
        metrics={x.name: x for x in metrics},
        families=["portfolio", "asset_quality", "provisions", "structure", "concentration", "migration", "vintage",
                  "statistics"])


THRESHOLDS = {"npl_ratio_max": 0.05, "npl_rise_pp": 0.01, "top10_share_max": 0.25, "hotspot_alpha": 0.05,
              "migration_normal_max": 0.04, "floor_days_special_mention": 1, "floor_days_substandard": 91,
              "floor_days_doubtful": 271, "floor_days_loss": 361}


def write_pngs(folder: Path) -> None:
    """Two tiny figures (matplotlib Agg, fixed metadata so the bytes are stable)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (folder / "figures").mkdir(parents=True, exist_ok=True)
    for name, title, ys in (("npl_trend", "NPL ratio", [2, 3, 5]), ("vintage", "Vintages", [1, 4, 2])):
        fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
        ax.plot([2021, 2022, 2023], ys)
        ax.set_title(title)
        fig.savefig(folder / "figures" / f"{name}.png", metadata={"Title": title, "Software": None})
        plt.close(fig)


def make_run(folder: Path) -> RunResults:
    write_pngs(folder)
    metrics = Metrics.concat([pd.DataFrame(_rows())],
                             [Skipped("single_customer_concentration", "profile bank.net_capital[2023]",
                                      "ratios to net capital need the bank's net capital for that year", "profile_years",
                                      {"fact": "net_capital", "years": [2023]})])
    ledger = LedgerSummary(
        files=["ledger.xlsx"], rows=1480, snapshots=list(YEARS),
        sources=[{"file": "ledger.xlsx", "sheet": f"{y[:4]}年末", "header_row": 2, "rows": r, "as_of_from": "sheet name"}
                 for y, r in zip(YEARS, (400, 480, 600), strict=True)],
        matches=[{"source": "ledger.xlsx › 2023年末", "header": "贷款余额", "canonical": "balance", "how": "alias",
                  "unit_scale": 1.0},
                 {"source": "ledger.xlsx › 2022年末", "header": "贷款余额", "canonical": "balance", "how": "alias",
                  "unit_scale": 1.0},
                 {"source": "ledger.xlsx › 2023年末", "header": "所属行业", "canonical": "industry", "how": "alias",
                  "unit_scale": 1.0},
                 {"source": "ledger.xlsx › 2023年末", "header": "备注", "canonical": None, "how": "extra",
                  "unit_scale": 1.0}],
        issues=[{"code": "W010", "name": "grade_floor_breach", "level": "warning", "count": 3,
                 "message": "3 行五级分类优于逾期底线", "file": "ledger.xlsx", "sheet": "2023年末",
                 "column": "five_category", "rows": [5, 9, 12]}])
    figures = [FigureRef("npl_trend", "不良贷款率趋势", "figures/npl_trend.png"),
               FigureRef("vintage", "发放年度不良率", "figures/vintage.png")]
    return RunResults(ledger=ledger, metrics=metrics, findings=make_findings(), statistics=make_statistics(),
                      figures=figures, bank=BankFacts(name="示例村镇银行", kind="village_bank"),
                      thresholds=dict(THRESHOLDS), lang="zh", base_dir=folder)


def deobfuscate(data: bytes, key: str) -> bytes:
    """An embedded .docx font back to plain OpenType (written from the standard, not from our code)."""
    digits = key.strip("{}").replace("-", "")
    k = bytes.fromhex(digits)[::-1]                      # ECMA-376 Part 1 §17.8.1: bytes in reverse order
    return bytes(b ^ k[i % 16] for i, b in enumerate(data[:32])) + data[32:]
