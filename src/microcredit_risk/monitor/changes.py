"""What changed since an earlier run (``mcr analyze --baseline PREV_RUN_DIR``): ``changes.json``.

A cron job runs ``mcr analyze`` every month; what it needs first is what moved since last month.
:func:`compare` reads this run's tidy table, findings and loan states beside the baseline's
(monitor/baseline.py) and says, at each run's latest snapshot:

* the headline metrics then and now (``data/changes.toml [headline]``), the change (a ratio's in
  percentage points, stored as a fraction) and, for amounts and counts, the relative change;
* findings new, resolved and still open, matched by code, dimension and segment;
* the segments whose NPL ratio moved most (those holding at least ``segment_min_share`` of the balance);
* loans newly downgraded, newly non-performing and newly overdue, matched by loan id
  (``None`` when the baseline kept no loan states: warning W501).

Every number here is a difference of two numbers of the two tables (or a count of loans); the
report and changes.json read it from here. Schema ``mcr.changes/1``, written and read back
(``mcr report RUN_DIR``) by :func:`changes_json` and :func:`changes_from_json`.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Location, OutputError
from ..findings.records import Finding, Findings, severity_rank
from ..ledger.contract import GRADES, NPL_GRADES
from ..ledger.problems import Issue
from ..metrics.table import Metrics
from ..vocabulary import metric_unit
from .baseline import Baseline
from .state import LoanState

SCHEMA = "mcr.changes/1"
STATUSES = ("new", "open", "resolved")      # "open": found in both runs (still open)


@cache
def settings() -> dict[str, Any]:
    """``data/changes.toml``: which metrics, dimensions and how many segments are compared."""
    text = resources.files("microcredit_risk").joinpath("data/changes.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True)
class MetricChange:
    """One portfolio metric then and now; ``relative`` only for amounts and counts."""

    metric: str
    unit: str
    before: float | None
    after: float | None
    change: float | None = None
    relative: float | None = None


@dataclass(frozen=True)
class FindingChange:
    """One finding of either run: ``severity`` is this run's (a resolved one's: the baseline's)."""

    status: str                       # new | open | resolved
    code: str
    severity: str
    title: str
    dimension: str | None = None
    segment: str | None = None
    before_severity: str | None = None    # open: the baseline's severity
    checked: bool = True                  # resolved: False when this run could not run the rule


@dataclass(frozen=True)
class SegmentMove:
    """A segment's NPL ratio then and now; ``share`` is its share of this run's balance."""

    dimension: str
    segment: str
    before: float
    after: float
    change: float
    share: float | None


@dataclass(frozen=True)
class LoanMoves:
    """Loans of this run's latest snapshot against the baseline's, matched by loan id."""

    matched: int
    new: int                          # in this run only
    gone: int                         # in the baseline only (repaid, written off, sold)
    downgraded: int                   # a worse grade than in the baseline
    downgraded_balance: float
    newly_npl: int                    # performing then, non-performing now
    newly_npl_balance: float
    newly_overdue: int | None         # not overdue then (or not recorded), overdue now; None: no days past due
    newly_overdue_balance: float | None


@dataclass
class Changes:
    """Everything "changes since the last run" says; ``warnings`` are W5xx issues about the baseline."""

    baseline: str                     # the folder as given to --baseline
    before_as_of: str
    after_as_of: str
    metrics: list[MetricChange] = field(default_factory=list)
    findings: list[FindingChange] = field(default_factory=list)
    segments: list[SegmentMove] = field(default_factory=list)
    loans: LoanMoves | None = None
    warnings: list[Issue] = field(default_factory=list)

    def of(self, status: str) -> list[FindingChange]:
        return [f for f in self.findings if f.status == status]

    def new_at_or_above(self, severity: str) -> list[FindingChange]:
        """Findings that now reach ``severity`` and did not in the baseline (``--fail-on-new``):
        new ones, and open ones whose severity rose to it."""
        least = severity_rank(severity)
        return [f for f in self.findings if f.status in ("new", "open") and severity_rank(f.severity) >= least
                and (f.before_severity is None or severity_rank(f.before_severity) < least)]


# -- comparing --------------------------------------------------------------------------------------
def _num(v: Any) -> float | None:
    return None if v is None or not math.isfinite(float(v)) else float(v)


def _unit(metrics: Metrics, metric: str) -> str:
    units = metrics.frame.loc[metrics.frame["metric"] == metric, "unit"]
    return str(units.iloc[0]) if len(units) and isinstance(units.iloc[0], str) else (metric_unit(metric) or "")


