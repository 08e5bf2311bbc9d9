"""diagnose(): apply the rule book to the computed metrics and statistics, and say what could not run.

Nothing is computed twice: every number a finding cites is read from the metrics table (or the
statistics stage's test results). Rules are evaluated in rule-book order (those with ``requires``
after what they require); findings are ordered by severity (high first), then rule order, then segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import LANGS, ProfileError, UsageError
from ..ledger.problems import Issue
from ..metrics.table import Metrics, Skipped, lacks_column
from ..profile import BankProfile
from ..snapshots import annual_dates
from ..stats.results import Statistics
from .checks import CHECKS
from .conditions import Context, Hit, Outcome, evaluate, iso
from .diagnosis import judge_causes, recommend
from .records import SEVERITIES, Finding, Findings, severity_rank
from .rules import Rule, RuleBook, load_rules
from .texts import describe, target_phrase, title_for

_KEY = ["metric", "as_of", "dimension", "segment"]


def annual_snapshots(frame: pd.DataFrame) -> list[pd.Timestamp]:
    """The last snapshot of each calendar year, read from the portfolio balance series (projections,
    dated a year past the data, are not snapshots)."""
    rows = frame[(frame["metric"] == "balance") & frame["dimension"].isna() & frame["segment"].isna()]
    if rows.empty:
        rows = frame[frame["metric"] == "npl_ratio"]
    return annual_dates(rows["as_of"].unique())


def _context(metrics: Metrics, stats: Statistics | None, profile: BankProfile, columns: set[str] | None,
             issues: Sequence[Issue], rows: int) -> Context:
    table = metrics if stats is None else metrics.extend(stats.metrics)
    frame = table.frame.copy()
    # a statistics row already merged into the metrics table must not count twice
    frame = frame.drop_duplicates(subset=_KEY, keep="first").reset_index(drop=True)
    units = {str(m): str(u) for m, u in frame.groupby("metric")["unit"].first().items() if u is not None}
    skipped = {s.what: s for s in [*table.skipped, *(stats.skipped if stats else [])]}
    return Context(frame=frame, units=units, annual=annual_snapshots(frame), profile=profile,
                   thresholds=profile.thresholds, stats=stats, columns=columns, issues=issues, rows=rows,
                   skipped=skipped)


def _ordered(rules: list[Rule]) -> list[Rule]:
    """Rule-book order, each rule after the rules it requires."""
    known = {r.code for r in rules}
    for r in rules:
        for need in r.requires:
            if need not in known:
                raise ProfileError("E320", where="rules", code=r.code, name=need)
    done: list[Rule] = []
    pending = list(rules)
    while pending:
        ready = [r for r in pending if all(n in {d.code for d in done} for n in r.requires)]
        if not ready:
            raise ProfileError("E321", where="rules", names=", ".join(r.code for r in pending))
        done.append(ready[0])
        pending.remove(ready[0])
    return done


def _run_rule(ctx: Context, rule: Rule, states: dict[str, str]) -> Outcome:
    if ctx.columns is not None:
        gone = [c for c in rule.needs_columns if c not in ctx.columns]
        if gone:
            return Outcome("unknown", missing=[lacks_column(rule.code, gone[0])])
    for need in rule.requires:
        if states.get(need) == "unknown":
            return Outcome("unknown", missing=[Skipped(rule.code, f"finding {need}", f"{need} could not run",
                                                       "finding_not_run", {"code": need})])
        if states.get(need) != "fired":
            return Outcome("clear")
    ctx.escalate_factor = rule.escalate_factor
    return evaluate(ctx, rule.when, rule.code, CHECKS)


def _severity(rule: Rule, hits: list[Hit]) -> str:
    sev = max((h.severity or rule.severity for h in hits), key=severity_rank, default=rule.severity)
    if rule.escalate_to and any(h.escalate for h in hits) and severity_rank(rule.escalate_to) > severity_rank(sev):
        sev = rule.escalate_to
    return sev


def _finding(book: RuleBook, ctx: Context, rule: Rule, hits: list[Hit], lang: str) -> Finding:
    evidence = [e for h in hits for e in h.evidence]
    evidence = list(dict.fromkeys(evidence))              # the same record cited twice counts once
    first_seen = {m: i for i, m in reversed(list(enumerate(e.metric for e in evidence)))}
    evidence.sort(key=lambda e: (first_seen[e.metric], e.as_of or ""))   # each metric's records in time order
    one = hits[0] if len(hits) == 1 else None
    dimension = one.dimension if one else None
    segment = one.segment if one else None
    facts: dict[str, Any] = {"as_of": iso(ctx.latest), "segment": segment, "dimension": dimension,
                             "segments": ", ".join(str(h.segment) for h in hits if h.segment is not None),
                             "segment_list": [h.segment for h in hits if h.segment is not None],
                             "count": len(hits)}
    for h in reversed(hits):                               # the first hit's facts win
        facts.update({k: v for k, v in h.facts.items() if v is not None})
    facts["dimension"] = dimension if dimension is not None else facts.get("dimension")
    title = title_for(book, rule.code, facts, evidence, ctx.units, lang, ctx.currency)
    return Finding(code=rule.code, severity=_severity(rule, hits), title=title, as_of=iso(ctx.latest),
                   dimension=dimension, segment=segment, evidence=evidence)


def diagnose(metrics: Metrics, stats: Statistics | None, profile: BankProfile, *,
             columns: set[str] | None = None, issues: Sequence[Issue] = (), rows: int = 0,
             lang: str = "zh", rules_path: Path | None = None, currency: str = "CNY") -> Findings:
    """Findings with their evidence, the causes tested against them, the recommendations that answer
    the causes (DIAGNOSIS.md), and the checks that could not run.

    ``columns``: the canonical columns the ledger has (None = unknown: rules then rely on what the
    metrics table holds); ``issues`` and ``rows``: the ledger's validation warnings and row count.
    """
    if lang not in LANGS:
        raise UsageError("E602", where="lang", value=lang, choices=", ".join(LANGS))
    book = load_rules(rules_path)
    ctx = _context(metrics, stats, profile, columns, issues, rows)
    ctx.currency = currency
    states: dict[str, str] = {}
    found: list[tuple[int, Finding]] = []
    not_run: list[Skipped] = []
    for rule in _ordered(book.rules):
        out = _run_rule(ctx, rule, states)
        states[rule.code] = out.state
        not_run += out.missing
        if out.state != "fired" or not out.hits:
            continue
        if rule.per_segment:
            found += [(rule.order, _finding(book, ctx, rule, [h], lang)) for h in out.hits]
        else:
            found.append((rule.order, _finding(book, ctx, rule, out.hits, lang)))
    found.sort(key=lambda p: (-SEVERITIES.index(p[1].severity), p[0], str(p[1].dimension or ""),
                              str(p[1].segment or "")))
    items = [f for _, f in found]
    causes = judge_causes(ctx, states, items, book.causes, CHECKS, lang)
    for f in items:    # each finding names the tested causes that list it as a candidate
        f.causes = [c.code for c in causes if f.code in book.causes[c.code].get("problems", ())]
    recs = recommend(causes, book.recommendations, lang, kind=profile.kind, scope=profile.scope,
                     describe=lambda e: describe(book, e, ctx.units, lang, ctx.currency),
                     name=lambda e: target_phrase(book, e, ctx.units, lang, ctx.currency))
    return Findings(items=items, not_run=list(dict.fromkeys(not_run)), lang=lang, causes=causes,
                    recommendations=recs, states=states)
