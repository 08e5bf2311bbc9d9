"""Section 7: trend test, default-driver model, segment tests, projection (read, never re-fitted)."""

from __future__ import annotations

import math
import re
from typing import Any

from .. import vocabulary as vocab
from ..errors import MCRError
from ..metrics.skipped_text import column_heading
from ..stats.formula import read_terms
from ..stats.results import PER_PP, DriverModel, Fallback, ModelTerm
from .blocks import Bullets, Heading, Line, Paragraph, Ref, Section
from .builder import Builder

_BIG_ODDS = 1e5
# a patsy term: "C(industry)[T.C]", "industry[C]", "log(amount)", "term"
_TERM = re.compile(r"^(?:C\()?(?P<factor>[A-Za-z_][\w()]*?)\)?(?:\[(?:T\.)?(?P<level>.*)\])?$")


def factor_label(b: Builder, factor: str) -> str:
    """A model variable in words: vocabulary.toml [terms], else a dimension's name, else as is."""
    return vocab.term_label(factor, b.lang)


def model_terms(b: Builder, formula: str) -> str:
    """The right side of the driver model's formula in words: "担保方式、行业、贷款金额（对数）…"."""
    words = []
    for term in read_terms(formula):
        if term.kind == "log" and not vocab.is_term(term.name):
            words.append(b.texts.get("sentences.model_log_term", term=factor_label(b, term.column)))
        else:
            words.append(factor_label(b, term.name))
    return b.texts.get("sentences.name_sep").join(vocab.in_sentence(w, b.lang) for w in words)


def term_label(b: Builder, term: str, unit: str | None = None) -> str:
    """"industry[C]" → "行业：制造业"; "log(amount)" → "贷款金额（对数）"; a rate in pp → "执行利率（每个百分点）"."""
    m = None if vocab.is_term(term) else _TERM.match(term)
    if m is None:
        label = factor_label(b, term) if vocab.is_term(term) else term
    elif m["level"] is None:
        label = factor_label(b, m["factor"])
    else:
        label = b.texts.get("sentences.where", dimension=factor_label(b, m["factor"]),
                            segment=b.segment_label(m["factor"], m["level"]))
    return b.texts.get("sentences.model_term_per_pp", term=label) if unit == PER_PP else label


def fallback_text(b: Builder, fallback: Fallback) -> str:
    """One fallback of the fit in the report's language, its variables and levels in words."""
    sep = b.texts.get("sentences.list_sep")
    params: dict[str, Any] = dict(fallback.params)
    if "factor" in params:
        factor = str(params["factor"])
        params["levels"] = sep.join(b.segment_label(factor, str(v)) for v in params.get("levels", []))
        params["into"] = b.segment_label(factor, str(params.get("into", "")))
        params["factor"] = factor_label(b, factor)
    if "term" in params:
        params["term"] = term_label(b, str(params["term"]))
    if "terms" in params:
        params["terms"] = sep.join(term_label(b, str(x)) for x in params["terms"])
    if "count" in params:
        params["count"] = b.fmt.count(params["count"])
    try:
        return b.texts.get(f"model_fallbacks.{fallback.kind}", **params)
    except (MCRError, KeyError, IndexError):   # a kind or parameter this version does not know: its English reason
        return fallback.reason


def not_fitted_text(b: Builder, dm: DriverModel) -> str:
    """Why the model did not fit, in the report's language (its English ``reason`` for a model saved
    before reasons had kinds, or with a kind this version does not know)."""
    if not dm.reason_kind:
        return dm.reason or b.fmt.missing
    p: dict[str, Any] = dict(dm.reason_params)
    sep = b.texts.get("sentences.name_sep")
    for key in ("k", "n", "minimum", "periods"):
        if key in p:
            p[key] = b.fmt.count(p[key])
    if "as_of" in p:
        p["as_of"] = b.fmt.date(p["as_of"])
    if "columns" in p:
        p["columns"] = sep.join(vocab.in_sentence(column_heading(str(c), b.lang), b.lang) for c in p["columns"])
    if "cause" in p:
        p["cause"] = fallback_text(b, Fallback(str(p["cause"]), str(p.get("cause_reason", "")),
                                               dict(p.get("cause_params") or {})))
    try:
        text = b.texts.get(f"model_not_fitted.{dm.reason_kind}", **p)
    except (MCRError, KeyError, IndexError):   # a kind or parameter this version does not know
        return dm.reason or b.fmt.missing
    if dm.reason_kind == "fit_failed" and dm.fallbacks:
        text = b.texts.get("sentences.list_sep").join([text, *(fallback_text(b, f) for f in dm.fallbacks)])
    return text


