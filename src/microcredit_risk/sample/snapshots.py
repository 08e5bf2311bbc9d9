"""Year-end snapshots of simulated loan lives: balance, days past due, grade and provision as a bank
would report them on 31 December — including the ways a weak bank reports them (grades that lag
overdue days, renewed loans kept 'normal')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..profile import default_thresholds
from .engine import Calendar, Loans

# index into GRADES; reported provision rates by grade before the kind's factor and noise
NORMAL, SPECIAL, SUB, DOUBT, LOSS = range(5)
PROVISION_RATES = np.array([0.01, 0.035, 0.25, 0.50, 1.0])


@dataclass
class Rows:
    """One entry per loan per year-end snapshot at which the loan is on the book."""

    loan: np.ndarray       # index into Loans
    snap: np.ndarray       # index into the study years
    balance: np.ndarray
    write_off: np.ndarray
    dpd: np.ndarray
    grade: np.ndarray      # reported grade index
    provision: np.ndarray


def expand(loans: Loans, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """(loan index, snapshot index) of every year-end at which a loan has a balance — plus the
    year-end of the year it is written off, where it shows balance 0 and its write-off."""
    s = cal.snapshots
    first = np.searchsorted(s, loans.orig, side="left")
    stop = np.searchsorted(s, loans.exit, side="left")  # snapshots strictly before the exit
    stop = stop + (loans.written_off & (loans.exit <= s[-1]))
    count = np.clip(stop - first, 0, None)
    loan = np.repeat(np.arange(loans.orig.size), count)
    offsets = np.repeat(np.cumsum(count) - count, count)
    snap = first[loan] + (np.arange(loan.size) - offsets)
    return loan, snap


def floor_grade(dpd: np.ndarray) -> np.ndarray:
    """The least grade the days past due allow (METRICS.md classification floor, default day limits)."""
    t = default_thresholds()
    days = [t[f"floor_days_{g}"] for g in ("special_mention", "substandard", "doubtful", "loss")]
    return np.searchsorted(np.array(days), dpd, side="right")


def snapshot(loans: Loans, cal: Calendar, p: dict[str, Any], rng: np.random.Generator) -> Rows:
    """The year-end rows of every loan."""
    loan, snap = expand(loans, cal)
    return report(loans, loan, snap, cal.snapshots[snap], cal.per_year(p["grade_lag"])[cal.study][snap], p, rng)


def book_balance(loans: Loans, loan: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(balance, write-off, gone) of loans ``loan`` at days ``s``: no randomness, so a month-end
    and a year-end of the same loan agree."""
    default, orig = loans.default[loan], loans.orig[loan]
    in_default = s >= default
    gone = loans.written_off[loan] & (s >= loans.exit[loan])
    elapsed = np.clip((s - orig) / loans.term[loan], 0.0, 1.0)
    amount = loans.amount[loan]
    current = np.round(amount * np.where(loans.amortising[loan], 1.0 - 0.9 * elapsed, 1.0), 2)
    balance = np.where(in_default, loans.frozen[loan], current)
    write_off = np.where(gone, balance, 0.0)
    return np.where(gone, 0.0, balance), write_off, gone


def report(loans: Loans, loan: np.ndarray, snap: np.ndarray, s: np.ndarray, lag: np.ndarray,
           p: dict[str, Any], rng: np.random.Generator) -> Rows:
    """What the bank reports for loans ``loan`` at days ``s`` (``lag``: the grade-lag chance of each
    row's year): days past due, grade and provision, with the kind's reporting habits."""
    n = loan.size
    default = loans.default[loan]
    in_default = s >= default
    balance, write_off, gone = book_balance(loans, loan, s)

    late = ~in_default & (rng.random(n) < p["late"])
    dpd = np.where(in_default, s - default + 1, np.where(late, rng.integers(1, 61, n), 0)).astype(float)

    floor = floor_grade(dpd)
    grade = floor.copy()
    grade[(floor == NORMAL) & (rng.random(n) < p["sm_noise"])] = SPECIAL
    early = in_default & (floor == SPECIAL) & ~loans.cured[loan] & (rng.random(n) < p["early_npl"])
    grade[early] = SUB
    lagging = (floor >= SUB) & (rng.random(n) < lag)
    grade[lagging] = np.where(rng.random(int(lagging.sum())) < 0.7, SPECIAL, NORMAL)
    masked = loans.renewed[loan] & (floor == SPECIAL) & (rng.random(n) < p["renewal_mask"])
    grade[masked] = NORMAL
    grade[gone] = LOSS

    noise = rng.lognormal(0.0, 0.15, n)
    rate = np.clip(PROVISION_RATES[grade] * p["provision_factor"] * noise, 0.0, 1.0)
    provision = np.round(balance * rate, 2)
    return Rows(loan, snap, balance, write_off, dpd, grade, provision)
