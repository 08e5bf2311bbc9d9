"""One raw table → canonical columns and values (names matched, units scaled, vocabularies mapped).

Problems are recorded as they are met: errors raise :class:`LedgerError` at the first offending
cell (file, sheet, spreadsheet row, column as written); warnings are counted into the collector.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Location
from .contract import GRADES, READ_COLUMN_BY_NAME, ColumnMatch, SourceInfo
from .database import is_database_url
from .explain import ColumnExplain, conversion_words, explain_column
from .guards import check_cell_sizes, check_error_cells, check_numbers, check_required_cells, raise_blank
from .prepare import DERIVED_PREFIX, prepare, read_dates
from .problems import Issue, LedgerError
from .read import RawTable
from .schema import ColumnMap, match_header, normalise, split_unit, vocabularies
from .sources import Partition
from .tape import TAPE_REQUIRED
from .values import (
    _map_uniques,
    _texts,
    blank,
    parse_dates,
    parse_flags,
    parse_fractions,
    parse_grades,
    parse_industry,
    parse_numbers,
    parse_text,
    parse_vocab,
    unmapped_values,
)

_NAME_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*(?:[-_/.年]\s*(\d{1,2})\s*(?:[-_/.月]\s*(\d{1,2})\s*日?)?|(\d{2})(\d{2}))?")


@dataclass
class Collector:
    """Warnings gathered while reading, merged by (code, source, column)."""

    issues: dict[tuple[str, str | None, str | None, str | None], Issue] = field(default_factory=dict)
    explains: list[ColumnExplain] = field(default_factory=list)  # for `mcr validate --explain`

    def add(self, code: str, count: int, location: Location, rows: list[int] | None = None, **params: object) -> None:
        if count <= 0:
            return
        key = (code, location.file, location.sheet, location.column)
        old = self.issues.get(key)
        if old is not None:
            count += old.count
            rows = list(old.rows) + list(rows or [])
        self.issues[key] = Issue(code, count, location, dict(params), tuple((rows or [])[:5]))

    def as_list(self) -> list[Issue]:
        return list(self.issues.values())


def date_from_name(name: str | None) -> pd.Timestamp | None:
    """``2021`` / ``2021年末`` → 2021-12-31; ``2021-06`` / ``2021年6月`` → month end; full dates as written."""
    if not name:
        return None
    m = _NAME_DATE_RE.search(name)
    if not m:
        return None
    year = int(m.group(1))
    month = m.group(2) or m.group(4)
    day = m.group(3) or m.group(5)
    try:
        if month and day:
            return pd.Timestamp(year, int(month), int(day))
        if month:
            return pd.Timestamp(year, int(month), 1) + pd.offsets.MonthEnd(0)
        return pd.Timestamp(year, 12, 31)
    except ValueError:
        return None


def _first(mask: pd.Series, rows: pd.Series) -> int | None:
    idx = np.flatnonzero(mask.to_numpy())
    return int(rows.iloc[idx[0]]) if len(idx) else None


def _rows(mask: pd.Series, rows: pd.Series, n: int = 5) -> list[int]:
    idx = np.flatnonzero(mask.to_numpy())[:n]
    return [int(r) for r in rows.iloc[idx]]


def _frame(columns: dict[str, Any], index: pd.Index) -> pd.DataFrame:
    """The canonical columns as a frame without copying them: ``pd.DataFrame(dict)`` stacks columns of
    one dtype into a block (0.5 s for a 2.8M-row month), which the Parquet writer then splits again."""
    if columns and all(isinstance(v, pd.Series) and (v.index is index or v.index.equals(index))
                       for v in columns.values()):
        return pd.concat(list(columns.values()), axis=1, keys=list(columns))
    return pd.DataFrame(columns, index=index)


def _total_rows(frame: pd.DataFrame, text_headers: list[str]) -> pd.Series:
    words = vocabularies()["totals"]["words"]
    pattern = "|".join(re.escape(w) for w in words)
    mask = pd.Series(False, index=frame.index)
    for h in text_headers:
        col = frame[h]
        if col.dtype.kind in "biufM":
            continue
        text = col.astype("str") if not isinstance(col.dtype, pd.StringDtype) else col
        # a fast pre-filter (one regex kernel over the column), then the precise test on the few candidates
        candidate = text.str.contains(pattern, case=False, regex=True, na=False)
        if not candidate.any():
            continue
        t = text[candidate].str.replace(r"\s", "", regex=True).str.casefold()
        hit = t.str.fullmatch(f"(?:{pattern})(?:[:：].*)?", na=False) | \
            (t.str.startswith(tuple(words), na=False) & (t.str.len() <= 8))
        mask.loc[hit.index[hit.to_numpy(dtype=bool)]] = True
    return mask


def canonicalise(table: RawTable, index: int, cmap: ColumnMap, forced_as_of: pd.Timestamp | None,
                 collector: Collector, tape: bool = False,
                 partition: Partition | None = None) -> tuple[pd.DataFrame, list[ColumnMatch], str]:
    """Return the canonical part of one table, how its columns were matched, and where as_of came from.

    ``partition`` (a Hive-style ``as_of=…`` folder above the file) is the snapshot date of a table
    without a date column, before ``--as-of`` and names; a date column that disagrees with it is E027.

    With ``tape`` (a loan tape for ``--snapshots annual``) the required columns are the tape's
    (:data:`~.tape.TAPE_REQUIRED`, and ``amount`` or ``balance``); ``as_of`` and grades are made later.
    """
    table = prepare(table, cmap, collector)
    frame, rows = table.frame, table.row_numbers
    src = table.source
    matches: list[ColumnMatch] = []
    chosen: dict[str, str] = {}   # canonical → header
    scales: dict[str, float] = {}
    extras: list[str] = []
    for h in frame.columns:
        m = match_header(str(h), cmap)
        if m.canonical and m.canonical not in chosen:
            chosen[m.canonical] = str(h)
            scales[m.canonical] = m.scale
            how = "derived" if str(h).startswith(DERIVED_PREFIX) else m.how
            matches.append(ColumnMatch(src, str(h), m.canonical, how, m.scale))
        else:
            extras.append(str(h))
            matches.append(ColumnMatch(src, str(h), None, "extra" if not m.canonical else f"duplicate of {m.canonical}"))

    def loc(column: str | None = None, row: int | None = None) -> Location:
        return Location(table.file, table.sheet, row, chosen.get(column, column) if column else None)

    # blank and total rows are dropped first
    all_blank = pd.Series(True, index=frame.index)
    for h in frame.columns:
        if not str(h).startswith(DERIVED_PREFIX):  # a derived constant does not make a blank row
            all_blank &= blank(frame[h])
    text_like = [chosen[c] for c in ("loan_id", "customer_id", "customer_name") if c in chosen] + \
        [str(h) for h in frame.columns[:2]]
    drop = all_blank | _total_rows(frame, list(dict.fromkeys(text_like)))
    if drop.any():
        collector.add("W101", int(drop.sum()), loc(), _rows(drop, rows))
        frame, rows = frame.loc[~drop], rows.loc[~drop]

    # required columns (with the two documented substitutes)
    seen = [str(h) for h in table.frame.columns]
    if tape:
        for made in ("as_of", "five_category", "days_past_due"):  # made by the tape rules, never read
            chosen.pop(made, None)
    for req in TAPE_REQUIRED + (("amount",) if "balance" not in chosen else ()) if tape else ("loan_id", "balance"):
        if req not in chosen:
            _missing(req, seen, table)
    if "customer_id" not in chosen:
        if "customer_name" not in chosen:
            _missing("customer_id", seen, table)
        if not table.part:   # once per table, not per chunk of a database result
            collector.add("W108", 1, loc())
    if "five_category" not in chosen and "days_past_due" not in chosen and not tape:
        _missing("five_category", seen, table)

    # hostile cells: huge text anywhere; error values and blanks in the required columns
    check_cell_sizes(frame, rows, lambda h, r: Location(table.file, table.sheet, r, h))
    for req in ("as_of", "loan_id", "customer_id" if "customer_id" in chosen else "customer_name", "balance",
                *(TAPE_REQUIRED[1:] if tape else ())):
        if req in chosen:
            check_required_cells(frame[chosen[req]], req, rows, loc)
    if "five_category" in chosen:
        check_error_cells(frame[chosen["five_category"]], "five_category", rows, loc)

    out: dict[str, pd.Series] = {}
    as_of_from = "column"
    if "as_of" in chosen:
        values, bad = read_dates(frame[chosen["as_of"]], cmap.formats.get(split_unit(chosen["as_of"])[0]), "as_of",
                                 rows, loc)
        bad |= values.isna()
        if bad.any():
            r = _first(bad, rows)
            raw = frame[chosen["as_of"]].iloc[int(np.flatnonzero(bad.to_numpy())[0])]
            raise LedgerError("E008", loc("as_of", r), value=raw)
        if partition is not None and not tape:
            _check_partition(values, rows, partition, loc)
        out["as_of"] = values
    elif tape:
        as_of_from = "--snapshots annual"
        out["as_of"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    else:
        when, as_of_from = (partition.as_of, "partition folder") if partition else (forced_as_of, "--as-of")
        if when is None:
            when, as_of_from = date_from_name(table.sheet), "sheet name"
        if when is None and not is_database_url(table.file):   # a URL is no file name to date by
            from pathlib import Path

            when, as_of_from = date_from_name(Path(table.file).stem), "file name"
        if when is None:
            raise LedgerError("E009", loc())
        out["as_of"] = pd.Series(when, index=frame.index, dtype="datetime64[us]")

    for canonical, header in chosen.items():
        if canonical == "as_of":
            continue
        if READ_COLUMN_BY_NAME[canonical].kind == "date":
            out[canonical], bad = read_dates(frame[header], cmap.formats.get(split_unit(header)[0]), canonical, rows,
                                             loc)
            collector.add("W110", int(bad.sum()), loc(canonical), _rows(bad, rows))
            continue
        out[canonical] = _convert(canonical, frame[header], rows, scales[canonical] * (
            cmap.unit if READ_COLUMN_BY_NAME[canonical].kind == "money" else 1.0), cmap, loc, collector)

    for canonical, header in chosen.items():
        fmt = cmap.formats.get(split_unit(header)[0])
        words = conversion_words(canonical, header, scales[canonical] * (
            cmap.unit if READ_COLUMN_BY_NAME[canonical].kind == "money" else 1.0), cmap, fmt)
        collector.explains.append(explain_column(src, canonical, header, words, frame[header], out[canonical]))
    if "as_of" not in chosen and not tape:
        collector.explains.append(ColumnExplain(src, "as_of", f"({as_of_from})", f"date from the {as_of_from}",
                                                ((table.sheet or table.file, str(out["as_of"].iloc[0].date())
                                                  if len(out["as_of"]) else "—"),)))
    if "customer_id" not in out:
        out["customer_id"] = out["customer_name"]
    if not tape and table.part is None:   # a database result is checked whole (load: check_not_empty)
        _check_not_empty(out, "five_category" in chosen, loc)
    keep = _blank_grades(out, "five_category" in chosen, rows, cmap, loc, collector)
    if keep is not None:
        out = {k: v[keep] for k, v in out.items()}
        frame, rows = frame.loc[keep], rows.loc[keep]
    result = _frame(out, frame.index)
    tail = pd.DataFrame({"_src": np.int32(index), "_row": rows.astype("int64")}, index=frame.index)
    # extra columns joined in one step (10,000 extra columns took minutes when added one by one)
    result = pd.concat([result, frame[extras], tail], axis=1) if extras else pd.concat([result, tail], axis=1)
    return result, matches, as_of_from


def _check_partition(values: pd.Series, rows: pd.Series, partition: Partition, loc) -> None:
    """E027 at the first row whose as_of is not the date of the partition folder it sits in."""
    off = (values != partition.as_of).to_numpy()
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise LedgerError("E027", loc("as_of", int(rows.iloc[i])), value=str(pd.Timestamp(values.iloc[i]).date()),
                         partition=partition.folder)


def check_not_empty(frame: pd.DataFrame, source: SourceInfo, index: int, headers: dict[tuple[int, str], str]) -> None:
    """E017 over every chunk of one database result together (one chunk alone may hold no balance)."""
    _check_not_empty({c: frame[c] for c in ("balance", "days_past_due") if c in frame}, (index, "five_category") in headers,
                     lambda column=None, row=None: Location(source.file, source.sheet, row, headers.get((index, column), column)))


def _check_not_empty(out: dict[str, pd.Series], graded: bool, loc) -> None:
    """E017 when a required numeric column holds nothing: all balances zero, or no days past due to grade by."""
    balance = out["balance"]
    if len(balance) and not bool((balance != 0).any()):
        raise LedgerError("E017", loc("balance"))
    if not graded and len(balance) and not bool(out["days_past_due"].notna().any()):
        raise LedgerError("E017", loc("days_past_due"))


def _blank_grades(out: dict[str, pd.Series], graded: bool, rows: pd.Series, cmap: ColumnMap, loc,
                  collector: Collector) -> pd.Series | None:
    """Blank grades stop the run (E016), or with ``[ledger] blank_grades = "drop"`` are dropped (W111).

    Why: a blank grade kept as missing made the grade shares sum to less than 100% without a word.
    Returns the rows to keep, or None when nothing is dropped.
    """
    if not graded:
        return None
    missing = out["five_category"].isna()
    if not missing.any():
        return None
    first = loc("five_category", _first(missing, rows))
    if first.file and first.file.lower().endswith((".xlsx", ".xlsm")):
        try:  # an error cell (#N/A) or a formula never calculated reads as blank: say so
            raise_blank(first)
        except LedgerError as exc:
            if exc.code != "E019":
                raise
    count, held = int(missing.sum()), f"{float(out['balance'][missing].sum()):,.2f}"
    if cmap.blank_grades != "drop":
        raise LedgerError("E016", loc("five_category", _first(missing, rows)), count=count, balance=held)
    collector.add("W111", count, loc("five_category"), _rows(missing, rows), balance=held)
    return ~missing


def _check_value_map(canonical: str, raw: pd.Series, rows: pd.Series, extra: dict[str, str], loc) -> None:
    """E015 when a user's ``[values.X]`` table leaves some of the column's values unmapped."""
    kind = READ_COLUMN_BY_NAME[canonical].kind
    if kind == "grade":
        allowed = frozenset(GRADES)
    elif kind == "flag":
        allowed = frozenset({"true", "false"})
    else:
        allowed = frozenset(normalise(k) for k in vocabularies().get(canonical, {}) if k != "combined_order")
    miss = unmapped_values(raw, extra, allowed)
    if miss.empty:
        return
    shown = ", ".join(f"{_shown(v)!r} ×{n}" for v, n in miss.head(10).items()) + (" …" if len(miss) > 10 else "")
    raise LedgerError("E015", loc(canonical, _first(raw.isin(list(miss.index)), rows)), column=canonical,
                      count=len(miss), values=shown)


def _missing(column: str, seen: list[str], table: RawTable) -> None:
    from .schema import alias_table

    aliases = alias_table()[column]
    raise LedgerError("E004", Location(table.file, table.sheet, table.header_row or None), column=column,
                      headers=", ".join(seen[:20]) + (" …" if len(seen) > 20 else ""),
                      aliases=", ".join(aliases[:10]))


def _convert(canonical: str, raw: pd.Series, rows: pd.Series, scale: float, cmap: ColumnMap, loc,
             collector: Collector) -> pd.Series:
    kind = READ_COLUMN_BY_NAME[canonical].kind
    extra = cmap.values.get(canonical)
    if extra:
        _check_value_map(canonical, raw, rows, extra, loc)
    if kind == "money":
        values, bad = parse_numbers(raw)
        check_numbers(values, raw, canonical, rows, loc)
        if scale != 1.0:  # 万元 → yuan: round to the fen so 1.23万 is exactly 12300.0
            values = (values * scale).round(2)
        if canonical == "balance":
            wrong = bad | values.isna() | (values < 0)
            if wrong.any():
                i = int(np.flatnonzero(wrong.to_numpy())[0])
                raise LedgerError("E006", loc("balance", int(rows.iloc[i])), value=_shown(raw.iloc[i]))
        if bad.any():
            collector.add("W110", int(bad.sum()), loc(canonical), _rows(bad, rows))
        return values
    if kind == "fraction":
        if scale != 1.0:
            values, bad = parse_numbers(raw)
            values = values * scale
        else:
            values, bad = parse_fractions(raw)
        check_numbers(values, raw, canonical, rows, loc)
        if bad.any():
            collector.add("W110", int(bad.sum()), loc(canonical), _rows(bad, rows))
        if canonical == "interest_rate":
            out_of_range = values.notna() & ((values < 0) | (values > 0.36))
            collector.add("W106", int(out_of_range.sum()), loc(canonical), _rows(out_of_range, rows))
        return values
    if kind == "days":
        values, bad = parse_numbers(raw)
        check_numbers(values, raw, canonical, rows, loc)
        bad = bad | (values < 0)
        if bad.any():
            collector.add("W103", int(bad.sum()), loc(canonical), _rows(bad, rows))
        return values.where(~bad)
    if kind == "date":
        values, bad = parse_dates(raw)
        if bad.any():
            collector.add("W110", int(bad.sum()), loc(canonical), _rows(bad, rows))
        return values
    if kind == "grade":
        values, bad = parse_grades(raw, extra)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise LedgerError("E007", loc("five_category", int(rows.iloc[i])), value=_shown(raw.iloc[i]))
        return values
    if kind == "flag":
        values, bad = parse_flags(raw, extra)
        if bad.any():
            collector.add("W110", int(bad.sum()), loc(canonical), _rows(bad, rows))
        return values
    if canonical == "industry":
        return parse_industry(raw, extra, cmap.industry_scheme)
    if canonical in ("guarantee_type", "customer_type"):
        values, bad = parse_vocab(raw, canonical, extra, default="other")
        if bad.any():
            collector.add("W110", int(bad.sum()), loc(canonical), _rows(bad, rows))
        return values
    values = parse_text(raw)
    if extra:
        values = _texts(_map_uniques(values, lambda v: extra.get(normalise(v), v) if isinstance(v, str) else v)[0])
    return values


def _shown(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalar → plain Python for the message
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return value