def metric_changes(now: Metrics, then: Metrics, after: str, before: str) -> list[MetricChange]:
    out = []
    for m in settings()["headline"]:
        b, a = then.get(m, before), now.get(m, after)
        if a is None and b is None:
            continue
        unit = _unit(now, m) if now.get(m) is not None else _unit(then, m)
        change = None if a is None or b is None else a - b
        relative = change / b if change is not None and unit != "ratio" and b else None
        out.append(MetricChange(metric=m, unit=unit, before=b, after=a, change=change, relative=relative))
    return out


def _segment_values(metrics: Metrics, metric: str, as_of: str, dims: list[str]) -> pd.Series:
    f = metrics.frame
    rows = f[(f["metric"] == metric) & f["dimension"].isin(dims) & (f["as_of"] == pd.Timestamp(as_of))
             & f["segment"].notna()]
    return rows.set_index(["dimension", "segment"])["value"]


def segment_moves(now: Metrics, then: Metrics, after: str, before: str) -> list[SegmentMove]:
    s = settings()
    dims = list(s["segment_dimensions"])
    table = pd.DataFrame({"before": _segment_values(then, "npl_ratio", before, dims),
                          "after": _segment_values(now, "npl_ratio", after, dims)})
    if table.empty:
        return []
    share = _segment_values(now, "balance_share", after, dims)
    table["share"] = share.reindex(table.index)
    table = table.dropna(subset=["before", "after"])
    table = table[(table["share"].isna() | (table["share"] >= float(s["segment_min_share"])))]
    table["change"] = table["after"] - table["before"]
    table = table[table["change"] != 0].reset_index()
    table["size"] = table["change"].abs()
    table = table.sort_values(["size", "dimension", "segment"], ascending=[False, True, True], kind="stable")
    records: list[dict[Any, Any]] = table.head(int(s["top_segments"])).to_dict("records")
    return [SegmentMove(dimension=str(r["dimension"]), segment=str(r["segment"]), before=float(r["before"]),
                        after=float(r["after"]), change=float(r["change"]), share=_num(r["share"]))
            for r in records]


def _keys(items: list[Finding]) -> list[tuple[str, str | None, str | None, int]]:
    """(code, dimension, segment, n): the n-th finding of that code in that segment (n = 0 almost always).

    A segment matches only under a dimension: a portfolio finding's ``segment`` says which reading of the
    rule fired (a grade of the migration rule, say), and the same problem read another way next month is
    still the same open problem, not one resolved and one new.
    """
    seen: dict[tuple[str, str | None, str | None], int] = {}
    out = []
    for f in items:
        k = (f.code, f.dimension, f.segment if f.dimension else None)
        out.append((*k, seen.get(k, 0)))
        seen[k] = seen.get(k, 0) + 1
    return out


def finding_changes(now: Findings, then: Findings) -> list[FindingChange]:
    """Findings new, still open and resolved, each group high severity first."""
    before = dict(zip(_keys(then.items), then.items, strict=True))
    after = dict(zip(_keys(now.items), now.items, strict=True))
    out = []
    for k, f in after.items():
        old = before.get(k)
        out.append(FindingChange(status="new" if old is None else "open", code=f.code, severity=f.severity,
                                 title=f.title, dimension=f.dimension, segment=f.segment,
                                 before_severity=None if old is None else old.severity))
    for k, f in before.items():
        if k not in after:
            out.append(FindingChange(status="resolved", code=f.code, severity=f.severity, title=f.title,
                                     dimension=f.dimension, segment=f.segment,
                                     checked=now.states.get(f.code) != "unknown"))
    return sorted(out, key=lambda c: (STATUSES.index(c.status), -severity_rank(c.severity)))


