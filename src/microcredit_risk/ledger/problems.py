"""The catalogue of ledger problems: stable codes, levels and message templates (data/problems.toml).

An error is raised as :class:`LedgerError` (the run stops, exit 1, nothing written); a warning is
collected as an :class:`Issue` on the :class:`~microcredit_risk.ledger.canonical.Ledger`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ..errors import Location, MCRError


@dataclass(frozen=True)
class ProblemType:
    code: str
    name: str
    level: str  # "error" | "warning"
    en: str
    zh: str


@cache
def catalogue() -> dict[str, ProblemType]:
    text = resources.files("microcredit_risk").joinpath("data/problems.toml").read_text("utf-8")
    return {code: ProblemType(code=code, **spec) for code, spec in tomllib.loads(text).items()}


def _format(template: str, params: dict[str, Any]) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


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
        t = self.type
        return _format(t.zh if lang == "zh" else t.en, {"count": self.count, **self.params})

    def to_json_obj(self, lang: str = "en") -> dict[str, Any]:
        return {
            "code": self.code, "name": self.type.name, "level": self.type.level, "count": self.count,
            "message": self.message(lang), "file": self.location.file, "sheet": self.location.sheet,
            "column": self.location.column, "rows": list(self.rows),
        }


class LedgerError(MCRError):
    """A ledger problem that stops the run: one line naming the file, sheet, row and column."""

    def __init__(self, code: str, location: Location | None = None, **params: Any) -> None:
        self.code = code
        self.location = location or Location()
        self.params = params
        super().__init__(self.line())

    def line(self, lang: str = "en") -> str:
        t = catalogue()[self.code]
        msg = _format(t.zh if lang == "zh" else t.en, self.params)
        where = str(self.location)
        return f"{where}: {msg} [{self.code}]" if where else f"{msg} [{self.code}]"
