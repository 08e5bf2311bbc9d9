"""The driver model's formula language: a small, documented subset of patsy's.

``npl ~ C(guarantee_type) + log(amount) + term + Q("风险分担比例")`` — the left side is always
``npl`` (the target of :mod:`.drivers`); each right-side term is one of

* ``C(col)``   — a factor: one dummy per level against the largest level (rare levels merged);
* ``log(col)`` — natural log of a positive number (``np.log(col)`` also accepted);
* ``col``      — the value itself: a number, a flag (0/1), or, for a text column, a factor.

``col`` is a canonical column, the derived ``term`` (months from origination to maturity), or any
extra column of the ledger under its original header. A header that is not a Python identifier is
written ``Q("header")`` (as in patsy) or between backticks. The intercept is always included.
A column enters exactly as the ledger holds it (a rate as a fraction: its coefficient is per 1.0,
as in a paper fitted on the same column); only the default model rescales rates (``Term.scale``).
A wrong formula raises :class:`AnalysisError` with a code E401–E408 naming the term or column.
We parse the formula ourselves rather than through patsy so that design matrices for a million
loan-periods are built vectorised, and so that a wrong name fails with the list of columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import AnalysisError

TARGET = "npl"
TermKind = Literal["factor", "log", "value"]

_IDENT = re.compile(r"^[^\W\d]\w*$")
_CALL = re.compile(r"^(C|log|np\.log)\s*\((.*)\)$", re.DOTALL)
_QUOTED = re.compile(r"""^Q\s*\(\s*(["'])(.*)\1\s*\)$""", re.DOTALL)


@dataclass(frozen=True)
class Term:
    kind: TermKind
    column: str
    scale: float = 1.0   # the column's values are multiplied by this before they enter (default model only)

    @property
    def label(self) -> str:
        """How the term is written back in a formula (quoted where needed)."""
        col = self.column if _IDENT.match(self.column) else f'Q("{self.column}")'
        return {"factor": f"C({col})", "log": f"log({col})", "value": col}[self.kind]

    @property
    def name(self) -> str:
        """Prefix of this term's coefficient names: ``industry[C]``, ``log(amount)``, ``term``."""
        return {"factor": self.column, "log": f"log({self.column})", "value": self.column}[self.kind]


def formula_text(terms: list[Term]) -> str:
    return f"{TARGET} ~ " + (" + ".join(t.label for t in terms) if terms else "1")


def _split_top_level(text: str, formula: str) -> list[str]:
    """Split ``text`` (the right side of ``formula``) on ``+`` outside quotes, backticks and parentheses."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "+" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    if quote or depth:
        raise AnalysisError("E403", formula=formula.strip())
    return [p.strip() for p in parts]


def _unquoted(text: str) -> str:
    """A column as written in a formula (``Q("…")``, between backticks or bare) → its name."""
    text = text.strip()
    m = _QUOTED.match(text)
    if m:
        return m.group(2)
    if len(text) >= 2 and text[0] == text[-1] == "`":
        return text[1:-1]
    return text


def read_terms(formula: str) -> list[Term]:
    """The terms of a formula a model was already fitted with (its columns not checked again)."""
    _, _, rhs = formula.partition("~")
    out: list[Term] = []
    for part in _split_top_level(rhs, formula):
        m = _CALL.match(part)
        if m:
            out.append(Term("factor" if m.group(1) == "C" else "log", _unquoted(m.group(2))))
        elif part not in ("", "1"):
            out.append(Term("value", _unquoted(part)))
    return out


def _column_name(text: str, available: list[str]) -> str:
    name = _unquoted(text)
    if name in available:
        return name
    raise AnalysisError("E407", column=name, available=", ".join(available))


def parse_formula(formula: str, available: list[str]) -> list[Term]:
    """Terms of ``formula`` (see the module doc); :class:`AnalysisError` on anything else."""
    if formula.count("~") != 1:
        raise AnalysisError("E401", formula=formula.strip())
    lhs, rhs = formula.split("~")
    if lhs.strip() != TARGET:
        raise AnalysisError("E402", target=lhs.strip())
    terms: list[Term] = []
    for part in _split_top_level(rhs, formula):
        if part in ("1", ""):
            if part == "":
                raise AnalysisError("E404", formula=formula.strip())
            continue
        m = _CALL.match(part)
        quoted = _QUOTED.match(part) or (len(part) >= 2 and part[0] == part[-1] == "`")
        if m:
            kind: TermKind = "factor" if m.group(1) == "C" else "log"
            inner = m.group(2)
            if "," in inner and not _QUOTED.match(inner.strip()):
                raise AnalysisError("E406", term=part, function=m.group(1))
            term = Term(kind, _column_name(inner, available))
        elif quoted or part in available or _IDENT.match(part):
            term = Term("value", _column_name(part, available))
        else:
            raise AnalysisError("E405", term=part)
        if term not in terms:
            terms.append(term)
    return terms
