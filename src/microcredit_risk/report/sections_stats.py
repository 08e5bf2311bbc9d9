"""Section 7: trend test, default-driver model, segment tests, projection (read, never re-fitted)."""

from __future__ import annotations

import re

from .. import vocabulary as vocab
from .blocks import Heading, Paragraph, Ref, Section
from .builder import Builder

# a patsy term: "C(industry)[T.C]", "industry[C]", "log(amount)", "term"
_TERM = re.compile(r"^(?:C\()?(?P<factor>[A-Za-z_][\w()]*?)\)?(?:\[(?:T\.)?(?P<level>.*)\])?$")


def factor_label(b: Builder, factor: str) -> str:
    """A model variable in words: vocabulary.toml [terms], else a dimension's name, else as is."""
    return vocab.term_label(factor, b.lang)


def term_label(b: Builder, term: str) -> str:
    """"industry[C]" → "行业：制造业"; "log(amount)" → "贷款金额（对数）"."""
    m = None if vocab.is_term(term) else _TERM.match(term)
    if m is None:
        if vocab.is_term(term):
            return factor_label(b, term)
        return term
    if m["level"] is None:
        return factor_label(b, m["factor"])
    return b.texts.get("sentences.where", dimension=factor_label(b, m["factor"]),
                       segment=b.segment_label(m["factor"], m["level"]))


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
        sec.blocks.append(Paragraph(t.get("sentences.model_not_fitted", reason=dm.reason or f.missing)))
    else:
        sec.blocks.append(Paragraph(t.get("sentences.model_fit", method=dm.method, n=f.count(dm.n),
                                          events=f.count(dm.events), auc=f.number(dm.auc, 3), ks=f.number(dm.ks, 3),
                                          r2=f.number(dm.pseudo_r2, 3))))
        if dm.formula:
            sec.blocks.append(Paragraph(t.get("sentences.model_formula", formula=dm.formula)))
        if dm.reference:
            items = t.get("sentences.list_sep").join(
                t.get("sentences.where", dimension=factor_label(b, k), segment=b.segment_label(k, str(v)))
                for k, v in sorted(dm.reference.items()))
            sec.blocks.append(Paragraph(t.get("sentences.model_reference", items=items)))
        rows = [[term_label(b, term.term), f.number(term.coef, 3), f.number(term.odds_ratio, 2),
                 f"{f.number(term.ci_low, 2)} – {f.number(term.ci_high, 2)}", f.pvalue(term.pvalue)]
                for term in dm.terms]
        h = t.get
        sec.blocks.append(b.table(h("captions.model"), [h("headers.term"), h("headers.coef"), h("headers.odds_ratio"),
                                                        h("headers.ci"), h("headers.pvalue")],
                                  rows, [False, True, True, True, True], shows=[("driver_model", None)]))

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
                                   b.label("npl_count_ratio"), h("headers.rest_ratio"), h("headers.odds_ratio"),
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

