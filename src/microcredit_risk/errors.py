"""Domain errors and the one error catalogue (``data/errors.toml``).

The core raises these; only the CLI turns them into one line on stderr and an exit code. Every
user-facing problem, from a ledger cell to a bad option value, has a stable code, a name and an
English and a Chinese template in the catalogue (docs/errors.md lists them):

    raise ProfileError("E201", path="bank.toml", detail="…")
    → "bank.toml: … [E201]"

``Location`` says where in a ledger a problem sits; the line names it first.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("zh", "en")


@dataclass(frozen=True)
class ProblemType:
    """One catalogue entry: a stable code, a name, a level and message templates."""

    code: str
    name: str
    level: str   # "error" | "warning" | "usage" (usage: the CLI exits 2)
    en: str | dict[str, str]    # a {one, other} table for a message with a count (see ``fill``)
    zh: str

    def template(self, lang: str) -> str | dict[str, str]:
        return self.zh if lang == "zh" else self.en


@cache
def catalogue() -> dict[str, ProblemType]:
    """Every problem code → its type, from ``data/errors.toml``."""
    text = resources.files("microcredit_risk").joinpath("data/errors.toml").read_text("utf-8")
    return {code: ProblemType(code=code, **spec) for code, spec in tomllib.loads(text).items()}


PLURAL_FORMS = ("one", "other")


def is_one(count: Any) -> bool:
    """Whether a count (a number or its formatted text, "1" / "1,234") takes the singular."""
    return str(count).strip() in ("1", "1.0")


def plural_form(template: Any, params: Mapping[str, Any], count: str = "count") -> str:
    """The form of ``{one = "…", other = "…"}`` that the parameter named ``count`` takes; a string as is.

    English says "1 loan" and "2 loans"; Chinese has one form, so its templates stay plain strings.
    """
    if isinstance(template, Mapping):
        form = "one" if count in params and is_one(params[count]) else "other"
        return str(template.get(form) or template.get("other") or "")
    return str(template)


def fill(template: str | Mapping[str, str], params: dict[str, Any]) -> str:
    """``template`` with its placeholders filled; a template whose parameters are missing prints as is.

    A ``{one, other}`` table is first narrowed to the form its ``count`` parameter takes.
    """
    template = plural_form(template, params)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """Control characters (an ANSI escape, a newline in a header) shown as ``\\x1b``, ``\\n``: one line, inert."""
    return _CONTROL_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True)
class Location:
    """Where a problem sits, as the user's spreadsheet numbers it (row 1 = first row of the sheet)."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    more: int = 0   # other files or sheets with the same problem (a warning counted across sources)

    def describe(self, lang: str = "en") -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”" if lang == "zh" else f"sheet '{self.sheet}'")
        if self.more:
            parts.append(f"及另外 {self.more} 个文件或工作表" if lang == "zh"
                         else f"and {self.more} other {'files or sheets' if self.more > 1 else 'file or sheet'}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行" if lang == "zh" else f"row {self.row}")
        if self.column:
            parts.append(f"列“{self.column}”" if lang == "zh" else f"column '{self.column}'")
        return ("，" if lang == "zh" else ", ").join(parts)

    def __str__(self) -> str:
        return self.describe("en")


class MCRError(Exception):
    """Base of every error the CLI reports as one line: a catalogue code, its parameters, a place.

    ``where`` (a file, an option, a rule) is printed before the message when there is no
    ``location``. ``str(error)`` is the English line; :meth:`line` gives either language.
    """

    def __init__(self, code: str, location: Location | None = None, /, *, where: str | None = None,
                 **params: Any) -> None:
        if code not in catalogue():  # not yet converted to a catalogue code: shown as written
            code, params = "E999", {"detail": code}
        self.code = code
        self.location = location or Location()
        self.where = where
        self.params = params
        super().__init__(self.line())

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as class, code and parameters (a worker process of ``--by`` hands errors back)."""
        return (_rebuild, (type(self), self.code, self.location, self.where, self.params))

    @property
    def type(self) -> ProblemType:
        return catalogue()[self.code]

    def message(self, lang: str = "en") -> str:
        return fill(self.type.template(lang), self.params)

    def line(self, lang: str = "en") -> str:
        """The whole line the CLI prints after ``mcr: error:``: place, message, ``[code]``."""
        place = self.location.describe(lang) or (self.where or "")
        sep = "：" if lang == "zh" else ": "
        head = f"{place}{sep}" if place else ""
        return escape_controls(f"{head}{self.message(lang)} [{self.code}]")

    def to_json_obj(self, lang: str = "en") -> dict[str, Any]:
        return {"code": self.code, "name": self.type.name, "message": self.message(lang),
                "where": self.where, "file": self.location.file, "sheet": self.location.sheet,
                "row": self.location.row, "column": self.location.column}


def _rebuild(cls: type[MCRError], code: str, location: Location, where: str | None,
             params: dict[str, Any]) -> MCRError:
    return cls(code, location, where=where, **params)


class LedgerError(MCRError):
    """A ledger problem that stops the run: one line naming the file, sheet, row and column."""


class ProfileError(MCRError):
    """The bank profile, a column map or a rules file cannot be read or has a wrong value."""


class AnalysisError(MCRError):
    """A stage could not run as asked (an unknown metric, a wrong formula, a run folder unreadable)."""


class OutputError(MCRError):
    """An output cannot be written, or would overwrite something that is not ours."""


class UsageError(MCRError):
    """A command-line option or argument is wrong (the CLI exits 2)."""
