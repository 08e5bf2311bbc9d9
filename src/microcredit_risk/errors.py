"""Domain errors. The core raises these; only the CLI turns them into a line on stderr and an exit code."""

from __future__ import annotations

from dataclasses import dataclass


class MCRError(Exception):
    """Base of every error the CLI reports as one line (exit status 1)."""


class ProfileError(MCRError):
    """The bank profile or a column-map file cannot be read or has a wrong value."""


class AnalysisError(MCRError):
    """A stage could not run on this ledger (e.g. an unknown metric or dimension was asked for)."""


@dataclass(frozen=True)
class Location:
    """Where a problem sits, as the user's spreadsheet numbers it (row 1 = first row of the sheet)."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)
