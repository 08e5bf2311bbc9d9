"""Ledger warnings: what reading found that does not stop the run (codes in data/errors.toml).

An error is raised as :class:`LedgerError` (the run stops, exit 1, nothing written); a warning is
collected as an :class:`Issue` on the :class:`~microcredit_risk.ledger.contract.Ledger`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import LedgerError, Location, ProblemType, catalogue, escape_controls, fill

__all__ = ["Issue", "LedgerError"]


@dataclass(frozen=True)
class Issue:
    """A warning found while reading: how many rows it touches and where the first one is."""

    code: str
    count: int
    location: Location = field(default_factory=Location)
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    rows: tuple[int, ...] = ()  # spreadsheet rows of the first few cases

    @property
    def type(self) -> ProblemType:
        return catalogue()[self.code]

    def message(self, lang: str = "en") -> str:
        """The message in ``lang``; the count with thousands separators (4,693), as every output writes counts."""
        t = self.type
        count = f"{self.count:,}" if isinstance(self.count, int | float) else self.count
        return fill(t.template(lang), {"count": count, **self.params})

    def line(self, lang: str = "en") -> str:
        """One line naming the place (file, sheet, column), the message and the code, as errors print."""
        place = self.location.describe(lang)
        sep = "：" if lang == "zh" else ": "
        return escape_controls(f"{place}{sep if place else ''}{self.message(lang)} [{self.code}]")

    def to_json_obj(self, lang: str = "en") -> dict[str, Any]:
        return {
            "code": self.code, "name": self.type.name, "level": self.type.level, "count": self.count,
            "message": self.message(lang), "line": self.line(lang), "file": self.location.file,
            "sheet": self.location.sheet, "other_sources": self.location.more,
            "column": self.location.column, "rows": list(self.rows),
        }