def model_blocks(b: Builder, terms: list[ModelTerm], fallbacks: list[Fallback]) -> list[Paragraph | Bullets]:
    """The notes under the model table: which terms are in pp, and where the fit fell back."""
    blocks: list[Paragraph | Bullets] = []
    if any(t.unit == PER_PP for t in terms):
        blocks.append(Paragraph(b.texts.get("sentences.model_per_pp")))
    if fallbacks:
        blocks.append(Paragraph(b.texts.get("sentences.model_fallbacks")))
        blocks.append(Bullets(items=[Line(text=fallback_text(b, f)) for f in fallbacks]))
    return blocks


def sampling_blocks(b: Builder, dm: DriverModel, method: bool = False) -> list[Paragraph]:
    """The sentence saying the model was fitted on a weighted stratified sample (none when it was
    not); ``method``: the sentence on how the sample was drawn, for the methodology section."""
    s = dm.sampled
    if s is None:
        return []
    f = b.fmt
    if method:
        return [Paragraph(b.texts.get("sentences.model_sample_method", seed=str(s.seed)))]
    return [Paragraph(b.texts.get("sentences.model_sampled", population=f.count(s.population), limit=f.count(s.limit),
                                  sample=f.count(s.sample), event_rate=f.pct(s.rate(True)),
                                  other_rate=f.pct(s.rate(False))))]


def _odds(b: Builder, value: float | None) -> str:
    """An odds ratio to two decimals; from 100,000 up in three significant digits (a rate per 1.0, a
    near-separated level), so that a column of odds ratios stays readable."""
    if value is not None and math.isfinite(value) and abs(value) >= _BIG_ODDS:
        return f"{value:.3g}"
    return b.fmt.number(value, 2)


