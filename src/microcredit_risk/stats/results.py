"""Result types of the statistics stage (shared contract with figures, findings and the report).

Scalar statistics that belong in the tidy table (npl_trend_slope, npl_trend_pvalue,
projected_npl_ratio base/stress) are returned as a :class:`~microcredit_risk.metrics.table.Metrics`
part; the richer objects below carry what a table row cannot (model terms, test tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..metrics.table import Metrics, Skipped

PER_PP = "pp"   # ModelTerm.unit of a fraction that entered the model in percentage points (scale 100)


@dataclass(frozen=True)
class ModelTerm:
    term: str                 # e.g. "guarantee_type[credit]" (reference level named in DriverModel.reference)
    coef: float
    odds_ratio: float
    ci_low: float             # 95% CI of the odds ratio
    ci_high: float
    pvalue: float | None
    scale: float = 1.0        # the ledger's value was multiplied by this before it entered (1 = as held)
    unit: str | None = None   # "pp" (per percentage point) when a fraction was scaled by 100; else None

    @property
    def label(self) -> str:
        """The term as printed: ``interest_rate (per pp)`` when it was rescaled, else its name."""
        return f"{self.term} (per pp)" if self.unit == PER_PP else self.term


@dataclass(frozen=True)
class Fallback:
    """Something the fit did other than a plain logit on every row and level, and why.

    ``kind`` is a stable code (the report words it in zh and en from ``report_text.toml``
    [model_fallbacks]); ``params`` fills that text; ``reason`` is the same in one English sentence.
    """

    kind: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


# Fallback.kind values (params in brackets), in the order a fit meets them
FALLBACK_KINDS = (
    "merged_levels",             # rare levels of a factor merged into "other" (factor, levels)
    "term_single_level",         # a factor left with one level after merging: left out (term)
    "term_no_value",             # a numeric term without one usable value: left out (term)
    "rows_left_out",             # rows with a missing or non-positive numeric value (count)
    "collinear_dropped",         # columns that are linear combinations of earlier ones (terms)
    "firth_separation",          # Firth fit: all or none NPL in these levels (terms)
    "firth_few_events",          # Firth fit: fewer events than parameters (events, parameters)
    "firth_perfect_separation",  # Firth fit: statsmodels found perfect separation
    "firth_not_converged",       # Firth fit: maximum likelihood did not converge
    "firth_diverged",            # Firth fit: maximum-likelihood coefficients diverge
    "firth_ml_error",            # Firth fit: maximum likelihood failed (error)
    "not_converged",             # the fit used stopped before converging
)


# DriverModel.reason_kind values: why the model did not fit (reason_params in brackets); the report
# words them from report_text.toml [model_not_fitted]
NOT_FITTED_KINDS = (
    "no_driver_column",   # none of the default model's drivers holds a value (columns)
    "no_loan_single",     # no loan to model at the single annual snapshot (as_of)
    "no_loan_pooled",     # no loan performing at t0 and seen at t1 (periods, first, last)
    "few_events",         # too few loans became NPL (k, n, minimum)
    "few_non_events",     # too few loans stayed performing (k, n, minimum)
    "fit_failed",         # the maximum-likelihood fit and the Firth fit both failed (cause, cause_reason, cause_params:
                          # the Fallback that sent it to Firth); DriverModel.fallbacks has the rest
)


@dataclass(frozen=True)
class SampleStratum:
    """One stratum of the driver model's sample: a period and an outcome."""

    period: str               # the year of t1 ("2023"); with a single snapshot, that snapshot's year
    npl: bool                 # the outcome of the stratum: NPL at t1 or not
    population: int           # loan-periods in the stratum
    sample: int               # of which in the sample
    rate: float               # sample / population
    weight: float             # population / sample: the weight of each of its rows in the fit


@dataclass(frozen=True)
class ModelSampling:
    """How the driver model was fitted on a stratified sample (more loan-periods than ``limit``).

    Strata are period × outcome; every loan-period of a stratum carries the weight population /
    sample, so the weights of a stratum add up to its population. See docs/model.md, "Sampling".
    """

    population: int           # loan-periods in all
    sample: int               # loan-periods fitted
    limit: int                # model_sample_max
    seed: int                 # model_sample_seed: the draw is md5(loan_id | year | seed) order
    strata: list[SampleStratum] = field(default_factory=list)

    def rate(self, npl: bool) -> float:
        """The sampling rate of one outcome, over every period."""
        pop = sum(s.population for s in self.strata if s.npl == npl)
        return sum(s.sample for s in self.strata if s.npl == npl) / pop if pop else 1.0


@dataclass
class DriverModel:
    """The loan-level logistic default-driver model (models.json)."""

    formula: str
    fitted: bool
    reason: str | None = None          # why it did not fit (one line, English); None when fitted
    method: str = "logit"              # "logit", "penalised logit", …
    n: int = 0
    events: int = 0
    pseudo_r2: float | None = None
    auc: float | None = None
    ks: float | None = None
    terms: list[ModelTerm] = field(default_factory=list)
    reference: dict[str, str] = field(default_factory=dict)   # factor → reference level
    fallbacks: list[Fallback] = field(default_factory=list)   # what the fit did instead, and why
    sampled: ModelSampling | None = None   # the stratified sample fitted (None: every loan-period)
    reason_kind: str | None = None     # why it did not fit, as a code (NOT_FITTED_KINDS); None when fitted
    reason_params: dict[str, Any] = field(default_factory=dict)   # the values reason_kind's words take

    def not_fitted(self, kind: str, reason: str, **params: Any) -> DriverModel:
        """Mark the model as not fitted, and why (a NOT_FITTED_KINDS code, its English line, its values)."""
        self.fitted, self.reason, self.reason_kind, self.reason_params = False, reason, kind, dict(params)
        return self


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
