"""Ledger warnings on stderr, one line each, the same in every command that reads a ledger (and a baseline's)."""

from __future__ import annotations

from ..ledger.contract import Ledger
from ..monitor.changes import Changes
from .common import stderr, stdout


def print_warnings(ledger: Ledger, lang: str, quiet: bool = False) -> None:
    err = stderr(quiet)
    for issue in ledger.issues:
        err.print(f"warning: {issue.line(lang)}", highlight=False, markup=False)


def print_changes(changes: Changes | None, lang: str) -> None:
    """With --baseline: the baseline's warnings on stderr, one line of what changed on stdout."""
    if changes is None:
        return
    err = stderr()
    for issue in changes.warnings:
        err.print(f"warning: {issue.line(lang)}", highlight=False, markup=False)
    stdout().print(f"since {changes.before_as_of}: {len(changes.of('new'))} new, {len(changes.of('resolved'))} "
                   f"resolved, {len(changes.of('open'))} still open", highlight=False)
