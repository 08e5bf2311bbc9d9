"""Result types of the statistics stage (shared contract with figures, findings and the report).

Scalar statistics that belong in the tidy table (npl_trend_slope, npl_trend_pvalue,
projected_npl_ratio base/stress) are returned as a :class:`~microcredit_risk.metrics.table.Metrics`
part; the richer objects below carry what a table row cannot (model terms, test tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..metrics.table import Metrics, Skipped


@dataclass(frozen=True)
class ModelTerm:
    term: str                 # e.g. "guarantee_type[credit]" (reference level named in DriverModel.reference)
    coef: float
    odds_ratio: float
    ci_low: float             # 95% CI of the odds ratio
    ci_high: float
    pvalue: float | None


@dataclass
class DriverModel:
    """The loan-level logistic default-driver model (models.json)."""

    formula: str
    fitted: bool
    reason: str | None = None          # why it did not fit, or which fallback was used (one line)
    method: str = "logit"              # "logit", "penalised logit", …
    n: int = 0
    events: int = 0
    pseudo_r2: float | None = None
    auc: float | None = None
    ks: float | None = None
    terms: list[ModelTerm] = field(default_factory=list)
    reference: dict[str, str] = field(default_factory=dict)   # factor → reference level
    merged_levels: dict[str, list[str]] = field(default_factory=dict)  # factor → rare levels merged


@dataclass(frozen=True)
class SegmentTest:
    """One segment against the rest of the portfolio (one-sided Fisher, BH-adjusted within dimension)."""

    dimension: str
    segment: str
    loans: int
    npl_loans: int
    rest_loans: int
    rest_npl_loans: int
    npl_count_ratio: float
    rest_npl_count_ratio: float
    odds_ratio: float | None
    pvalue: float
    padj: float


@dataclass(frozen=True)
class ChiSquareTest:
    dimension: str
    statistic: float
    dof: int
    pvalue: float
    as_of: str


@dataclass
class Statistics:
    """Everything the statistics stage produced."""

    metrics: Metrics = field(default_factory=Metrics)            # rows for the tidy table
    driver_model: DriverModel | None = None
    segment_tests: list[SegmentTest] = field(default_factory=list)
    chi_square: list[ChiSquareTest] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
