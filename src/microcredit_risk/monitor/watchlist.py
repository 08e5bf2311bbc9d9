"""The early-warning list: the loans an officer should look at now, each with its reasons (docs/watchlist.md).

Built from the ledger's latest snapshot (and the previous annual snapshot, for downgrades and for
renewals of loans that were in arrears), the findings (the officers, segments and concentration
metrics their records name: read, never judged again) and the thresholds (the days-past-due floor
of ledger/floor.py, ``watch_maturity_days``). Each reason is one boolean column over the snapshot —
no loop over loans. A reason whose input is missing does not run and says why (``not_run``).

Ranked by balance at risk = balance × (1 − risk_share_ratio) (the part of a loss the bank bears;
the whole balance where the ratio is missing), then more reasons first, then larger balance, then
loan_id: the same ledger always gives the same order.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..findings.records import Finding, Findings
from ..ledger.contract import GRADE_DTYPE, GRADES
from ..ledger.floor import floor_breaches, floor_codes
from ..metrics.rows import snapshot_segments
from ..metrics.table import Skipped, lacks_column
from ..snapshots import annual_dates

SEP = ";"          # between reason codes in one cell
HOT_SEP = "\x1f"   # between the "dimension=segment" keys of ``hotspots`` (a segment name may hold ";")
# the list's columns in order; those the ledger cannot fill are left out
COLUMNS = ("rank", "loan_id", "customer_id", "customer_name", "branch", "loan_officer", "product",
           "five_category", "previous_category", "floor_category", "days_past_due", "maturity_date",
           "balance", "risk_share_ratio", "balance_at_risk", "reasons", "hotspots")
CARRIED = ("loan_id", "customer_id", "customer_name", "branch", "loan_officer", "product", "days_past_due",
           "maturity_date", "balance", "risk_share_ratio")   # copied from the snapshot as they are


@cache
def config() -> dict[str, Any]:
    """data/watchlist.toml: the reasons in order, the findings they read, the exposure metrics."""
    text = resources.files("microcredit_risk").joinpath("data/watchlist.toml").read_text("utf-8")
    return tomllib.loads(text)


def reasons() -> tuple[str, ...]:
    return tuple(config()["reasons"])


@dataclass
class Watchlist:
    """The ranked list (one row per loan, :data:`COLUMNS` it has) and the reasons that could not run."""

    frame: pd.DataFrame
    as_of: str | None = None          # the snapshot listed (ISO date)
    previous: str | None = None       # the annual snapshot grades are compared with (None: there is none)
    not_run: list[Skipped] = field(default_factory=list)   # what = reason code, needs = what it lacked

    def ran(self, code: str) -> bool:
        return all(s.what != code for s in self.not_run)

    def flags(self) -> pd.DataFrame:
        """One boolean column per reason code (list order), one row per listed loan."""
        cell = SEP + self.frame["reasons"].astype(str) + SEP
        return pd.DataFrame({c: cell.str.contains(SEP + c + SEP, regex=False).astype(bool) for c in reasons()},
                            index=self.frame.index)

    def counts(self) -> dict[str, int]:
        """Loans listed for each reason (a loan with two reasons counts under both)."""
        return {str(c): int(v) for c, v in self.flags().sum().items()}

    def at_risk(self) -> dict[str, float]:
        """Balance at risk of the loans listed for each reason."""
        bar = self.frame["balance_at_risk"].to_numpy(dtype="float64") if len(self.frame) else np.zeros(0)
        return {str(c): float(bar[f.to_numpy()].sum()) for c, f in self.flags().items()}

    def to_json_obj(self) -> dict[str, Any]:
        """What the list's files do not hold (run.json ``watchlist``): its dates and the reasons not run."""
        return {"as_of": self.as_of, "previous": self.previous,
                "not_run": [s.to_json_obj() for s in self.not_run]}

    @classmethod
    def from_json_obj(cls, frame: pd.DataFrame, obj: Mapping[str, Any] | None) -> Watchlist:
        obj = obj or {}
        return cls(frame=frame, as_of=obj.get("as_of"), previous=obj.get("previous"),
                   not_run=[Skipped.from_json_obj(s) for s in obj.get("not_run") or []])


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("balance", "balance_at_risk") else object)
                         for c in ("rank", "loan_id", "customer_id", "five_category", "balance", "balance_at_risk",
                                   "reasons")})


