"""Causes as hypotheses tested against the run's own findings and metrics (DIAGNOSIS.md §3–4).

Each candidate cause of a fired problem gets a status from its tests in ``data/diagnosis.toml``:

* ``supported`` — its ``supported`` test fired; it carries the evidence behind it;
* ``contradicted`` — its ``contradicted`` test fired (the check that would back it ran clean);
* ``untested`` — neither (a check could not run, or the ledger cannot tell): "to verify", and how.

A recommendation belongs to one cause and cites only that cause's evidence: shown for a supported
cause, "if confirmed" for an untested one, never for a contradicted one. Texts may differ by kind of
bank or by scope (a sub-branch sets no provisioning policy).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .conditions import Context, Hit, Outcome, clean, evaluate
from .records import STATUSES, CauseResult, Evidence, Finding, RecommendationResult

Leaf = Callable[[Context, dict[str, Any], str], Outcome]


# -- the test language: the rules' conditions plus leaves about this run's findings ----------------------
def _leaves(cond: Any) -> Any:
    """``{fired = "X"}`` → ``{check = "_rule", rule = "X", want = "fired"}`` (and clear, ran), recursively."""
    if not isinstance(cond, dict):
        return cond
    for key in ("any", "all"):
        if key in cond:
            return {**cond, key: [_leaves(c) for c in cond[key]]}
    for want in ("fired", "clear", "ran"):
        if want in cond:
            return {"check": "_rule", "rule": cond[want], "want": want}
    return cond


def _rule_leaf(states: Mapping[str, str], findings: Sequence[Finding]) -> Leaf:
    def leaf(_ctx: Context, cond: dict[str, Any], _code: str) -> Outcome:
        rule, want = str(cond["rule"]), str(cond["want"])
        state = states.get(rule, "unknown")
        if state == "unknown":
            return Outcome("unknown")
        ok = state == want or (want == "ran")
        if not ok:
            return Outcome("clear")
        hits = [Hit(list(f.evidence), f.dimension, f.segment, facts={"code": f.code})
                for f in findings if f.code == rule] if want == "fired" else [Hit([])]
        return Outcome("fired", hits or [Hit([])])
    return leaf


def broad_rise(ctx: Context, cond: dict[str, Any], _code: str) -> Outcome:
    """Share of the industries holding ≥ ``macro_min_share`` of balance whose npl_ratio rose from the
    first to the latest annual snapshot: fires when ≥ ``min_share`` (or ≤ ``max_share``)."""
    if len(ctx.annual) < 2:
        return Outcome("unknown")
    first, last = ctx.annual[0], ctx.annual[-1]
    shares = ctx.segments_at("balance_share", "industry", last)
    start = ctx.segments_at("npl_ratio", "industry", first)
    end = ctx.segments_at("npl_ratio", "industry", last)
    floor, _ = ctx.threshold("macro_min_share")
    begin, close = start.to_dict(), end.to_dict()
    major = [str(s) for s, v in shares.items() if clean(v) is not None and float(v) >= floor
             and clean(begin.get(s)) is not None and clean(close.get(s)) is not None]
    if not major:
        return Outcome("unknown")
    rose = [s for s in major if float(close[s]) > float(begin[s])]
    share = len(rose) / len(major)
    evidence = [ctx.evidence("npl_ratio", when, series.get(s), "industry", s)
                for s in sorted(major) for when, series in ((first, begin), (last, close))]
    if "min_share" in cond and share >= float(cond["min_share"]):
        return Outcome("fired", [Hit(evidence, facts={"share": share})])
    if "max_share" in cond and share <= float(cond["max_share"]):
        return Outcome("fired", [Hit(evidence, facts={"share": share})])
    return Outcome("clear")


def _run(ctx: Context, cond: Any, checks: dict[str, Leaf]) -> Outcome:
    if cond is None:
        return Outcome("unknown")
    return evaluate(ctx, _leaves(cond), "diagnosis", checks)


def _evidence(outcome: Outcome) -> list[Evidence]:
    return list(dict.fromkeys(e for h in outcome.hits for e in h.evidence))


def _backing(outcome: Outcome) -> list[str]:
    return list(dict.fromkeys(str(h.facts["code"]) for h in outcome.hits if "code" in h.facts))


def judge_causes(ctx: Context, states: Mapping[str, str], findings: Sequence[Finding],
                 causes: Mapping[str, Any], checks: Mapping[str, Leaf], lang: str) -> list[CauseResult]:
    """The candidate causes of the fired problems, each with its status and the evidence behind it.

    ``causes``: the rule book's [causes] (data/diagnosis.toml with the user's rules merged over)."""
    fired = {f.code for f in findings}
    all_checks = {**checks, "_rule": _rule_leaf(states, findings), "broad_rise": broad_rise}
    out: list[CauseResult] = []
    for code, spec in causes.items():
        if not fired & set(spec.get("problems", ())):
            continue
        if "present" in spec and _run(ctx, spec["present"], all_checks).state != "fired":
            continue
        text = str(spec.get(lang) or spec.get("en") or code)
        short = str((spec.get("short") or {}).get(lang) or text)
        supported = _run(ctx, spec.get("supported"), all_checks)
        if supported.state == "fired":
            out.append(CauseResult(code, "supported", text, _backing(supported), _evidence(supported), short=short))
            continue
        contradicted = _run(ctx, spec.get("contradicted"), all_checks)
        if contradicted.state == "fired":
            out.append(CauseResult(code, "contradicted", text, [], _evidence(contradicted), short=short))
            continue
        verify = spec.get("verify", {})
        out.append(CauseResult(code, "untested", text, [], [], str(verify.get(lang) or verify.get("en") or ""),
                               short=short))
    out.sort(key=lambda c: STATUSES.index(c.status))
    return out


# -- recommendations ------------------------------------------------------------------------------------
Describe = Callable[[Evidence], str]
Target = Callable[[Evidence], str]


def _text(spec: Mapping[str, Any], lang: str, kind: str | None, scope: str | None) -> str:
    variants = spec.get("kinds", {})
    for key in (scope, kind):
        if key and key in variants and (variants[key].get(lang) or variants[key].get("en")):
            return str(variants[key].get(lang) or variants[key]["en"])
    return str(spec.get(lang) or spec.get("en") or "")


def targets(evidence: Sequence[Evidence], name: Target, lang: str) -> str:
    """The segments of the evidence in words, each once, in order of first mention."""
    seen = dict.fromkeys((e.dimension, e.segment) for e in evidence if e.segment is not None)
    phrases = [name(next(e for e in evidence if (e.dimension, e.segment) == key)) for key in seen]
    return ("、" if lang == "zh" else ", ").join(p for p in phrases if p)


EMPTY_BRACKETS = re.compile(r"\s*(（）|\(\))")
CITED = 2     # a recommendation cites at most this many of its cause's numbers (the causes section lists all)


def cited(evidence: Sequence[Evidence]) -> list[Evidence]:
    """The numbers a recommendation cites: those compared with a line, p-values aside, the first two."""
    lined = [e for e in evidence if e.threshold is not None and not e.metric.startswith("fisher")]
    return (lined or list(evidence[:1]))[:CITED]


def recommend(causes: Sequence[CauseResult], recommendations: Mapping[str, Any], lang: str, *,
              kind: str | None, scope: str | None, describe: Describe, name: Target) -> list[RecommendationResult]:
    """Recommendations of the supported causes, and "if confirmed" ones of the untested causes.

    ``recommendations``: the rule book's [recommendations]; ``describe`` words one evidence record,
    ``name`` one segment with its number."""
    from .texts import fill

    by_cause: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for code, spec in recommendations.items():
        by_cause.setdefault(str(spec["cause"]), []).append((code, spec))
    sep = "；" if lang == "zh" else "; "
    out: list[RecommendationResult] = []
    for cause in causes:
        if cause.status == "contradicted":
            continue
        facts = {"cite": sep.join(dict.fromkeys(describe(e) for e in cited(cause.evidence))),
                 "targets": targets(cause.evidence, name, lang)}
        for code, spec in by_cause.get(cause.code, []):
            nothing = (spec.get("no_targets") or {}).get(lang, "")
            text = fill(_text(spec, lang, kind, scope), {**facts, "targets": facts["targets"] or nothing})
            text = EMPTY_BRACKETS.sub("", text)      # "(evidence: {cite})" with nothing to cite
            out.append(RecommendationResult(code, cause.code, str(spec["stage"]), text, list(cause.evidence),
                                            conditional=cause.status == "untested"))
    return out