def loan_moves(now: LoanState, then: LoanState) -> LoanMoves:
    """Vectorised: this run's loans looked up among the baseline's by loan id."""
    a, b = now.frame, then.frame.drop_duplicates("loan_id")
    idx = pd.Index(b["loan_id"].astype("str")).get_indexer(pd.Index(a["loan_id"].astype("str")))
    matched = idx >= 0
    at = idx[matched]
    a_grade = a["five_category"].cat.codes.to_numpy()
    b_grade = np.full(len(a), -1, dtype="int64")
    b_grade[matched] = b["five_category"].cat.codes.to_numpy()[at]
    known = matched & (a_grade >= 0) & (b_grade >= 0)
    npl_from = min(GRADES.index(g) for g in NPL_GRADES)
    down = known & (a_grade > b_grade)
    npl = known & (b_grade < npl_from) & (a_grade >= npl_from)
    balance = a["balance"].to_numpy("float64")
    overdue: np.ndarray | None = None
    if "days_past_due" in a.columns and "days_past_due" in b.columns:
        b_dpd = np.full(len(a), np.nan)
        b_dpd[matched] = b["days_past_due"].to_numpy("float64")[at]
        with np.errstate(invalid="ignore"):
            overdue = matched & (a["days_past_due"].to_numpy("float64") > 0) & ~(b_dpd > 0)

    def total(mask: np.ndarray) -> float:
        return float(np.nansum(balance[mask]))

    return LoanMoves(matched=int(matched.sum()), new=int((~matched).sum()), gone=int(len(b) - matched.sum()),
                     downgraded=int(down.sum()), downgraded_balance=total(down),
                     newly_npl=int(npl.sum()), newly_npl_balance=total(npl),
                     newly_overdue=None if overdue is None else int(overdue.sum()),
                     newly_overdue_balance=None if overdue is None else total(overdue))


def compare(metrics: Metrics, findings: Findings, loans: LoanState, currency: str, baseline: Baseline) -> Changes:
    """This run (its table, findings, latest loan states) against ``baseline``.

    Refused: a baseline whose latest snapshot is after this run's (E521), or in another currency
    (E522). Warned: the same latest snapshot (W502), no loan states (W501), other pseudonyms (W503).
    """
    where = baseline.where
    after, before = loans.as_of, baseline.as_of
    if before > after:
        raise OutputError("E521", where=where, before=before, after=after)
    if baseline.currency != currency:
        raise OutputError("E522", where=where, before=baseline.currency, after=currency)
    place = Location(file=where)
    warnings = []
    if before == after:
        warnings.append(Issue("W502", 0, place, {"date": after}))
    if baseline.loans is None:
        warnings.append(Issue("W501", 0, place))
    elif baseline.loans.pseudonyms != loans.pseudonyms:
        warnings.append(Issue("W503", 0, place))
    return Changes(baseline=baseline.path, before_as_of=before, after_as_of=after,
                   metrics=metric_changes(metrics, baseline.metrics, after, before),
                   findings=finding_changes(findings, baseline.findings),
                   segments=segment_moves(metrics, baseline.metrics, after, before),
                   loans=None if baseline.loans is None else loan_moves(loans, baseline.loans),
                   warnings=warnings)


# -- changes.json -------------------------------------------------------------------------------------
def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def changes_obj(changes: Changes, lang: str = "en") -> dict[str, Any]:
    findings = {s: [{k: v for k, v in asdict(f).items() if k != "status"} for f in changes.of(s)] for s in STATUSES}
    return _clean({
        "schema": SCHEMA,
        "baseline": {"path": changes.baseline, "as_of": changes.before_as_of},
        "as_of": changes.after_as_of,
        "metrics": [asdict(m) for m in changes.metrics],
        "findings": findings,
        "segments": [asdict(s) for s in changes.segments],
        "loans": None if changes.loans is None else asdict(changes.loans),
        "warnings": [{"code": w.code, "where": w.location.file, "params": w.params, "line": w.line(lang)}
                     for w in changes.warnings],
    })


def changes_json(changes: Changes, lang: str = "en") -> str:
    """changes.json's text: deterministic, no NaN (``lang``: the language of the warnings' lines)."""
    return json.dumps(changes_obj(changes, lang), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def changes_from_json(obj: Any, where: str = "changes.json") -> Changes:
    """The :class:`Changes` that :func:`changes_json` wrote (``mcr report RUN_DIR`` re-renders from it)."""
    if not isinstance(obj, dict) or obj.get("schema") != SCHEMA:
        raise OutputError("E507", where=where, value=obj.get("schema") if isinstance(obj, dict) else None,
                          expected=SCHEMA)
    try:
        base = obj["baseline"]
        loans = obj.get("loans")
        return Changes(
            baseline=str(base["path"]), before_as_of=str(base["as_of"]), after_as_of=str(obj["as_of"]),
            metrics=[MetricChange(**m) for m in obj.get("metrics", [])],
            findings=[FindingChange(status=s, **f) for s in STATUSES for f in obj.get("findings", {}).get(s, [])],
            segments=[SegmentMove(**s) for s in obj.get("segments", [])],
            loans=None if loans is None else LoanMoves(**loans),
            warnings=[Issue(w["code"], 0, Location(file=w.get("where")), dict(w.get("params") or {}))
                      for w in obj.get("warnings", [])],
        )
    except (KeyError, TypeError) as exc:
        raise OutputError("E509", where=where, detail=f"{type(exc).__name__}: {exc}") from None
