"""Evaluating the condition language of the rules file against the tidy metrics table.

A condition yields an :class:`Outcome`: ``fired`` (with the hits that fired it, each carrying the
evidence — the table values read), ``clear``, or ``unknown`` (an input was absent; ``missing`` says
which). A value present in the table but undefined (NaN: a zero denominator) never fires and is not
"missing". Only annual snapshots (the last snapshot of each year) are read, except by ``at = "newest"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pandas as pd

from ..errors import ProfileError
from ..ledger.problems import Issue
from ..metrics.table import Skipped, lacks_column
from ..profile import BankProfile
from ..stats.results import Statistics
from .records import Evidence

State = Literal["fired", "clear", "unknown"]


@dataclass
class Hit:
    """One reason a condition fired: its evidence and the facts the texts may cite."""

    evidence: list[Evidence]
    dimension: str | None = None
    segment: str | None = None
    escalate: bool = False
    severity: str | None = None       # a condition's own severity (else the rule's)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    state: State
    hits: list[Hit] = field(default_factory=list)
    missing: list[Skipped] = field(default_factory=list)


def iso(ts: Any) -> str | None:
    return None if ts is None else pd.Timestamp(ts).strftime("%Y-%m-%d")


def clean(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


@dataclass
class Context:
    """Everything a condition can read, prepared once per diagnose() call."""

    frame: pd.DataFrame
    units: dict[str, str]
    annual: list[pd.Timestamp]
    profile: BankProfile
    thresholds: dict[str, float]
    stats: Statistics | None
    columns: set[str] | None
    issues: Sequence[Issue]
    rows: int
    skipped: dict[str, Skipped]
    escalate_factor: float | None = None
    currency: str = "CNY"                 # ISO code of every amount, for the texts

    @property
    def latest(self) -> pd.Timestamp | None:
        return self.annual[-1] if self.annual else None

    @property
    def previous(self) -> pd.Timestamp | None:
        """The annual snapshot before the latest."""
        return self.annual[-2] if len(self.annual) > 1 else None

    # -- thresholds -------------------------------------------------------------------------------
    def threshold(self, spec: Any) -> tuple[float, str | None]:
        """A threshold by name ("npl_ratio_max", "-inclusive_growth_slack", "0.5*growth_max") or a number."""
        if isinstance(spec, bool):
            raise ProfileError("E317", where="rules", value=spec)
        if isinstance(spec, (int, float)):
            return float(spec), None
        name = str(spec)
        factor = 1.0
        if "*" in name:                     # "0.5*growth_max": a fraction of a named threshold
            head, _, name = name.partition("*")
            try:
                factor = float(head)
            except ValueError:
                raise ProfileError("E317", where="rules", value=spec) from None
        sign = -1.0 if name.startswith("-") else 1.0
        key = name.strip().lstrip("-")
        if key not in self.thresholds:
            raise ProfileError("E318", where="rules", name=key)
        return sign * factor * float(self.thresholds[key]), key

    # -- reading the table ------------------------------------------------------------------------
    def rows_of(self, metric: str, dimension: str | None, segment: str | None,
                any_segment: bool = False) -> pd.DataFrame:
        f = self.frame
        mask = f["metric"] == metric
        mask &= f["dimension"].isna() if dimension is None else f["dimension"] == dimension
        if not any_segment:
            mask &= f["segment"].isna() if segment is None else f["segment"] == segment
        return f.loc[mask]

    def annual_series(self, metric: str, dimension: str | None, segment: str | None) -> pd.Series | None:
        """Values over the annual snapshots (index as_of, NaN kept); None if the metric is absent."""
        rows = self.rows_of(metric, dimension, segment)
        if rows.empty:
            return None
        s = rows.set_index("as_of")["value"].sort_index()
        return s[s.index.isin(self.annual)]

    def value(self, metric: str, as_of: Any, dimension: str | None = None,
              segment: str | None = None) -> float | None | Literal["absent"]:
        """A value at one snapshot: "absent" if not in the table, None if undefined (NaN)."""
        rows = self.rows_of(metric, dimension, segment)
        rows = rows[rows["as_of"] == pd.Timestamp(as_of)]
        return "absent" if rows.empty else clean(rows["value"].iloc[0])

    def segments_at(self, metric: str, dimension: str, as_of: Any) -> pd.Series:
        rows = self.rows_of(metric, dimension, None, any_segment=True)
        rows = rows[rows["as_of"] == pd.Timestamp(as_of)]
        return rows.set_index("segment")["value"]

    def missing_metric(self, what: str, metric: str, dimension: str | None = None) -> Skipped:
        """Why a metric is absent: the metrics stage's own reason where it gave one."""
        if metric in self.skipped:
            return replace(self.skipped[metric], what=what)
        dim = f" by {dimension}" if dimension else ""
        kind, params = ("metric_missing_by", {"metric": metric, "dimension": dimension}) if dimension else \
            ("metric_missing", {"metric": metric})
        return Skipped(what=what, needs=f"metric {metric}{dim}",
                       reason=f"{metric}{dim} is not in the metrics table", kind=kind, params=params)

    def evidence(self, metric: str, as_of: Any, value: float | None, dimension: str | None = None,
                 segment: str | None = None, threshold: float | None = None,
                 threshold_name: str | None = None, base: tuple[Any, float | None] | None = None) -> Evidence:
        """A table value as evidence; ``base`` = (as_of, value) it changed from, for a change rule."""
        return Evidence(metric=metric, as_of=iso(as_of), value=clean(value), threshold=clean(threshold),
                        threshold_name=threshold_name, dimension=dimension, segment=segment,
                        base_as_of=iso(base[0]) if base else None, base_value=clean(base[1]) if base else None)


