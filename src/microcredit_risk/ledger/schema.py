"""Header and value vocabularies (data/aliases.toml, data/values.toml) and how a header is matched.

Both sides are normalised the same way before comparing: trim, drop spaces, full-width → half-width
(NFKC), case-fold, and a trailing bracketed unit is split off (``贷款余额(万元)`` → ``贷款余额`` + 万元).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import Location
from .contract import CANONICAL_NAMES, READ_NAMES
from .problems import LedgerError

_UNIT_RE = re.compile(r"^(?P<base>.*?)[(\[{]\s*(?:单位[:：]?)?\s*(?P<unit>[^()\[\]{}]*)[)\]}]$")
_SPACE_RE = re.compile(r"\s+")


def normalise(text: Any) -> str:
    """The comparison key of a header or a value: NFKC, no spaces, case-folded."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    return _SPACE_RE.sub("", s).casefold()


def split_unit(header: str) -> tuple[str, str | None]:
    """``'贷款余额(万元)'`` → ``('贷款余额', '万元')``; headers without a bracketed suffix → (header, None)."""
    key = normalise(header)
    m = _UNIT_RE.match(key)
    if m and m.group("base"):
        return m.group("base"), m.group("unit") or None
    return key, None


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("microcredit_risk").joinpath(f"data/{name}").read_text("utf-8"))


@cache
def alias_table() -> dict[str, list[str]]:
    """canonical → aliases as written in the data file (for `mcr schema` and error messages)."""
    data = _load("aliases.toml")
    return {c: list(data.get(c, [])) for c in CANONICAL_NAMES}


@cache
def unit_scales() -> dict[str, float]:
    return {normalise(k): float(v) for k, v in _load("aliases.toml")["units"].items()}


@cache
def vocabularies() -> dict[str, Any]:
    return _load("values.toml")


@cache
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, aliases in alias_table().items():
        for alias in [canonical, *aliases]:
            index.setdefault(split_unit(alias)[0], canonical)
    return index


def value_map(column: str) -> dict[str, str]:
    """Normalised accepted input → canonical value, for a vocabulary column."""
    vocab = vocabularies().get(column, {})
    out: dict[str, str] = {}
    for canonical, inputs in vocab.items():
        if not isinstance(inputs, list) or canonical == "combined_order":
            continue
        for v in [canonical, *inputs]:
            out.setdefault(normalise(v), canonical)
    return out


@dataclass
class ColumnMap:
    """A user's own mappings (``--columns map.toml``): header → canonical, and extra value words.

    ```toml
    [columns]
    "贷款本金余额" = "balance"
    "Grade (internal)" = "five_category"

    [values.five_category]
    "A" = "normal"
    "B" = "special_mention"

    [units]
    "贷款本金余额" = "万元"   # when the unit is not written in the header
    ```
    """

    columns: dict[str, str] = field(default_factory=dict)   # normalised header → canonical
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical column → {normalised input: value}
    units: dict[str, float] = field(default_factory=dict)   # normalised header → scale
    formats: dict[str, str] = field(default_factory=dict)   # normalised header → strftime format or epoch
    derive: dict[str, str] = field(default_factory=dict)    # canonical → expression over source headers
    where: str | None = None                                # [filter] where: rows kept
    currency: str = "CNY"                                   # [ledger] currency (ISO 4217)
    unit: float = 1.0                                       # [ledger] unit: multiplier of every amount
    dedupe: str = "none"                                    # [ledger] dedupe: "exact" drops exact duplicate rows
    industry_scheme: str | None = None                      # [ledger] industry_scheme: gbt4754 | naics | none
    lines: dict[str, int] = field(default_factory=dict)     # "derive.<column>" / "filter.where" → map-file line
    blank_grades: str = "error"  # [ledger] blank_grades: "error" | "drop" (dropped rows counted, W111)
    path: str | None = None


def load_column_map(path: str | Path | None) -> ColumnMap:
    if path is None:
        return ColumnMap()
    p = Path(path)
    loc = Location(file=str(p))
    try:
        text = p.read_text("utf-8")
        data = tomllib.loads(text)
    except (FileNotFoundError, IsADirectoryError):
        raise LedgerError("E013", loc, detail="file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LedgerError("E013", loc, detail=f"not valid TOML ({exc})") from None
    from .mapfile import check_schema

    check_schema(data, text, str(p))
    cmap = ColumnMap(path=str(p))
    for header, canonical in (data.get("columns") or {}).items():
        if canonical not in READ_NAMES:
            raise LedgerError("E013", loc, detail=f"'{header}' → '{canonical}': not a canonical column "
                                                  f"(see `mcr schema`)")
        cmap.columns[split_unit(header)[0]] = canonical
    for column, mapping in (data.get("values") or {}).items():
        if column not in CANONICAL_NAMES or not isinstance(mapping, dict):
            raise LedgerError("E013", loc, detail=f"[values.{column}] is not a canonical column's table")
        cmap.values[column] = {normalise(k): str(v) for k, v in mapping.items()}
    scales = unit_scales()
    for header, unit in (data.get("units") or {}).items():
        if normalise(unit) not in scales:
            raise LedgerError("E013", loc, detail=f"[units] '{header}' = '{unit}': unknown unit "
                                                  f"(use {', '.join(sorted(scales))})")
        cmap.units[split_unit(header)[0]] = scales[normalise(unit)]
    cmap.formats = {split_unit(h)[0]: f for h, f in (data.get("formats") or {}).items()}
    from .mapfile import line_of

    cmap.derive = dict(data.get("derive") or {})
    for canonical in cmap.derive:  # a derived column is matched by the header it is given
        cmap.columns[split_unit("[derive] " + canonical)[0]] = canonical
        cmap.lines[f"derive.{canonical}"] = line_of(text, "derive", canonical)
    cmap.where = (data.get("filter") or {}).get("where")
    cmap.lines["filter.where"] = line_of(text, "filter", "where")
    options = data.get("ledger") or {}
    cmap.currency = options.get("currency", cmap.currency)
    cmap.unit = float(options.get("unit", cmap.unit))
    cmap.dedupe = options.get("dedupe", cmap.dedupe)
    cmap.industry_scheme = options.get("industry_scheme", cmap.industry_scheme)
    cmap.blank_grades = options.get("blank_grades", cmap.blank_grades)
    return cmap


@dataclass(frozen=True)
class HeaderMatch:
    header: str
    canonical: str | None
    how: str            # "alias" | "user map" | "extra"
    scale: float = 1.0  # unit → yuan (or % → fraction)


def match_header(header: str, cmap: ColumnMap) -> HeaderMatch:
    base, unit = split_unit(header)
    scale = unit_scales().get(unit, 1.0) if unit else 1.0
    if base in cmap.units:
        scale = cmap.units[base]
    if base in cmap.columns:
        return HeaderMatch(header, cmap.columns[base], "user map", scale)
    full = normalise(header)
    if full in cmap.columns:
        return HeaderMatch(header, cmap.columns[full], "user map", scale)
    canonical = _alias_index().get(base) or _alias_index().get(full)
    if canonical:
        return HeaderMatch(header, canonical, "alias", scale)
    return HeaderMatch(header, None, "extra", 1.0)


def header_score(cells: list[Any], cmap: ColumnMap) -> int:
    """How many distinct canonical columns a candidate header row names (to find the header row)."""
    found = set()
    for c in cells:
        if c is None or (isinstance(c, float) and c != c) or str(c).strip() == "":
            continue
        m = match_header(str(c), cmap)
        if m.canonical:
            found.add(m.canonical)
    return len(found)
