"""The driver model's sample: the loan-periods at risk, from the engine, stratified past a limit.

The loan-periods are computed by the query engine (SQL in :mod:`..engine.loan_periods`) from the
two registered tables, ``ledger_rows`` and ``ledger`` (:mod:`..metrics.rows`); only they come back
to pandas, with the covariates of their t0 row. Up to ``model_sample_max`` loan-periods every one
is fitted, unweighted. Past it a stratified sample is drawn (strata: period × outcome) and each row
carries the weight stratum population / stratum sample (docs/model.md, "Sampling").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..engine import Backend
from ..engine import loan_periods as lp
from ..errors import AnalysisError
from ..ledger.contract import GRADES, NPL_GRADES, PERFORMING_GRADES
from ..snapshots import annual_dates
from .results import ModelSampling, SampleStratum

PERIOD = "period"          # fixed effect of the period (t1's year) when several periods are pooled
REQUIRED = ("as_of", "loan_id", "five_category", "balance")
_DAYS_PER_MONTH = 365.25 / 12


@dataclass
class Sample:
    """Loan-level rows at risk, their 0/1 outcome and the covariates (from the row at t0)."""

    data: pd.DataFrame
    y: np.ndarray
    periods: int                 # number of pooled periods (0 = a single snapshot)
    design: str = "single"       # "single" (NPL at the one annual snapshot) or "pooled" (NPL at t1, t0 performing)
    params: dict[str, Any] = field(default_factory=dict)   # single: as_of; pooled: periods, first, last (years)
    weights: np.ndarray | None = None        # per row, stratum population / sample; None: not sampled
    sampled: ModelSampling | None = None

    @property
    def description(self) -> str:
        """The design in one English line (report_text.toml [model_not_fitted] words it in zh and en)."""
        p = self.params
        if self.design == "single":
            return f"NPL at the single annual snapshot {p.get('as_of', '—')}"
        return (f"NPL at t1 for loans performing at t0, annual periods: {p.get('periods')}, "
                f"{p.get('first')}–{p.get('last')} pooled")


def check_columns(columns: Mapping[str, object] | pd.Index) -> None:
    """E409 when the ledger lacks a column the model's sample is made of."""
    for col in REQUIRED:
        if col not in columns:
            raise AnalysisError("E409", column=col)