def passes(value: float, op: str, limit: float) -> bool:
    return {">": value > limit, ">=": value >= limit, "<": value < limit, "<=": value <= limit}[op]


def far_past(value: float, op: str, limit: float, base: float, factor: float | None) -> bool:
    """True when the value is at least ``factor`` times as far past the line as the line is from ``base``."""
    if factor is None:
        return False
    if op in (">", ">="):
        gap = limit - base
        return gap > 0 and value - base >= factor * gap
    gap = base - limit if base != 0 else limit
    return gap > 0 and (base - value >= factor * gap if base != 0 else value <= limit / factor)


# -- the metric leaf ------------------------------------------------------------------------------

def _profile_fact(ctx: Context, fact: str) -> tuple[bool, Skipped | None]:
    """Whether the profile has ``fact`` for the latest year; if not, why (``what`` to be filled in)."""
    year = ctx.latest.year if ctx.latest is not None else None
    table = {"net_capital": ctx.profile.net_capital, "total_npl_ratio": ctx.profile.total_npl_ratio,
             "total_loans": ctx.profile.total_loans}
    if fact not in table:
        raise ProfileError("E319", where="rules", name=fact, choices=", ".join(table))
    if year is not None and year in table[fact]:
        return True, None
    needs = f"profile bank.{fact}[{year}]"
    return False, Skipped("", needs, f"the bank profile lacks {needs[8:]}", "profile_years",
                          {"fact": fact, "years": [year] if year is not None else []})


