"""Section 9 (methodology: formulas, classification floor, thresholds) and 10 (data-quality appendix)."""

from __future__ import annotations

from ..metrics.skipped_text import skipped_needs, skipped_reason
from ..metrics.table import Skipped
from .blocks import Heading, Paragraph, Section
from .builder import Builder
from .sections_diagnosis import limitations, ruled_out_blocks
from .sections_stats import not_fitted_text, sampling_blocks

MODEL = "driver_model"   # Skipped.what of the default-driver model (stats/compute.py)


def _skipped_row(b: Builder, s: Skipped) -> list[str]:
    """A skipped analysis or a check not run: what, the input it needed and why, in the report's language."""
    return [b.texts.opt(f"skipped.what.{s.what}", s.what), skipped_needs(s, b.lang), skipped_reason(s, b.lang)]


def method_section(b: Builder) -> Section:
    sec = b.section("method")
    t, f = b.texts, b.fmt
    present = set(b.run.metrics.frame["metric"].unique())
    fam_order = {fam: i for i, fam in enumerate(b.cat.families)}
    cat_order = {m: i for i, m in enumerate(b.cat.metrics)}
    names = sorted(present, key=lambda m: (fam_order.get(b.cat.info(m).family, len(fam_order)),
                                           cat_order.get(m, len(cat_order)), m))
    rows = []
    for m in names:
        info = b.cat.info(m)
        limit = f.missing
        if info.threshold:
            limit = f"{info.threshold} = {b.threshold_text(info.threshold, b.unit(m), m)}"
        rows.append([b.cat.label(m, b.lang), m, info.formula or f.missing, limit])
    if rows:
        h = t.get
        sec.blocks.append(b.table(h("captions.formulas"), [h("headers.metric"), h("headers.name"), h("headers.formula"),
                                                           h("headers.limit")], rows, [False, False, False, False]))
    th = b.run.thresholds
    floor_keys = ("floor_days_special_mention", "floor_days_substandard", "floor_days_doubtful", "floor_days_loss")
    if all(k in th for k in floor_keys):
        sec.blocks.append(Heading(id="sec-method-floor", title=t.get("sections.method.floor")))
        sm, ss, d, loss = (f.count(th[k]) for k in floor_keys)
        sec.blocks.append(Paragraph(t.get("sentences.floor", sm=sm, ss=ss, d=d, l=loss)))
    if th:
        rows = [[k, t.opt(f"thresholds.{k}", k), f.setting(v)] for k, v in sorted(th.items())]
        sec.blocks.append(b.table(t.get("captions.thresholds"), [t.get("headers.name"), t.get("headers.description"),
                                                                 t.get("headers.threshold")],
                                  rows, [False, False, True]))
    dm = b.run.statistics.driver_model
    if dm is not None and dm.fitted and dm.formula:
        sec.blocks.append(Heading(id="sec-method-model", title=t.get("sections.method.model")))
        sec.blocks.append(Paragraph(t.get("sentences.model_formula", formula=dm.formula)))
        sec.blocks.extend(sampling_blocks(b, dm))
        sec.blocks.extend(sampling_blocks(b, dm, method=True))
    sec.blocks.extend(ruled_out_blocks(b))
    sec.blocks.extend(limitations(b))
    return sec


def appendix_section(b: Builder) -> Section:
    sec = b.section("appendix")
    t, f = b.texts, b.fmt
    h = t.get
    issues = b.run.ledger.issues
    if issues:
        rows = []
        for i in issues:
            where = " · ".join(str(i[k]) for k in ("file", "sheet", "column") if i.get(k))
            rows.append([str(i.get("code", "")), f.count(i.get("count")), str(i.get("message", "")), where or f.missing])
        sec.blocks.append(b.table(h("captions.issues"), [h("headers.code"), h("headers.count"), h("headers.message"),
                                                         h("headers.where")], rows, [False, True, False, False]))
    else:
        sec.blocks.append(Paragraph(h("sentences.no_issues")))
    not_run = b.run.findings.not_run
    if not_run:
        rows = [_skipped_row(b, s) for s in not_run]
        sec.blocks.append(b.table(h("captions.not_run"), [h("headers.what"), h("headers.needs"), h("headers.reason")],
                                  rows, [False, False, False]))
    else:
        sec.blocks.append(Paragraph(h("sentences.no_not_run")))
    dm = b.run.statistics.driver_model
    unfitted = dm is not None and not dm.fitted
    # the model's own row below says why it did not fit: its record among the skipped would repeat it
    skipped = [*b.run.metrics.skipped, *(s for s in b.run.statistics.skipped if not (unfitted and s.what == MODEL))]
    rows = [_skipped_row(b, s) for s in skipped]
    if dm is not None and unfitted:
        rows.append([h("sections.statistics.model"), f.missing, not_fitted_text(b, dm)])
    if rows:
        sec.blocks.append(b.table(h("captions.skipped"), [h("headers.what"), h("headers.needs"), h("headers.reason")],
                                  rows, [False, False, False]))
    else:
        sec.blocks.append(Paragraph(h("sentences.no_skipped")))
    others = b.unplaced_figures()
    if others:
        sec.blocks.append(Heading(id="sec-appendix-figures", title=h("sections.appendix.other_figures")))
        sec.blocks.extend(others)
    return sec
