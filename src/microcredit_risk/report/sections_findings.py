"""Section 8 (problems with their evidence, then the diagnosis) and the summary lines of section 1.

Every line that states a problem or a recommendation carries the number behind it and a link to
the table (or section) that shows it.
"""

from __future__ import annotations

from .. import vocabulary as vocab
from ..findings.records import Evidence, Finding, severity_rank
from .blocks import FindingCard, Heading, Line, Paragraph, Ref, Section
from .builder import Builder
from .sections_diagnosis import causes_blocks, recommendation_blocks


def ordered(findings: list[Finding]) -> list[tuple[str, Finding]]:
    """Findings by severity, high first (stable within a severity), each with its anchor id."""
    ranked = sorted(enumerate(findings), key=lambda p: (-severity_rank(p[1].severity), p[0]))
    return [(f"finding-{i + 1}", f) for i, (_, f) in enumerate(ranked)]


def key_evidence(f: Finding) -> Evidence | None:
    """The number that fired the finding: the first evidence with a threshold, else the last one."""
    with_threshold = [e for e in f.evidence if e.threshold is not None]
    if with_threshold:
        return with_threshold[0]
    return f.evidence[-1] if f.evidence else None


def evidence_text(b: Builder, e: Evidence) -> str:
    t, fmt = b.texts, b.fmt
    unit = b.unit(e.metric)
    scope = ""
    label = b.label(e.metric, with_unit=False)
    if e.segment is not None and e.dimension is None and vocab.is_grade(e.segment) and vocab.has_grade_name(e.metric):
        label = vocab.metric_label(e.metric, b.lang, grade=str(e.segment))                  # 正常类贷款迁徙率
    elif e.segment is not None and e.dimension is None and vocab.is_grade(e.segment):
        scope = t.get("sentences.scope_only", segment=b.cat.dimension(e.segment, b.lang))   # 期初正常类
    elif e.segment is not None:
        dim = b.cat.dimension(e.dimension, b.lang) if e.dimension else t.get("headers.segment")
        scope = t.get("sentences.scope", dimension=dim, segment=b.segment_label(e.dimension, e.segment))
    threshold_part = ""
    if e.threshold is not None and (e.threshold_name or "").endswith("_pp"):   # the line is a rise
        threshold_part = t.get("sentences.rise_threshold_part",
                               threshold=t.get("units.pp", v=f"{e.threshold * 100:.2f}"))
    elif e.threshold is not None and (e.threshold_name or "").endswith("_min_share"):   # a size floor
        threshold_part = t.get("sentences.min_share_threshold_part", threshold=fmt.value(e.threshold, unit, e.metric))
    elif e.threshold is not None:
        threshold_part = t.get("sentences.threshold_part", threshold=fmt.value(e.threshold, unit, e.metric))
    if e.base_value is not None and e.value is not None and e.base_as_of:    # a change rule: from → to
        change = (t.get("units.pp", v=f"{(e.value - e.base_value) * 100:.2f}") if unit == "ratio"
                  else fmt.value(e.value - e.base_value, unit, e.metric))
        return t.get("sentences.key_evidence_change", label=label, scope=scope,
                     base=fmt.value(e.base_value, unit, e.metric), base_date=fmt.date(e.base_as_of),
                     value=fmt.value(e.value, unit, e.metric), change=change, threshold_part=threshold_part,
                     date=fmt.date(e.as_of) if e.as_of else fmt.missing)
    return t.get("sentences.key_evidence", label=label, scope=scope,
                 value=fmt.value(e.value, unit, e.metric), threshold_part=threshold_part,
                 date=fmt.date(e.as_of) if e.as_of else fmt.missing)


def evidence_refs(b: Builder, e: Evidence) -> list[Ref]:
    """The table that shows this number: a segment's number links only to a table of its dimension
    (an officer's NPL count ratio linked to the portfolio's asset-quality table, which has no officer row)."""
    ref = b.anchors.get((e.metric, e.dimension))
    if ref is None and e.dimension is None:
        ref = b.anchors.get((e.metric, None))
    return [ref] if ref else []


def summary_lines(b: Builder, limit: int) -> list[Line]:
    out = []
    for fid, f in ordered(b.run.findings.items)[:limit]:
        ev = key_evidence(f)
        text = f.title if ev is None else b.texts.get("sentences.title_evidence", title=f.title,
                                                         evidence=evidence_text(b, ev))
        out.append(Line(text=text, refs=[Ref(label=b.texts.get("labels.details"), href=f"#{fid}")],
                        badge=b.texts.get(f"severity.{f.severity}"), badge_class=f.severity))
    return out


def _cause_texts(b: Builder, f: Finding) -> list[str]:
    """The finding's candidate causes in words, each with what the data said of it."""
    tested = {c.code: c for c in b.run.findings.causes}
    return [b.texts.get("sentences.cause_with_status", text=tested[c].text,
                        status=b.texts.get(f"cause_status.{tested[c].status}")) for c in f.causes if c in tested]


def findings_section(b: Builder) -> Section:
    sec = b.section("findings")
    t = b.texts
    items = ordered(b.run.findings.items)
    if not items:
        sec.blocks.append(Paragraph(t.get("sentences.summary_none")))
        return sec
    sec.blocks.append(Heading(id="sec-findings-problems", title=t.get("sections.findings.problems")))
    for fid, f in items:
        where = t.get("labels.scope_all")
        if f.segment is not None:
            dim = b.cat.dimension(f.dimension, b.lang) if f.dimension else t.get("headers.segment")
            where = t.get("sentences.where", dimension=dim, segment=b.segment_label(f.dimension, f.segment))
        sec.blocks.append(FindingCard(
            id=fid, title=f.title, badge=t.get(f"severity.{f.severity}"), badge_class=f.severity,
            scope=t.get("sentences.finding_scope", date=b.fmt.date(f.as_of) if f.as_of else b.fmt.missing, scope=where),
            evidence_title=t.get("labels.evidence"),
            evidence=[Line(text=evidence_text(b, e), refs=evidence_refs(b, e)) for e in f.evidence],
            causes_title=t.get("labels.causes"), causes=_cause_texts(b, f)))

    sec.blocks.extend(causes_blocks(b))
    sec.blocks.extend(recommendation_blocks(b))
    return sec