def metric_leaf(ctx: Context, cond: dict[str, Any], code: str) -> Outcome:
    metric = cond["metric"]
    what = f"{code}: {metric}"
    unless = cond.get("unless_profile")
    if unless and _profile_fact(ctx, unless)[0]:
        return Outcome("clear")        # not applicable: the profile has the fact a better test uses
    need = cond.get("needs_profile")
    if need:
        _, lacking = _profile_fact(ctx, need)
        if lacking is not None:
            return Outcome("unknown", missing=[replace(lacking, what=what)])
    if ctx.columns is not None:
        gone = [c for c in cond.get("needs_columns", ()) if c not in ctx.columns]
        if gone:
            return Outcome("unknown", missing=[lacks_column(what, gone[0])])
    if ctx.latest is None:
        return Outcome("unknown", missing=[Skipped(what, "annual snapshots", "the metrics table has no balance series",
                                                   "no_balance_series")])
    dimension = cond.get("dimension")
    segment = cond.get("segment")
    rows = ctx.rows_of(metric, dimension, segment, any_segment=dimension is not None and segment is None)
    if rows.empty:
        return Outcome("unknown", missing=[ctx.missing_metric(what, metric, dimension)])
    segs: list[str | None] = [segment]
    if segment is None and dimension is not None:      # every segment of the dimension (or its one null row)
        named = rows["segment"].dropna()
        segs = [None] * bool(rows["segment"].isna().any()) + sorted({str(x) for x in named})
    hits: list[Hit] = []
    missing: list[Skipped] = []
    for seg in segs:
        out = _one_series(ctx, cond, what, metric, dimension, seg)
        hits += out.hits
        missing += out.missing
    if hits:
        return Outcome("fired", hits)
    return Outcome("unknown" if missing and len(missing) == len(segs) else "clear", missing=missing)


def _one_series(ctx: Context, cond: dict[str, Any], what: str, metric: str,
                dimension: str | None, segment: str | None) -> Outcome:
    at = cond.get("at", "latest")
    op = cond["op"]
    evid: list[tuple[Any, float | None, str, str | None]] = []   # (as_of, value, metric, segment)
    scale: float | None = None                                   # the `over` value, if any
    if at == "newest":
        rows = ctx.rows_of(metric, dimension, segment).sort_values("as_of")
        when, v = rows["as_of"].iloc[-1], clean(rows["value"].iloc[-1])
        compared = v
    else:
        s = ctx.annual_series(metric, dimension, segment)
        latest = ctx.latest
        if s is None or latest is None or latest not in s.index:
            return Outcome("unknown", missing=[Skipped(what, "a value at the latest annual snapshot",
                                                       f"{metric} has no value at {iso(latest)}", "no_value_at",
                                                       {"metric": metric, "as_of": iso(latest)})])
        when, v = pd.Timestamp(latest), clean(s.loc[latest])
        compared = v
        if at in ("first", "change_from_first", "change_from_previous", "mean_growth"):
            known = s.dropna()
            earlier = known[known.index < when]
            if earlier.empty:
                return Outcome("unknown", missing=[Skipped(what, "two annual snapshots",
                                                           f"{metric} has fewer than two annual values",
                                                           "few_values", {"metric": metric, "needed": 2})])
            t0 = earlier.index[-1] if at == "change_from_previous" else earlier.index[0]
            v0 = float(earlier.loc[t0])
            evid.append((t0, v0, metric, segment))
            if at == "first":
                when, v, compared = t0, v0, v0
                evid.pop()
            elif v is None:
                compared = None
            elif at == "mean_growth":
                years = pd.Timestamp(when).year - pd.Timestamp(t0).year
                compared = (v / v0) ** (1.0 / years) - 1.0 if v0 > 0 and v >= 0 and years > 0 else None
            else:
                compared = v - v0
        over = cond.get("over")
        if over is not None:
            d = ctx.value(over, when)
            if d == "absent":
                return Outcome("unknown", missing=[ctx.missing_metric(what, over)])
            evid.append((when, d, over, None))
            scale = d
            compared = None if (compared is None or not d) else compared / d
    limit, name = ctx.threshold(cond.get("threshold", 0))
    base = 0.0
    ref = cond.get("relative_to")
    if ref is not None:
        ref = {"metric": ref} if isinstance(ref, str) else ref
        ref_at = ref.get("at", "latest")
        rt = {"latest": ctx.latest, "previous": ctx.previous}.get(ref_at, when)
        if rt is None:
            return Outcome("unknown", missing=[Skipped(what, "two annual snapshots",
                                                       f"{ref['metric']} has no previous annual value",
                                                       "no_previous_value", {"metric": ref["metric"], "needed": 2})])
        r = ctx.value(ref["metric"], rt, ref.get("dimension"), ref.get("segment"))
        if r == "absent":
            return Outcome("unknown", missing=[ctx.missing_metric(what, ref["metric"])])
        evid.append((rt, r, ref["metric"], ref.get("segment")))
        if r is None:
            return Outcome("clear")
        factor, _ = ctx.threshold(cond.get("factor", 1.0))
        base = r * factor
        limit = base + limit
    elif "factor" in cond:
        limit *= ctx.threshold(cond["factor"])[0]
    if compared is None or not passes(compared, op, limit):
        return Outcome("clear")
    evidence = [ctx.evidence(m, t, x, dimension if m == metric else None, sg) for t, x, m, sg in evid]
    # the line on the metric's own scale: a share of `over` becomes an amount, as the value is one
    shown = limit * scale if scale else limit
    changed_from = (evid[0][0], evid[0][1]) if at.startswith("change_") else None
    evidence.append(ctx.evidence(metric, when, v, dimension, segment, shown, name, base=changed_from))
    facts = {"value": compared, "threshold": limit, "as_of": iso(when), "metric": metric}
    if at.startswith("change_"):
        facts["change_pp"] = compared * 100.0     # a change of ratios, in percentage points
        facts["since"] = iso(evid[0][0])
        facts["since_year"] = pd.Timestamp(evid[0][0]).year
    if cond.get("series") and at != "newest":     # the whole annual series: first, peak, latest
        points, more = _series(ctx, metric, dimension, segment)
        evidence = points + evidence
        facts.update(more)
    return Outcome("fired", [Hit(evidence, dimension, segment,
                                 far_past(compared, op, limit, base, ctx.escalate_factor),
                                 cond.get("severity"), facts)])