def statistics_section(b: Builder) -> Section:
    sec = b.section("statistics")
    t, f = b.texts, b.fmt
    alpha = b.run.thresholds.get("hotspot_alpha")
    stats = b.run.statistics

    sec.blocks.append(Heading(id="sec-statistics-trend", title=t.get("sections.statistics.trend")))
    slope_dates = b.annual("npl_trend_slope")
    if slope_dates:
        when = slope_dates[-1]
        slope, p = b.value("npl_trend_slope", when), b.value("npl_trend_pvalue", when)
        if p is not None and alpha is not None:
            key = "labels.significant" if p < alpha else "labels.not_significant"
            verdict = t.get(key, alpha=f.number(alpha, 2))
        else:
            verdict = f.missing
        sec.blocks.append(Paragraph(t.get("sentences.trend", slope=f.pp(slope), pvalue=f.pvalue(p), verdict=verdict)))
        ref = Ref(label=t.get("sections.statistics.trend"), href="#sec-statistics-trend")
        for m in ("npl_trend_slope", "npl_trend_pvalue"):
            b.anchors.setdefault((m, None), ref)
    else:
        sec.blocks.append(Paragraph(t.get("sentences.trend_none")))

    sec.blocks.append(Heading(id="sec-statistics-model", title=t.get("sections.statistics.model")))
    dm = stats.driver_model
    if dm is None:
        sec.blocks.append(Paragraph(t.get("sentences.model_none")))
    elif not dm.fitted:
        sec.blocks.append(Paragraph(t.get("sentences.model_not_fitted", reason=not_fitted_text(b, dm))))
    else:
        method = t.opt(f"model_methods.{dm.method}", dm.method)
        sec.blocks.append(Paragraph(t.get("sentences.model_fit", method=method, n=f.count(dm.n),
                                          events=f.count(dm.events), auc=f.number(dm.auc, 3), ks=f.number(dm.ks, 3),
                                          r2=f.number(dm.pseudo_r2, 3))))
        sec.blocks.extend(sampling_blocks(b, dm))
        if dm.formula:
            sec.blocks.append(Paragraph(t.get("sentences.model_variables", terms=model_terms(b, dm.formula))))
        if dm.reference:
            items = t.get("sentences.list_sep").join(
                t.get("sentences.where", dimension=factor_label(b, k), segment=b.segment_label(k, str(v)))
                for k, v in sorted(dm.reference.items()))
            sec.blocks.append(Paragraph(t.get("sentences.model_reference", items=items)))
        rows = [[term_label(b, term.term, term.unit), f.number(term.coef, 3), _odds(b, term.odds_ratio),
                 f"{_odds(b, term.ci_low)} – {_odds(b, term.ci_high)}", f.pvalue(term.pvalue)]
                for term in dm.terms]
        h = t.get
        sec.blocks.append(b.table(h("captions.model"), [h("headers.term"), h("headers.coef"), h("headers.odds_ratio"),
                                                        h("headers.ci"), h("headers.pvalue")],
                                  rows, [False, True, True, True, True], shows=[("driver_model", None)]))
        sec.blocks.extend(model_blocks(b, dm.terms, dm.fallbacks))

    if stats.segment_tests or stats.chi_square:
        sec.blocks.append(Heading(id="sec-statistics-segments", title=t.get("sections.statistics.segments")))
    if stats.segment_tests:
        h = t.get
        tests = sorted(stats.segment_tests, key=lambda x: (x.padj, x.dimension, x.segment))
        rows = [[b.cat.dimension(x.dimension, b.lang), b.segment_label(x.dimension, x.segment), f.count(x.loans), f.count(x.npl_loans),
                 f.pct(x.npl_count_ratio), f.pct(x.rest_npl_count_ratio), f.number(x.odds_ratio, 2),
                 f.pvalue(x.pvalue), f.pvalue(x.padj)] for x in tests]
        sec.blocks.append(b.table(h("captions.segment_tests"),
                                  [h("headers.dimension"), h("headers.segment"), h("headers.loans"), h("headers.npl_loans"),
                                   b.label("npl_count_ratio"), b.label("npl_count_ratio_rest"), h("headers.odds_ratio"),
                                   h("headers.pvalue"), h("headers.padj")],
                                  rows, [False, False] + [True] * 7, shows=[("segment_test", None)]))
    if stats.chi_square:
        h = t.get
        rows = [[b.cat.dimension(x.dimension, b.lang), f.date(x.as_of), f.number(x.statistic, 2), f.count(x.dof),
                 f.pvalue(x.pvalue)] for x in stats.chi_square]
        sec.blocks.append(b.table(h("captions.chi_square"), [h("headers.dimension"), h("headers.as_of"),
                                                             h("headers.statistic"), h("headers.dof"), h("headers.pvalue")],
                                  rows, [False, True, True, True, True]))

    proj = b.rows("projected_npl_ratio")
    if not proj.empty:
        sec.blocks.append(Heading(id="sec-statistics-projection", title=t.get("sections.statistics.projection")))
        when = proj["as_of"].max()
        base, stress = b.value("projected_npl_ratio", when, None, "base"), b.value("projected_npl_ratio", when, None, "stress")
        latest = b.latest()
        actual = b.value("npl_ratio", latest) if latest is not None else None
        sec.blocks.append(Paragraph(t.get("sentences.projection", base=f.pct(base), stress=f.pct(stress),
                                          latest=f.pct(actual))))
        rows = [[t.get("sentences.latest"), f.date(latest), f.pct(actual)],
                [t.get("sentences.base"), f.date(when), f.pct(base)],
                [t.get("sentences.stress"), f.date(when), f.pct(stress)]]
        sec.blocks.append(b.table(t.get("captions.projection"),
                                  [t.get("headers.item"), t.get("headers.as_of"), b.label("npl_ratio")],
                                  rows, [False, True, True], shows=[("projected_npl_ratio", None)]))
    sec.blocks.extend(b.figures_for("statistics"))
    return sec

