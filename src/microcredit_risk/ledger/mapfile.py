"""Column map v2 (``--columns map.toml``): the schema of its tables and keys, checked with line numbers.

```toml
[columns]                 # source header → canonical column
[values.five_category]    # source value → canonical value (every value of the column)
[units]                   # source header → unit (万元, 元 …) when the header does not say
[formats]                 # source header → strftime format, or "excel" | "sas" | "stata" | "unix" | "year"
[derive]                  # canonical column = expression over source headers
[filter]                  # where = expression: keep only the rows where it is true
[ledger]                  # currency, unit, dedupe, industry_scheme, blank_grades, snapshots
```

Why a schema: a typo (``[column]``, ``[dates]``) used to be ignored, so the map silently did nothing.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import Location
from .contract import CANONICAL_NAMES, READ_NAMES
from .expressions import ExpressionError, parse_expression
from .problems import LedgerError

TABLES = ("columns", "values", "units", "formats", "derive", "filter", "ledger")
EPOCHS = ("excel", "sas", "stata", "unix", "year")
LEDGER_KEYS: dict[str, tuple[str, ...] | None] = {
    "currency": None, "unit": None, "dedupe": ("exact", "none"),
    "industry_scheme": ("gbt4754", "naics", "none"), "blank_grades": ("error", "drop"),
}
FILTER_KEYS = ("where",)
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def line_of(text: str, table: str, key: str | None = None) -> int:
    """1-based line of ``[table]`` (or of ``key`` inside it) in the map file's text; 0 if not found."""
    lines = text.splitlines()
    head = re.compile(r"^\s*\[\s*" + re.escape(table) + r"\s*\]")
    start = next((i for i, ln in enumerate(lines) if head.match(ln)), None)
    if start is None:
        return 0
    if key is None:
        return start + 1
    k = re.compile(r"""^\s*(?:"|')?""" + re.escape(key) + r"""(?:"|')?\s*=""")
    for i in range(start + 1, len(lines)):
        if re.match(r"^\s*\[", lines[i]):
            break
        if k.match(lines[i]):
            return i + 1
    return start + 1


def _err(code: str, path: str, text: str, table: str, key: str | None = None, **params: Any) -> LedgerError:
    return LedgerError(code, Location(file=path), line=line_of(text, table, key), table=table,
                       key=key or "", **params)


def check_schema(data: dict[str, Any], text: str, path: str) -> None:
    """E251 for an unknown table, E252 for an unknown key, E253 for a value of the wrong kind."""
    for table, body in data.items():
        if table not in TABLES:
            raise _err("E251", path, text, table, known=", ".join(t if t != "values" else "values.<column>"
                                                                   for t in TABLES))
        if not isinstance(body, dict):
            raise _err("E253", path, text, table, value=body, detail="must be a table")
    for column, mapping in (data.get("values") or {}).items():
        if column not in CANONICAL_NAMES or not isinstance(mapping, dict):
            raise _err("E251", path, text, f"values.{column}", known="values.<canonical column>, see `mcr schema`")
    for header, fmt in (data.get("formats") or {}).items():
        if not isinstance(fmt, str) or not (fmt in EPOCHS or "%" in fmt):
            raise _err("E253", path, text, "formats", header, value=fmt,
                       detail=f"use a strftime format such as \"%m/%d/%Y\", or one of {', '.join(EPOCHS)}")
    for canonical, expr in (data.get("derive") or {}).items():
        if canonical not in READ_NAMES:
            raise _err("E252", path, text, "derive", canonical, known="canonical column names (`mcr schema`)")
        _check_expression(expr, path, text, "derive", canonical)
    for key, expr in (data.get("filter") or {}).items():
        if key not in FILTER_KEYS:
            raise _err("E252", path, text, "filter", key, known="where")
        _check_expression(expr, path, text, "filter", key)
    for key, value in (data.get("ledger") or {}).items():
        if key not in LEDGER_KEYS:
            raise _err("E252", path, text, "ledger", key, known=", ".join(LEDGER_KEYS))
        allowed = LEDGER_KEYS[key]
        if allowed is not None and value not in allowed:
            raise _err("E253", path, text, "ledger", key, value=value, detail=f"use one of {', '.join(allowed)}")
        if key == "currency" and not (isinstance(value, str) and _CURRENCY_RE.match(value)):
            raise _err("E253", path, text, "ledger", key, value=value, detail="use an ISO 4217 code such as CNY, USD")
        if key == "unit" and (isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0):
            raise _err("E253", path, text, "ledger", key, value=value, detail="use a positive number (1, 1000, 10000)")


def _check_expression(expr: object, path: str, text: str, table: str, key: str) -> None:
    if not isinstance(expr, str):
        raise _err("E253", path, text, table, key, value=expr, detail="must be an expression in quotes")
    try:
        parse_expression(expr)
    except ExpressionError as exc:
        raise _err("E254", path, text, table, key, expr=expr, detail=str(exc)) from None
