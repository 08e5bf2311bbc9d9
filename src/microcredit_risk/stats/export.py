"""models.json and the readable model summary (`mcr model`). Deterministic, no NaN in JSON."""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import asdict
from typing import Any

from .results import DriverModel, ModelSampling, ModelTerm, Statistics

SCHEMA = "mcr.models/1"


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf → None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _term_record(term: ModelTerm) -> dict[str, Any]:
    """One term of models.json: its name, how it reads (``interest_rate (per pp)``), its scale, the fit."""
    record = asdict(term)
    return {"term": record.pop("term"), "label": term.label, "scale": record.pop("scale"),
            "unit": record.pop("unit"), **record}


def driver_model_dict(model: DriverModel) -> dict[str, Any]:
    """The model's record; ``sampled`` only when it was fitted on a sample, ``reason_kind`` and
    ``reason_params`` only when it did not fit (so a fitted, unsampled model's record is what it was
    before either existed)."""
    record = asdict(model)
    record["terms"] = [_term_record(t) for t in model.terms]
    if record["sampled"] is None:
        del record["sampled"]
    if record["reason_kind"] is None:
        del record["reason_kind"], record["reason_params"]
    return record


def models_dict(stats: Statistics) -> dict[str, Any]:
    return _clean({
        "schema": SCHEMA,
        "driver_model": driver_model_dict(stats.driver_model) if stats.driver_model is not None else None,
        "segment_tests": [asdict(t) for t in stats.segment_tests],
        "chi_square": [asdict(t) for t in stats.chi_square],
        "metrics": stats.metrics.to_records(),
        "skipped": [s.to_json_obj() for s in stats.skipped],
    })


def models_json(stats: Statistics) -> str:
    """models.json: the driver model, segment tests, χ² tests, statistics rows, skipped analyses."""
    return json.dumps(models_dict(stats), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _num(v: float | None, fmt: str = ".4f") -> str:
    if v is None or not math.isfinite(v):
        return "—"
    if fmt == "p":
        return "<0.0001" if v < 1e-4 else f"{v:.4f}"
    if fmt == "or" and (abs(v) >= 1e5 or (v != 0 and abs(v) < 1e-3)):
        return f"{v:.3g}"
    return format(v, ".4f" if fmt in ("or", "p") else fmt)


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def driver_model_text(model: DriverModel) -> str:
    """A statsmodels-like summary for people; rescaled terms read ``interest_rate (per pp)``."""
    lines = ["Default-driver model (logistic regression)", f"formula:    {model.formula}",
             f"method:     {model.method}", f"fitted:     {'yes' if model.fitted else 'no'}"]
    if model.reason:
        lines.append(f"reason:     {model.reason}")
    lines += [f"fallback:   {f.reason}" for f in model.fallbacks]
    lines.append(f"n = {model.n}   events = {model.events}   pseudo-R² (McFadden) = {_num(model.pseudo_r2)}   "
                 f"AUC = {_num(model.auc)}   KS = {_num(model.ks)}")
    lines += _sampling_lines(model.sampled)
    if model.terms:
        width = max(_width("term"), *(_width(t.label) for t in model.terms))
        head = f"{_pad('term', width)}  {'coef':>9}  {'odds ratio':>10}  {'95% CI of OR':>23}  {'p':>8}"
        lines += ["", head, "-" * len(head)]
        for t in model.terms:
            ci = f"[{_num(t.ci_low, 'or')}, {_num(t.ci_high, 'or')}]"
            lines.append(f"{_pad(t.label, width)}  {t.coef:>9.4f}  {_num(t.odds_ratio, 'or'):>10}  {ci:>23}  "
                         f"{_num(t.pvalue, 'p'):>8}")
    if model.reference:
        lines += ["", "reference levels: " + ", ".join(f"{k} = {v}" for k, v in sorted(model.reference.items()))]
    if any(t.unit for t in model.terms):
        lines.append("(per pp): a rate held as a fraction entered in percentage points (scale 100)")
    return "\n".join(lines) + "\n"


def _sampling_lines(sampled: ModelSampling | None) -> list[str]:
    """How the sample was drawn, one line per stratum (nothing when every loan-period was fitted)."""
    if sampled is None:
        return []
    lines = [f"sample:     stratified (period × outcome), {sampled.sample} of {sampled.population} loan-periods "
             f"(model_sample_max {sampled.limit}), weighted by stratum population / sample; robust (sandwich) SEs"]
    lines += [f"  period {s.period}  {'NPL    ' if s.npl else 'not NPL'}  {s.sample:>10} of {s.population:>10}  "
              f"rate {s.rate:.4f}  weight {s.weight:.4f}" for s in sampled.strata]
    return lines
