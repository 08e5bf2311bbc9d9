"""The comparison report's context: the report's own blocks, numbered by the report's Builder.

So the HTML and Markdown templates and the docx writer lay out a comparison exactly as they lay out
a report: no second renderer.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import __version__
from .. import vocabulary as vocab
from ..findings.records import Findings
from ..findings.rules import load_rules
from ..findings.texts import pick
from ..metrics.table import Metrics
from ..report.blocks import Bullets, Line, Paragraph, ReportContext, Section
from ..report.builder import Builder
from ..report.catalogue import load_catalogue
from ..report.fmt import Formatter
from ..report.run_folder import FigureRef, LedgerSummary, RunResults
from ..report.texts import Texts
from .numbers import (
    Headline,
    annual_table,
    findings_by_code,
    grade_mix,
    latest,
    severity_counts,
    structure,
    worst,
)
from .units import Unit, settings


def problem_name(code: str, lang: str) -> str:
    """The row name of a problem: its short name ([problems]), else its title when it carries no numbers."""
    short = vocab.problem_label(code, lang)
    if short is not None:
        return short
    title = pick(load_rules().problems.get(code, {}).get("title"), lang)
    return title if title and "{" not in title else code


class _Context:
    def __init__(self, units: Sequence[Unit], rows: Sequence[Headline], figures: list[FigureRef],
                 lang: str, dimension: str | None, base_dir: object) -> None:
        currency = units[0].run.ledger.currency
        self.units, self.rows, self.lang, self.dimension = list(units), list(rows), lang, dimension
        self.t = Texts(lang)
        self.f = Formatter(self.t, currency=currency)
        holder = RunResults(ledger=LedgerSummary(currency=currency), metrics=Metrics.concat([]),
                            findings=Findings(), figures=figures, lang=lang, base_dir=base_dir)  # type: ignore[arg-type]
        self.b = Builder(run=holder, texts=self.t, fmt=self.f, cat=load_catalogue())
        self.figs = {r.name: r for r in figures}
        self.labels = [u.label for u in units]

    def c(self, key: str, **params: object) -> str:
        return self.t.get(f"compare.{key}", **params)

    def label(self, metric: str, unit: str) -> str:
        text = vocab.metric_label(metric, self.lang)
        return self.t.get("units.with_unit", label=text, unit=self.f.money_unit()) if unit == "yuan" else text

    def figure(self, sec: Section, name: str) -> None:
        if name in self.figs:
            sec.blocks.append(self.b.figure(self.figs[name]))

    # -- sections -----------------------------------------------------------------------------
    def units_section(self) -> Section:
        sec, f = self.b.section("compare_units"), self.f
        rows = []
        for u in self.units:
            snaps, counts = u.run.ledger.snapshots, severity_counts(u)
            rows.append([u.label, u.run.bank.name or self.t.get("unnamed_bank"),
                         f.period(snaps[0], snaps[-1]) if snaps else f.missing, f.date(latest(u)),
                         f.count(u.run.ledger.rows), self.c("findings_value", **{k: f.count(v) for k, v in counts.items()})])
        headers = [self.c("unit"), self.t.get("facts.bank"), self.t.get("facts.period"), self.c("latest"),
                   self.c("rows"), self.c("findings_fact")]
        sec.blocks.append(self.b.table(self.c("caption_units"), headers, rows, [False, False, False, False, True, True]))
        dates = sorted({f.date(latest(u)) for u in self.units})
        if len(dates) > 1:
            sec.blocks.append(Paragraph(self.c("dates_differ", dates=self.t.get("sentences.list_sep").join(dates))))
        return sec

    def headline_section(self) -> Section:
        sec, f = self.b.section("compare_headline"), self.f
        rows = []
        for h in self.rows:
            cells = []
            for v, r in zip(h.values, h.ranks, strict=True):
                cell = f.cell(v, h.unit, h.metric)
                cells.append(cell if r is None else self.c("with_rank", value=cell, rank=r))
            rows.append([self.label(h.metric, h.unit), *cells])
        sec.blocks.append(self.b.table(self.c("caption_headline"), [self.t.get("headers.metric"), *self.labels], rows,
                                       [False] + [True] * len(self.units)))
        sec.blocks.append(Paragraph(self.c("rank_note")))
        self.figure(sec, "compare_headline")
        return sec

    def trend_section(self) -> Section:
        sec, f = self.b.section("compare_trend"), self.f
        for metric in settings()["trend"]:
            table = annual_table(self.units, metric)
            if table.empty:
                continue
            unit = next((h.unit for h in self.rows if h.metric == metric), vocab.metric_unit(metric) or "")
            years = [str(y) for y in table.index]
            rows = [[lab, *[f.cell(v, unit, metric) for v in table[lab].tolist()]] for lab in self.labels]
            caption = self.c("caption_trend", metric=self.label(metric, unit))
            sec.blocks.append(self.b.table(caption, [self.c("unit"), *years], rows, [False] + [True] * len(years)))
        self.figure(sec, "compare_trend")
        return sec

    def structure_section(self) -> Section:
        sec, f = self.b.section("compare_structure"), self.f
        grades = self.t.setting("layout.grades")
        mix = grade_mix(self.units, grades)
        if not mix.empty:
            rows = [[vocab.grade_label(g, self.lang), *[f.pct(v) for v in mix.loc[g].reindex(self.labels).tolist()]]
                    for g in mix.index]
            sec.blocks.append(self.b.table(self.c("caption_mix"), [self.t.get("headers.grade"), *self.labels], rows,
                                           [False] + [True] * len(self.units)))
        self.figure(sec, "compare_category_mix")
        for dim in settings()["structure_dimensions"]:
            table, total = structure(self.units, dim)
            if table.empty or dim == self.dimension:
                continue
            rows = [[vocab.segment_label(dim, seg, self.lang), *[f.pct(v) for v in table.loc[seg].reindex(self.labels)]]
                    for seg in table.index]
            note = self.c("more_segments", shown=len(table), total=total) if total > len(table) else None
            caption = self.c("caption_structure", dimension=vocab.dimension_label(dim, self.lang))
            sec.blocks.append(self.b.table(caption, [self.c("segment"), *self.labels], rows,
                                           [False] + [True] * len(self.units), note=note))
        return sec

    def findings_section(self) -> Section:
        sec = self.b.section("compare_findings")
        matrix = findings_by_code(self.units)
        if not matrix:
            sec.blocks.append(Paragraph(self.c("no_findings")))
            return sec
        rows = [[problem_name(code, self.lang), *[self._cell(fs) for fs in per_unit]] for code, per_unit in matrix]
        totals = [self.f.count(len(u.run.findings.items)) for u in self.units]
        rows.append([self.c("total_findings"), *totals])
        sec.blocks.append(self.b.table(self.c("caption_findings"), [self.c("problem"), *self.labels], rows,
                                       [False] * (1 + len(self.units))))
        self.figure(sec, "compare_findings")
        return sec

    def _cell(self, findings: list) -> str:
        sev = worst(findings)
        if sev is None:
            return self.c("absent")
        segments = sorted({vocab.segment_label(f.dimension, f.segment, self.lang) for f in findings
                           if f.segment is not None})
        name = self.t.get(f"severity.{sev}")
        if not segments:
            return name
        return self.c("cell_segments", severity=name, segments=self.t.get("sentences.list_sep").join(segments))

    def method_section(self) -> Section:
        sec = self.b.section("compare_method")
        sec.blocks.append(Paragraph(self.c("source_note")))
        sec.blocks.append(Paragraph(self.c("rank_note")))
        sec.blocks.append(Paragraph(self.c("sources")))
        sec.blocks.append(Bullets([Line(self.c("source_item", label=u.label, source=u.source)) for u in self.units]))
        return sec

    def build(self) -> ReportContext:
        sections = [self.units_section(), self.headline_section(), self.trend_section(), self.structure_section(),
                    self.findings_section(), self.method_section()]
        if self.dimension:
            subtitle = self.c("subtitle_by", dimension=vocab.dimension_label(self.dimension, self.lang))
        else:
            subtitle = self.c("subtitle_runs", count=self.f.count(len(self.units)))
        names = sorted({u.run.bank.name for u in self.units if u.run.bank.name})
        facts = [(self.t.get("facts.bank"), self.t.get("sentences.list_sep").join(names) or self.t.get("unnamed_bank")),
                 (self.c("units_fact"), self.t.get("sentences.list_sep").join(self.labels))]
        return ReportContext(lang=self.lang, title=self.c("title"), subtitle=subtitle, facts=facts,
                             toc_title=self.t.get("labels.toc"), sections=sections,
                             footer=self.c("footer", version=__version__))


def build_compare_context(units: Sequence[Unit], rows: Sequence[Headline], figures: list[FigureRef], lang: str,
                          dimension: str | None, base_dir: object) -> ReportContext:
    """The display-ready comparison in ``lang``; ``base_dir`` is where ``figures`` paths are relative to."""
    return _Context(units, rows, figures, lang, dimension, base_dir).build()