def allocate(population: Mapping[tuple[int, int], int], limit: int, event_share: float) -> dict[tuple[int, int], int]:
    """Rows to keep per stratum (period k, outcome y) so that the total is at most ``limit``.

    Events (y = 1) are kept whole when they fit in ``event_share`` of the limit (or in what the
    non-events leave free); otherwise they are sampled like the non-events. Within an outcome the
    room ``B`` is shared in proportion to the strata: ``max(1, ⌊(B − S)·N_s / N⌋)`` rows, S the
    number of its strata (so every stratum keeps a row and the sum stays within ``B``), N its total.
    """
    total = {y: sum(n for (_, yy), n in population.items() if yy == y) for y in (0, 1)}
    events = min(total[1], max(int(limit * event_share), limit - total[0]))
    room = {1: events, 0: min(total[0], limit - events)}
    keep: dict[tuple[int, int], int] = {}
    for y in (0, 1):
        strata = {k: n for (k, yy), n in population.items() if yy == y and n > 0}
        if room[y] >= total[y]:
            keep.update({(k, y): n for k, n in strata.items()})
            continue
        share = max(0, room[y] - len(strata))
        keep.update({(k, y): min(n, max(1, share * n // total[y])) for k, n in strata.items()})
    return dict(sorted(keep.items()))


def _spec(backend: Backend) -> tuple[lp.LoanPeriods, list[pd.Timestamp]]:
    """The annual snapshots (their date codes and years), from the engine's few snapshot rows."""
    dates = backend.query(lp.snapshot_dates(), order_free=True)
    when = [pd.Timestamp(d) for d in dates["as_of"]]
    annual = annual_dates(when)
    code = {d: int(c) for c, d in zip(dates["date"], when, strict=True)}
    spec = lp.LoanPeriods(annual_codes=[code[d] for d in annual], years=[d.year for d in annual],
                          performing=[GRADES.index(g) for g in GRADES if g in PERFORMING_GRADES],
                          npl=[GRADES.index(g) for g in GRADES if g in NPL_GRADES])
    return spec, annual


def _sampling(spec: lp.LoanPeriods, population: Mapping[tuple[int, int], int], keep: Mapping[tuple[int, int], int],
              limit: int, seed: int) -> ModelSampling:
    strata = [SampleStratum(period=str(spec.years[k]), npl=bool(y), population=n, sample=keep[(k, y)],
                            rate=keep[(k, y)] / n, weight=n / keep[(k, y)])
              for (k, y), n in sorted(population.items()) if n > 0]
    return ModelSampling(population=sum(population.values()), sample=sum(keep.values()), limit=limit, seed=seed,
                         strata=strata)


def model_sample(backend: Backend, dtypes: Mapping[str, Any], columns: list[str],
                 thresholds: Mapping[str, float]) -> Sample:
    """Loans performing at an annual snapshot t0, matched by loan_id at the next one t1 (NPL at t1?).

    Pooled over consecutive annual periods (a ``period`` column labels t1's year). With a single
    annual snapshot: every loan with a balance there, outcome = NPL at that snapshot. Loans that
    exit before t1 (repaid, written off, sold) have no observed grade at t1 and are left out; a loan
    seen twice in one snapshot counts once, by its first row. Rows come in ledger order of t0.
    The covariates are the t0 row's ``columns`` (raw ledger columns by name, cast back to the
    ledger's ``dtypes``), plus ``term`` (months from origination to maturity) when asked for.

    More than ``model_sample_max`` loan-periods: a stratified sample (:func:`allocate`, drawn in
    the engine by md5 order), with ``weights`` and ``sampled`` set; otherwise every loan-period.
    ``dtypes`` (the ledger's column → dtype) is all this reads of the ledger in pandas.
    """
    check_columns(dtypes)
    spec, annual = _spec(backend)
    raw = [c for c in columns if c in dtypes]
    keep_cols = list(dict.fromkeys(["as_of", "loan_id", "five_category", *raw,
                                    *(["origination_date", "maturity_date"] if "term" in columns else [])]))
    counts = backend.query(lp.stratum_counts(spec), order_free=True)
    population = {(int(k), int(y)): int(n) for k, y, n in zip(counts["k"], counts["y"], counts["population"],
                                                              strict=True)}
    limit, seed = int(thresholds["model_sample_max"]), int(thresholds["model_sample_seed"])
    keep = None
    if sum(population.values()) > limit:
        keep = allocate(population, limit, float(thresholds["model_sample_event_share"]))
    rows = backend.query(lp.sample_rows(spec, keep_cols, keep, seed), order_free=True)
    data = pd.DataFrame({c: rows[f"c{i}"].astype(dtypes[c]) for i, c in enumerate(keep_cols)})
    k = rows[lp.PERIOD_CODE].to_numpy(dtype="int64")
    y = rows[lp.OUTCOME].to_numpy(dtype="float64")
    sample = Sample(data=data, y=y, periods=0)
    if keep is not None:
        sampling = _sampling(spec, population, keep, limit, seed)
        table = np.full((len(spec.years), 2), np.nan)       # weight per period k × outcome y
        for (kk, yy), n in keep.items():
            table[kk, yy] = population[(kk, yy)] / n
        sample.weights = table[k, y.astype("int64")]
        sample.sampled = sampling
    if spec.single:
        sample.params = {"as_of": annual[0].date().isoformat() if annual else "—"}
    else:
        years = pd.Index([str(d.year) for d in annual])
        sample.data = data.assign(**{PERIOD: pd.Categorical.from_codes(k, categories=years)})
        sample.periods = len(np.unique(k))
        sample.design = "pooled"
        sample.params = {"periods": sample.periods, "first": annual[0].year, "last": annual[-1].year}
    if "term" in columns and "term" not in sample.data.columns:
        days = (sample.data["maturity_date"] - sample.data["origination_date"]).dt.days
        sample.data = sample.data.assign(term=(days / _DAYS_PER_MONTH).astype("float64"))
    return sample
