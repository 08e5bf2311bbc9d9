"""The small expression language of a column map's ``[derive]`` and ``[filter]`` (vectorised, no ``eval``).

    maturity_date = "DisbursementDate + months(Term)"
    balance       = "if(MIS_Status == 'CHGOFF', ChgOffPrinGr, 0)"
    where         = "Selected == 1 and `Gross Amount` > 0"

Names are source headers (a header with spaces or symbols in backticks); constants are numbers and
quoted text; operators ``+ - * /``, comparisons, ``and``/``or``/``not``; functions ``months(n)`` (add to
a date), ``if(cond, a, b)``, ``year(date)``. Parsed with :mod:`ast` and walked over a whitelist, each
node evaluated on whole columns: no per-row Python and no access to anything but the table.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

_BACKTICK_RE = re.compile(r"`([^`]*)`")
_IF_RE = re.compile(r"\bif\s*\(")
_FUNCTIONS = {"months", "_if", "year"}
_BINOPS: dict[type, Callable[[object, object], object]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,  # type: ignore[operator]
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,  # type: ignore[operator]
}
_COMPARE: dict[type, Callable[[object, object], object]] = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,  # type: ignore[operator]
    ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,  # type: ignore[operator]
}


class ExpressionError(ValueError):
    """An expression that cannot be read (syntax, a construct not allowed) or names an unknown header."""


@dataclass(frozen=True)
class Months:
    """``months(n)``: a number of months to add to (or subtract from) a date column."""

    n: pd.Series


@dataclass(frozen=True)
class Expression:
    """A parsed expression and the source headers it names."""

    text: str
    tree: ast.Expression
    names: dict[str, str]  # python name in the tree → header as written

    @property
    def headers(self) -> list[str]:
        return list(dict.fromkeys(self.names.values()))


def parse_expression(text: str) -> Expression:
    """Parse and check ``text``; raise :class:`ExpressionError` saying what is wrong."""
    names: dict[str, str] = {}

    def quote(m: re.Match[str]) -> str:
        key = f"__h{len(names)}"
        names[key] = m.group(1)
        return key

    source = _IF_RE.sub("_if(", _BACKTICK_RE.sub(quote, text))
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error at character {exc.offset or 0}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
                raise ExpressionError("only months(), if() and year() can be called")
        elif isinstance(node, ast.Name):
            if node.id not in _FUNCTIONS:
                names.setdefault(node.id, node.id)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float, str)) or isinstance(node.value, bool):
                raise ExpressionError(f"constant {node.value!r} not allowed")
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Load,
                                   ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or, *_BINOPS, *_COMPARE)):
            raise ExpressionError(f"'{type(node).__name__}' not allowed (use + - * /, comparisons, and/or/not, "
                                  "months(), if(), year())")
    return Expression(text, tree, names)


def add_months(dates: pd.Series, n: pd.Series) -> pd.Series:
    """Calendar months added to dates, the day clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    d = pd.to_datetime(dates)
    months = pd.to_numeric(n, errors="coerce").round()
    total = d.dt.year * 12 + (d.dt.month - 1) + months
    ok = total.notna() & d.notna()
    year = (total[ok] // 12).astype("int64")
    month = (total[ok] % 12 + 1).astype("int64")
    first = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}))
    day = np.minimum(d[ok].dt.day.to_numpy(), first.dt.days_in_month.to_numpy())
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[us]")
    out[ok] = (first + pd.to_timedelta(day - 1, unit="D")).astype("datetime64[us]")
    return out


def evaluate(expr: Expression, column: Callable[[str], pd.Series], index: pd.Index) -> pd.Series:
    """The value of ``expr`` on every row; ``column(header)`` gives a source column, typed."""

    def walk(node: ast.AST) -> object:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return column(expr.names.get(node.id, node.id))
        if isinstance(node, ast.UnaryOp):
            v = walk(node.operand)
            return ~_bool(v) if isinstance(node.op, ast.Not) else (-v if isinstance(node.op, ast.USub) else v)  # type: ignore[operator]
        if isinstance(node, ast.BoolOp):
            parts = [_bool(walk(v)) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(node.op, ast.And) else (out | p)
            return out
        if isinstance(node, ast.Compare):
            left = walk(node.left)
            result_any: Any = None
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = walk(comp)
                a, b = _comparable(left, right)
                step = _COMPARE[type(op)](a, b)
                result_any = step if result_any is None else result_any & step
                left = right
            return result_any
        if isinstance(node, ast.BinOp):
            a, b = walk(node.left), walk(node.right)
            if isinstance(b, Months) and isinstance(node.op, (ast.Add, ast.Sub)):
                return add_months(a, b.n if isinstance(node.op, ast.Add) else -b.n)  # type: ignore[arg-type]
            return _BINOPS[type(node.op)](a, b)
        if isinstance(node, ast.Call):
            name = node.func.id  # type: ignore[attr-defined]
            args = [walk(a) for a in node.args]
            if name == "months" and len(args) == 1:
                return Months(pd.Series(args[0], index=index) if not isinstance(args[0], pd.Series) else args[0])
            if name == "year" and len(args) == 1:
                return pd.to_datetime(pd.Series(args[0], index=index)).dt.year
            if name == "_if" and len(args) == 3:
                cond = _bool(args[0])
                a = args[1] if isinstance(args[1], pd.Series) else pd.Series(args[1], index=index)
                return a.where(cond, args[2])
            raise ExpressionError(f"{name.lstrip('_')}() takes {3 if name == '_if' else 1} argument(s)")
        raise ExpressionError(f"'{type(node).__name__}' not allowed")  # pragma: no cover - parse checked

    value = walk(expr.tree)
    if not isinstance(value, pd.Series):
        value = pd.Series(value, index=index)
    return value


def _bool(v: object) -> pd.Series:
    if isinstance(v, pd.Series):
        return v.fillna(False).astype(bool)
    return v  # type: ignore[return-value]


def _comparable(a: object, b: object) -> tuple[object, object]:
    """Text compared with text (trimmed; a blank cell is ``''``); a number compared with a numeric column."""
    if isinstance(a, pd.Series) and isinstance(b, str):
        return a.astype("str").str.strip().where(a.notna(), ""), b
    if isinstance(b, pd.Series) and isinstance(a, str):
        return a, b.astype("str").str.strip().where(b.notna(), "")
    return a, b
