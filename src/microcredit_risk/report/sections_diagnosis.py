"""The diagnosis in the report (DIAGNOSIS.md §6): causes with the evidence behind them, what is left
to verify and how, recommendations that answer supported causes, what was ruled out, the limits.

Every sentence is built from ``findings.causes`` / ``findings.recommendations`` (tested in the
findings stage); nothing here decides a status.
"""

from __future__ import annotations

from ..findings.records import STAGES, CauseResult, Evidence
from .blocks import Block, Bullets, Heading, Line, Paragraph, Ref
from .builder import Builder


def _evidence_line(b: Builder, e: Evidence) -> Line:
    from .sections_findings import evidence_refs, evidence_text

    return Line(text=evidence_text(b, e), refs=evidence_refs(b, e))


def _key_evidence(cause: CauseResult) -> list[Evidence]:
    """The numbers that back a cause, those compared with a line first (at most twelve)."""
    lined = [e for e in cause.evidence if e.threshold is not None]
    return [*lined, *(e for e in cause.evidence if e.threshold is None)][:12]


def _finding_refs(b: Builder, codes: list[str]) -> list[Ref]:
    from .sections_findings import ordered

    return [Ref(label=f.title, href=f"#{fid}") for fid, f in ordered(b.run.findings.items) if f.code in codes]


def conclusion(b: Builder) -> Paragraph | None:
    """One paragraph from the supported causes (and how many remain to verify)."""
    t = b.texts
    causes = b.run.findings.causes
    supported = [c for c in causes if c.status == "supported"]
    untested = [c for c in causes if c.status == "untested"]
    if not causes:
        return None
    sep = t.get("sentences.name_sep")
    parts = []
    if supported:
        parts.append(t.get("sentences.conclusion_supported", causes=sep.join(c.short or c.text for c in supported)))
    else:
        parts.append(t.get("sentences.conclusion_none"))
    if untested:
        parts.append(t.get("sentences.conclusion_untested", count=b.fmt.count(len(untested))))
    return Paragraph(" ".join(parts) if b.lang == "en" else "".join(parts))


def causes_blocks(b: Builder) -> list[Block]:
    """Supported causes with their evidence; a "to verify" list of untested ones with how."""
    t = b.texts
    causes = b.run.findings.causes
    out: list[Block] = [Heading(id="sec-findings-causes", title=t.get("sections.findings.causes"))]
    supported = [c for c in causes if c.status == "supported"]
    if supported:
        for c in supported:
            out.append(Paragraph(t.get("sentences.cause_supported", text=c.text)))
            out.append(Bullets(items=[_evidence_line(b, e) for e in _key_evidence(c)]
                               + [Line(text=t.get("labels.because"), refs=_finding_refs(b, c.because))]))
    else:
        out.append(Paragraph(t.get("sentences.conclusion_none")))
    untested = [c for c in causes if c.status == "untested"]
    if untested:
        out.append(Heading(id="sec-findings-verify", title=t.get("sections.findings.verify"), level=4))
        out.append(Bullets(items=[Line(text=t.get("sentences.cause_verify", text=c.text, verify=c.verify or ""))
                                  for c in untested]))
    return out


def recommendation_blocks(b: Builder) -> list[Block]:
    """Recommendations by stage; each answers one cause and cites only that cause's evidence."""
    t = b.texts
    recs = b.run.findings.recommendations
    out: list[Block] = [Heading(id="sec-findings-recommendations", title=t.get("sections.findings.recommendations"))]
    if not recs:
        out.append(Paragraph(t.get("sentences.no_recommendations")))
        return out
    causes = {c.code: c for c in b.run.findings.causes}
    for stage in STAGES:
        lines = []
        for r in (r for r in recs if r.stage == stage):
            text = t.get("sentences.recommendation_conditional", text=r.text) if r.conditional else r.text
            cause = causes.get(r.cause)
            refs = _finding_refs(b, cause.because) if cause else []
            lines.append(Line(text=text, refs=refs))
        if lines:
            out.append(Heading(id=f"stage-{stage}", title=t.opt(f"stages.{stage}", stage), level=4))
            out.append(Bullets(items=lines))
    return out


def ruled_out_blocks(b: Builder) -> list[Block]:
    """Contradicted causes, for the method appendix: "ruled out, because …"."""
    t = b.texts
    ruled = [c for c in b.run.findings.causes if c.status == "contradicted"]
    if not ruled:
        return []
    from .sections_findings import evidence_text

    items = []
    for c in ruled:
        why = t.get("sentences.list_sep").join(evidence_text(b, e) for e in c.evidence[:3])
        items.append(Line(text=t.get("sentences.cause_ruled_out", text=c.text,
                                     because=why or t.get("sentences.checks_clean"))))
    return [Heading(id="sec-method-ruled-out", title=t.get("sections.method.ruled_out")), Bullets(items=items)]


def limitations(b: Builder) -> list[Block]:
    """What a ledger cannot show, which checks could not run, and the proxies used."""
    t = b.texts
    parts = [t.get("sentences.limits_ledger")]
    not_run = b.run.findings.not_run
    if not_run:
        parts.append(t.get("sentences.limits_not_run", count=b.fmt.count(len(not_run))))
    if b.has("total_loan_growth"):
        parts.append(t.get("sentences.limits_total_loans"))
    elif b.has("inclusive_balance_growth"):
        parts.append(t.get("sentences.limits_growth_proxy"))
    text = (" " if b.lang == "en" else "").join(parts)
    return [Heading(id="sec-method-limits", title=t.get("sections.method.limits")), Paragraph(text)]
