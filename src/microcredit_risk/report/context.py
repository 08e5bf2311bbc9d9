"""Build the report context: every number formatted, every sentence filled, ready to display.

``build_context`` is the only place that decides what the report says; the HTML and Markdown
templates and the docx writer just lay the blocks out.
"""

from __future__ import annotations

from .. import __version__
from ..errors import LANGS, UsageError
from ..findings.records import SEVERITIES
from ..vocabulary import bank_kind_label, scope_label
from .blocks import Bullets, Paragraph, ReportContext, Section
from .builder import Builder
from .catalogue import Catalogue, load_catalogue
from .fmt import Formatter
from .run_folder import RunResults
from .sections_changes import changes_section
from .sections_data import (
    concentration_section,
    data_section,
    migration_section,
    quality_section,
    structure_section,
)
from .sections_diagnosis import conclusion
from .sections_findings import findings_section, summary_lines
from .sections_method import appendix_section, method_section
from .sections_stats import statistics_section
from .sections_watchlist import watchlist_section, watchlist_summary
from .texts import Texts


def _summary(b: Builder, sec: Section, watch: Section | None = None) -> None:
    """The summary; ``watch``: the early-warning list's section, which one line names and links to."""
    t, f = b.texts, b.fmt
    items = b.run.findings.items
    counts = {s: sum(1 for x in items if x.severity == s) for s in SEVERITIES}
    latest = b.latest()
    if latest is not None and b.has("balance"):
        sec.blocks.append(Paragraph(t.get(
            "sentences.summary_portfolio", date=f.date(latest), balance=f.money(b.value("balance", latest)),
            npl_balance=f.money(b.value("npl_balance", latest)), npl_ratio=f.pct(b.value("npl_ratio", latest)))))
        adjusted = _adjusted_ratios(b, latest)
        if adjusted:
            sec.blocks.append(Paragraph(adjusted))
    if not items:
        sec.blocks.append(Paragraph(t.get("sentences.summary_none")))
        if watch is not None and b.run.watchlist is not None:
            sec.blocks.append(watchlist_summary(b, b.run.watchlist, watch))
        return
    sec.blocks.append(Paragraph(t.get("sentences.summary_counts", total=f.count(len(items)),
                                      **{s: f.count(counts[s]) for s in SEVERITIES})))
    rows = [[t.get(f"severity.{s}"), f.count(counts[s])] for s in reversed(SEVERITIES)]
    sec.blocks.append(b.table(t.get("captions.severity_counts"), [t.get("headers.severity"), t.get("headers.count")],
                              rows, [False, True]))
    high = counts["high"]
    sec.blocks.append(Paragraph(t.get("sentences.high_problems") if high else t.get("sentences.top_problems")))
    sec.blocks.append(Bullets(items=summary_lines(b, high or int(t.setting("layout.top_problems")))))
    if high and len(items) > high:
        sec.blocks.append(Paragraph(t.get("sentences.other_problems", count=f.count(len(items) - high))))
    if watch is not None and b.run.watchlist is not None:
        sec.blocks.append(watchlist_summary(b, b.run.watchlist, watch))
    closing = conclusion(b)
    if closing is not None:
        sec.blocks.append(closing)


def _adjusted_ratios(b: Builder, latest: object) -> str | None:
    """The NPL ratio read two stricter ways: every loan at least at its floor; write-offs added back."""
    t, f = b.texts, b.fmt
    parts = []
    floor = b.value("floor_adjusted_npl_ratio", latest)
    if floor is not None:
        parts.append(t.get("sentences.summary_floor_adjusted", value=f.pct(floor)))
    written = b.value("npl_ratio_with_write_offs", latest)
    if written is not None and (b.value("write_off", latest) or 0) > 0:
        parts.append(t.get("sentences.summary_write_off_adjusted", value=f.pct(written)))
    if not parts:
        return None
    return t.get("sentences.summary_adjusted", items=t.get("sentences.list_sep").join(parts))


def build_context(run: RunResults, lang: str, catalogue: Catalogue | None = None) -> ReportContext:
    """The display-ready report for ``run`` in ``lang`` ("zh" or "en")."""
    if lang not in LANGS:
        raise UsageError("E602", where="lang", value=lang, choices=", ".join(LANGS))
    texts = Texts(lang)
    fmt = Formatter(texts, currency=run.ledger.currency)
    b = Builder(run=run, texts=texts, fmt=fmt, cat=catalogue if catalogue is not None else load_catalogue())
    changes = changes_section(b)   # first, when the run has a --baseline: what changed since the last run
    summary = b.section("summary")
    body = [data_section(b), quality_section(b), structure_section(b), concentration_section(b),
            migration_section(b), statistics_section(b), findings_section(b)]
    watch = watchlist_section(b, run.watchlist) if run.watchlist is not None else None
    if watch is not None:
        body.append(watch)
    body += [method_section(b), appendix_section(b)]
    # The summary links to numbers shown later, so it is filled last (as section 1).
    b.number, b._ntab = summary.number, 0
    _summary(b, summary, watch)

    snaps = run.ledger.snapshots
    facts = [(texts.get("facts.bank"), run.bank.name or texts.get("unnamed_bank"))]
    if run.bank.kind:
        facts.append((texts.get("facts.kind"), bank_kind_label(run.bank.kind, lang)))
    if run.bank.scope != "bank":
        facts.append((texts.get("facts.scope"), scope_label(run.bank.scope, lang)))
    if snaps:
        facts.append((texts.get("facts.period"), fmt.period(snaps[0], snaps[-1])))
    facts.append((texts.get("facts.data"), texts.get("facts.data_value", files=fmt.count(len(run.ledger.files)),
                                                    rows=fmt.count(run.ledger.rows), snapshots=fmt.count(len(snaps)))))
    return ReportContext(
        lang=lang, title=texts.get("title"), subtitle=run.bank.name or texts.get("unnamed_bank"), facts=facts,
        toc_title=texts.get("labels.toc"), sections=[*([changes] if changes else []), summary, *body],
        footer=texts.get("footer", version=__version__),
    )
