"""The report's first section when the run has a ``--baseline``: what changed since the last run.

It reads :class:`~microcredit_risk.monitor.changes.Changes` (changes.json) and formats it; every
number, difference and count was computed there. New and still-open problems link to their card in
the findings section. No table here registers an anchor, so the findings keep linking to the
chapter tables that show their numbers.
"""

from __future__ import annotations

from ..monitor.changes import Changes, FindingChange, MetricChange
from .blocks import Bullets, Heading, Line, Paragraph, Ref, Section
from .builder import Builder
from .sections_findings import ordered


def _signed(text: str, v: float) -> str:
    return f"+{text}" if v > 0 and not text.startswith("+") else text


def _change_cell(b: Builder, m: MetricChange) -> str:
    t, f = b.texts, b.fmt
    if m.change is None:
        return f.missing
    if m.unit == "ratio" and m.metric not in t.setting("layout.multiplier_metrics"):
        return f.pp(m.change)
    change = _signed(f.cell(m.change, m.unit, m.metric), m.change)
    if m.relative is None:
        return change
    return t.get("sentences.change_relative", change=change, relative=_signed(f.pct(m.relative, 1), m.relative))


def _metrics_table(b: Builder, ch: Changes) -> list:
    f, t = b.fmt, b.texts
    if not ch.metrics:
        return []
    rows = [[b.label(m.metric), f.cell(m.before, m.unit, m.metric), f.cell(m.after, m.unit, m.metric),
             _change_cell(b, m)] for m in ch.metrics]
    headers = [t.get("headers.metric"), t.get("headers.then_at", date=f.date(ch.before_as_of)),
               t.get("headers.now_at", date=f.date(ch.after_as_of)), t.get("headers.change")]
    return [b.table(t.get("captions.changes_metrics"), headers, rows, [False, True, True, True])]


def _finding_line(b: Builder, c: FindingChange, cards: dict[tuple[str, str | None, str | None], str]) -> Line:
    t = b.texts
    title = c.title
    if c.segment is not None and c.dimension is not None and b.segment_label(c.dimension, c.segment) not in title:
        title = f"{title}{t.get('sentences.scope_only', segment=b.segment_label(c.dimension, c.segment))}"
    if c.status == "new":
        text = t.get("sentences.change_new", title=title)
    elif c.status == "open" and c.before_severity not in (None, c.severity):
        text = t.get("sentences.change_open_severity", title=title, before=t.get(f"severity.{c.before_severity}"),
                     now=t.get(f"severity.{c.severity}"))
    elif c.status == "open":
        text = t.get("sentences.change_open", title=title)
    else:
        text = t.get("sentences.change_resolved" if c.checked else "sentences.change_unchecked", title=title)
    card = cards.get((c.code, c.dimension, c.segment)) if c.status != "resolved" else None
    refs = [Ref(label=t.get("labels.details"), href=f"#{card}")] if card else []
    return Line(text=text, refs=refs, badge=t.get(f"severity.{c.severity}"), badge_class=c.severity)


def _findings_blocks(b: Builder, ch: Changes) -> list:
    t = b.texts
    out: list = [Heading(id="sec-changes-findings", title=t.get("sections.changes.findings"))]
    if not ch.findings:
        return [*out, Paragraph(t.get("sentences.changes_none"))]
    counts = {s: b.fmt.count(len(ch.of(s))) for s in ("new", "resolved", "open")}
    cards: dict[tuple[str, str | None, str | None], str] = {}
    for fid, f in ordered(b.run.findings.items):
        cards.setdefault((f.code, f.dimension, f.segment), fid)
    out.append(Paragraph(t.get("sentences.changes_counts", **counts)))
    out.append(Bullets(items=[_finding_line(b, c, cards) for c in ch.findings]))
    return out


def _segments_blocks(b: Builder, ch: Changes) -> list:
    from ..monitor.changes import settings

    t, f = b.texts, b.fmt
    share = f.pct(float(settings()["segment_min_share"]), 0)
    out: list = [Heading(id="sec-changes-segments", title=t.get("sections.changes.segments"))]
    if not ch.segments:
        return [*out, Paragraph(t.get("sentences.changes_no_segments", share=share))]
    rows = [[b.cat.dimension(s.dimension, b.lang), b.segment_label(s.dimension, s.segment), f.pct(s.before),
             f.pct(s.after), f.pp(s.change), f.pct(s.share)] for s in ch.segments]
    headers = [t.get("headers.dimension"), t.get("headers.segment"),
               t.get("headers.then_at", date=f.date(ch.before_as_of)), t.get("headers.now_at", date=f.date(ch.after_as_of)),
               t.get("headers.change"), b.label("balance_share")]
    out.append(b.table(t.get("captions.changes_segments"), headers, rows, [False, False, True, True, True, True],
                       note=t.get("sentences.changes_segment_note", share=share)))
    return out


def _loans_blocks(b: Builder, ch: Changes) -> list:
    t, f = b.texts, b.fmt
    out: list = [Heading(id="sec-changes-loans", title=t.get("sections.changes.loans"))]
    lm = ch.loans
    if lm is None:
        return [*out, Paragraph(t.get("sentences.changes_loans_unavailable"))]
    rows = [[t.get("changes_loans.downgraded"), f.count(lm.downgraded), f.money_cell(lm.downgraded_balance)],
            [t.get("changes_loans.newly_npl"), f.count(lm.newly_npl), f.money_cell(lm.newly_npl_balance)]]
    if lm.newly_overdue is not None:
        rows.append([t.get("changes_loans.newly_overdue"), f.count(lm.newly_overdue),
                     f.money_cell(lm.newly_overdue_balance)])
    rows += [[t.get("changes_loans.new"), f.count(lm.new), f.missing],
             [t.get("changes_loans.gone"), f.count(lm.gone), f.missing]]
    headers = [t.get("headers.item"), t.get("headers.loans"),
               t.get("units.with_unit", label=t.get("headers.balance"), unit=f.money_unit())]
    out.append(b.table(t.get("captions.changes_loans"), headers, rows, [False, True, True]))
    return out


def changes_section(b: Builder) -> Section | None:
    """Section 1 of a run with a baseline (None without one): compared with, warnings, then the four parts."""
    ch = b.run.changes
    if ch is None:
        return None
    sec = b.section("changes")
    t, f = b.texts, b.fmt
    sec.blocks.append(Paragraph(t.get("sentences.changes_compared", path=ch.baseline, before=f.date(ch.before_as_of),
                                      after=f.date(ch.after_as_of))))
    sec.blocks.extend(Paragraph(w.message(b.lang)) for w in ch.warnings)
    sec.blocks.extend(_metrics_table(b, ch))
    sec.blocks.extend(_findings_blocks(b, ch))
    sec.blocks.extend(_segments_blocks(b, ch))
    sec.blocks.extend(_loans_blocks(b, ch))
    return sec
