"""Ledger warnings on stderr, one line each, the same in every command that reads a ledger."""

from __future__ import annotations

from ..ledger.contract import Ledger
from .common import stderr


def print_warnings(ledger: Ledger, lang: str, quiet: bool = False) -> None:
    err = stderr(quiet)
    for issue in ledger.issues:
        err.print(f"warning: {issue.line(lang)}", highlight=False, markup=False)