def _series(ctx: Context, metric: str, dimension: str | None, segment: str | None
            ) -> tuple[list[Evidence], dict[str, Any]]:
    """First, peak and latest annual values of a series (so a fall after a peak is visible)."""
    s = ctx.annual_series(metric, dimension, segment)
    s = pd.Series(dtype=float) if s is None else s.dropna()
    if s.empty:
        return [], {}
    points = {"first": s.index[0], "peak": s.idxmax(), "latest": s.index[-1]}
    facts: dict[str, Any] = {}
    for name, t in points.items():
        facts[name], facts[f"{name}_year"] = float(s.loc[t]), pd.Timestamp(t).year
    shown = sorted({points["first"], points["peak"]} - {points["latest"]})
    return [ctx.evidence(metric, t, s.loc[t], dimension, segment) for t in shown], facts


# -- combining ------------------------------------------------------------------------------------

Leaf = Callable[[Context, dict[str, Any], str], Outcome]


def evaluate(ctx: Context, cond: dict[str, Any], code: str, checks: dict[str, Leaf]) -> Outcome:
    """any: fires if one part fires; all: fires if every part fires. Unknown parts are reported."""
    for key in ("any", "all"):
        if key in cond:
            parts = [evaluate(ctx, c, code, checks) for c in cond[key]]
            missing = [m for p in parts for m in p.missing]
            states = [p.state for p in parts]
            if key == "any":
                if "fired" in states:
                    return Outcome("fired", [h for p in parts for h in p.hits], missing)
                return Outcome("clear" if "clear" in states else "unknown", [], missing)
            if "clear" in states:
                return Outcome("clear", [], missing)
            if "unknown" in states:
                return Outcome("unknown", [], missing)
            return Outcome("fired", [h for p in parts for h in p.hits], missing)
    if "check" in cond:
        return checks[cond["check"]](ctx, cond, code)
    return metric_leaf(ctx, cond, code)