# -- what the reasons read ---------------------------------------------------------------------------
def _has(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and bool(frame[column].notna().any())


def _grade_codes(s: pd.Series) -> np.ndarray:
    return np.asarray(s.astype(GRADE_DTYPE).cat.codes, dtype=np.int64)


@dataclass
class _Snapshot:
    """The latest snapshot's loans with a balance, what the loan looked like before, the findings."""

    snap: pd.DataFrame
    before: pd.DataFrame | None        # previous annual snapshot's loans with a balance, indexed by loan_id
    findings: Findings
    thresholds: Mapping[str, float]
    as_of: pd.Timestamp
    hotspots: tuple[list[str], np.ndarray] | None = None  # set by the hotspot reason: segment keys, loans × keys

    @cached_property
    def days(self) -> np.ndarray:
        return pd.to_numeric(self.snap["days_past_due"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)

    @property
    def overdue(self) -> np.ndarray:
        return self.days > 0      # NaN compares False

    @cached_property
    def weak(self) -> np.ndarray:
        """The loan itself shows a sign of weakness (data/watchlist.toml [weak]): graded at least
        ``grade`` (special mention), or more than ``days_past_due`` (0) days overdue."""
        rule = config()["weak"]
        worse = _grade_codes(self.snap["five_category"]) >= GRADES.index(rule["grade"])   # −1 (no grade) is not
        if not _has(self.snap, "days_past_due"):
            return worse
        return worse | (self.days > float(rule["days_past_due"]))

    @cached_property
    def _before_at(self) -> np.ndarray:
        """Per loan, its row in ``before`` (−1: it had no balance then); one look-up for every column."""
        assert self.before is not None
        return np.asarray(self.before.index.get_indexer(pd.Index(self.snap["loan_id"])), dtype=np.int64)

    def earlier(self, column: str) -> np.ndarray:
        """``column`` (numeric) of the same loan at the previous annual snapshot (NaN where it had no balance)."""
        assert self.before is not None
        values = self.before[column].to_numpy(dtype="float64", na_value=np.nan)
        at = self._before_at
        return np.where(at >= 0, values[np.maximum(at, 0)] if len(values) else np.nan, np.nan)

    def segments(self, dimensions: set[str]) -> pd.DataFrame:
        """Each loan's segment name in those of ``dimensions`` the snapshot has (a column each, its row
        order), from the engine's segment rule that the metrics use (engine/rows_sql.py)."""
        return snapshot_segments(self.snap, dict(self.thresholds), dimensions)

    def fired(self, code: str) -> list[Finding]:
        return [f for f in self.findings.items if f.code in config()["problems"][code]]

    def could_run(self, code: str) -> Skipped | None:
        """None if one finding the reason reads could run (fired or came out clear)."""
        codes = config()["problems"][code]
        states = self.findings.states
        if any(states.get(c) in ("fired", "clear") for c in codes) or self.fired(code):
            return None
        return Skipped(code, f"finding {codes[0]}", f"{codes[0]} could not run", "finding_not_run", {"code": codes[0]})


Reason = Callable[[_Snapshot], "np.ndarray | Skipped"]


def _lacks(s: _Snapshot, code: str, *columns: str) -> Skipped | None:
    for c in columns:
        if not _has(s.snap, c):
            return lacks_column(code, c)
    return None


def floor_breach(s: _Snapshot) -> np.ndarray | Skipped:
    """Overdue, and graded better than the days-past-due floor (the one floor: ledger/floor.py)."""
    lack = _lacks(s, "FLOOR_BREACH", "days_past_due")
    return lack or (floor_breaches(s.snap, dict(s.thresholds)).to_numpy(dtype=bool) & s.overdue)


def downgraded(s: _Snapshot) -> np.ndarray | Skipped:
    """Graded worse than at the previous annual snapshot (the latest period of METRICS.md's migration)."""
    if s.before is None:
        return Skipped("DOWNGRADED", "two annual snapshots", "the ledger has a single annual snapshot",
                       "no_previous_grade", {"needed": 2})
    return _grade_codes(s.snap["five_category"]) > s.earlier("grade_code")      # NaN (a new loan) compares False


def renewed_in_arrears(s: _Snapshot) -> np.ndarray | Skipped:
    """Renewed (renewal_flag) and overdue now, or overdue at the previous annual snapshot: a renewal
    or extension that turned arrears into a current loan is what evergreening looks like."""
    lack = _lacks(s, "RENEWED_IN_ARREARS", "renewal_flag", "days_past_due")
    if lack:
        return lack
    renewed = s.snap["renewal_flag"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    arrears = s.overdue
    if s.before is not None:
        arrears = arrears | (s.earlier("days_past_due") > 0)
    return renewed & arrears


def large_exposure(s: _Snapshot) -> np.ndarray | Skipped:
    """Loans of the customers (or group) a fired concentration finding measures: its evidence names the
    metric that crossed its line, data/watchlist.toml [exposures] whose balances and how many of the
    largest that metric is about. The largest holders are ranked by balance, then id."""
    lack = s.could_run("LARGE_EXPOSURE")
    if lack:
        return lack
    top: dict[str, int] = {}
    for f in s.fired("LARGE_EXPOSURE"):
        for e in f.evidence:
            spec = config()["exposures"].get(e.metric)
            if spec is not None:
                top[spec["holder"]] = max(top.get(spec["holder"], 0), int(spec["top"]))
    out = np.zeros(len(s.snap), dtype=bool)
    for holder, n in sorted(top.items()):
        if not _has(s.snap, holder):
            continue
        sums = s.snap.groupby(holder, sort=True)["balance"].sum()
        ranked = pd.DataFrame({"id": sums.index, "b": sums.to_numpy()}).sort_values(
            ["b", "id"], ascending=[False, True], kind="mergesort")
        out |= s.snap[holder].isin(ranked["id"].head(n)).to_numpy(dtype=bool)
    return out


def flagged_officer(s: _Snapshot) -> np.ndarray | Skipped:
    """Weak loans (:attr:`_Snapshot.weak`) of the officers an officer finding names (its evidence
    segments by loan_officer): a performing loan of a flagged officer is not listed."""
    lack = _lacks(s, "FLAGGED_OFFICER", "loan_officer") or s.could_run("FLAGGED_OFFICER")
    if lack:
        return lack
    names = {e.segment for f in s.fired("FLAGGED_OFFICER") for e in f.evidence
             if e.dimension == "loan_officer" and e.segment is not None}
    return s.snap["loan_officer"].isin(sorted(names)).to_numpy(dtype=bool) & s.weak


def hotspot_segment(s: _Snapshot) -> np.ndarray | Skipped:
    """Weak loans (:attr:`_Snapshot.weak`) in a segment a hotspot finding names (its dimension and
    segment), matched on the segment names the metrics gave the loans; the segments each listed
    loan is in are kept (``hotspots``)."""
    lack = s.could_run("HOTSPOT_SEGMENT")
    if lack:
        return lack
    named = sorted({(f.dimension, f.segment) for f in s.fired("HOTSPOT_SEGMENT")
                    if f.dimension is not None and f.segment is not None})
    keys, hits = [], []
    names = s.segments({dim for dim, _ in named}) if named else pd.DataFrame()
    for dim, seg in named:
        if dim in names.columns:
            keys.append(f"{dim}={seg}")
            hits.append((names[dim] == seg).to_numpy(dtype=bool) & s.weak)
    matrix = np.column_stack(hits) if hits else np.zeros((len(s.snap), 0), dtype=bool)
    s.hotspots = (keys, matrix)
    return np.asarray(matrix.any(axis=1), dtype=bool)


def maturing_overdue(s: _Snapshot) -> np.ndarray | Skipped:
    """Overdue and due within watch_maturity_days of the snapshot (as_of ≤ maturity ≤ as_of + days)."""
    lack = _lacks(s, "MATURING_OVERDUE", "maturity_date", "days_past_due")
    if lack:
        return lack
    left = (pd.to_datetime(s.snap["maturity_date"]) - s.as_of).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    return (left >= 0) & (left <= s.thresholds["watch_maturity_days"]) & s.overdue


REASONS: dict[str, Reason] = {
    "FLOOR_BREACH": floor_breach, "DOWNGRADED": downgraded, "RENEWED_IN_ARREARS": renewed_in_arrears,
    "LARGE_EXPOSURE": large_exposure, "FLAGGED_OFFICER": flagged_officer, "HOTSPOT_SEGMENT": hotspot_segment,
    "MATURING_OVERDUE": maturing_overdue,
}


# -- the list ----------------------------------------------------------------------------------------
def _stock(frame: pd.DataFrame, when: pd.Timestamp, as_of: pd.Series) -> pd.DataFrame:
    balance = pd.to_numeric(frame["balance"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return frame.loc[(as_of == when).to_numpy() & (balance > 0)].reset_index(drop=True)


def _grade_names(codes: np.ndarray) -> np.ndarray:
    """Grade codes (−1 or NaN = none) as grade names (None)."""
    names = np.asarray([*GRADES, None], dtype=object)
    c = np.where(np.isnan(codes), -1, codes).astype(np.int64)
    return names[np.where(c < 0, len(GRADES), c)]


def joined(names: list[str], matrix: np.ndarray, sep: str) -> np.ndarray:
    """Per row of the boolean ``matrix`` (rows × names), the names whose column is true, joined by ``sep``
    ("" for none). Each distinct combination is joined once, so the cost does not grow with the rows."""
    if matrix.shape[1] == 0:
        return np.full(matrix.shape[0], "", dtype=object)
    if matrix.shape[1] < 63:     # each row's combination as one integer: a 1-d unique, fast
        bits = matrix.astype(np.int64) @ (np.int64(1) << np.arange(matrix.shape[1], dtype=np.int64))
        uniq, which = np.unique(bits, return_inverse=True)
        combos = ((uniq[:, None] >> np.arange(matrix.shape[1])) & 1).astype(bool)
    else:
        combos, which = np.unique(matrix, axis=0, return_inverse=True)
    words = np.asarray([sep.join(n for n, on in zip(names, row, strict=True) if on) for row in combos], dtype=object)
    return words[np.asarray(which).reshape(-1)]


def build_watchlist(frame: pd.DataFrame, findings: Findings, thresholds: Mapping[str, float]) -> Watchlist:
    """The early-warning list of the ledger ``frame`` (canonical columns, every snapshot)."""
    if frame.empty:
        return Watchlist(frame=empty_frame())
    as_of = pd.to_datetime(frame["as_of"]).dt.normalize()
    annual = annual_dates(as_of.unique())
    when = annual[-1]
    snap = _stock(frame, when, as_of)
    before = None
    if len(annual) > 1:
        before = _stock(frame, annual[-2], as_of).set_index("loan_id")
        before["grade_code"] = _grade_codes(before["five_category"])
    previous = annual[-2].strftime("%Y-%m-%d") if len(annual) > 1 else None
    s = _Snapshot(snap=snap, before=before, findings=findings, thresholds=thresholds, as_of=when)
    flags: dict[str, np.ndarray] = {}
    not_run: list[Skipped] = []
    for code in reasons():
        got = REASONS[code](s) if len(snap) else np.zeros(0, dtype=bool)
        if isinstance(got, Skipped):
            not_run.append(got)
        else:
            flags[code] = np.asarray(got, dtype=bool)
    listed = np.zeros(len(snap), dtype=bool)
    for f in flags.values():
        listed |= f
    out = _rows(s, flags, listed)
    return Watchlist(frame=out, as_of=when.strftime("%Y-%m-%d"), previous=previous, not_run=not_run)


def _rows(s: _Snapshot, flags: dict[str, np.ndarray], listed: np.ndarray) -> pd.DataFrame:
    """The listed loans with their columns, reasons and rank."""
    snap = s.snap.loc[listed].reset_index(drop=True)
    out = pd.DataFrame({c: snap[c] for c in CARRIED if c in snap.columns})
    out["five_category"] = snap["five_category"].astype(object).where(snap["five_category"].notna(), None)
    if s.before is not None:
        out["previous_category"] = _grade_names(s.earlier("grade_code")[listed])
    if _has(s.snap, "days_past_due"):
        floor = floor_codes(snap["days_past_due"], dict(s.thresholds)).astype("float64")
        out["floor_category"] = _grade_names(np.where(np.isnan(s.days[listed]), np.nan, floor))
    share = np.zeros(len(snap))
    if "risk_share_ratio" in snap.columns:
        share = np.clip(np.nan_to_num(snap["risk_share_ratio"].to_numpy(dtype="float64", na_value=np.nan)), 0.0, 1.0)
    out["balance"] = snap["balance"].to_numpy(dtype="float64")
    out["balance_at_risk"] = np.round(out["balance"].to_numpy() * (1.0 - share), 2)   # to the cent: no float noise in ties
    matrix = np.column_stack([f[listed] for f in flags.values()]) if flags else np.zeros((len(snap), 0), dtype=bool)
    out["reasons"] = joined(list(flags), matrix, SEP)
    if s.hotspots is not None and s.hotspots[1].any():
        keys, hot = s.hotspots
        where = joined(keys, hot[listed], HOT_SEP)
        out["hotspots"] = pd.Series(where, dtype=object).replace("", None).to_numpy()
    out["_n"] = matrix.sum(axis=1)
    out = out.sort_values(["balance_at_risk", "_n", "balance", "loan_id"], ascending=[False, False, False, True],
                          kind="mergesort")
    out = out.drop(columns="_n").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    return out[[c for c in COLUMNS if c in out.columns]]
