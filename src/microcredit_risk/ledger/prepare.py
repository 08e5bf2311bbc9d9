"""The column map's row and column steps on a raw table, before headers are matched.

Order: ``[ledger] dedupe`` (exact duplicate rows dropped, W113) → ``[filter] where`` (rows left out,
W112) → ``[derive]`` (new columns from source headers, placed first so that they win over a source
header that also matches the same canonical column).
"""

from __future__ import annotations

import pandas as pd

from ..errors import Location
from .expressions import Expression, ExpressionError, evaluate, parse_expression
from .problems import LedgerError
from .read import RawTable
from .schema import ColumnMap, normalise, split_unit
from .values import parse_dates, parse_dates_as, parse_numbers

DERIVED_PREFIX = "[derive] "


def derived_header(canonical: str) -> str:
    """The header a derived column carries in messages and in `mcr validate`."""
    return DERIVED_PREFIX + canonical


def prepare(table: RawTable, cmap: ColumnMap, collector) -> RawTable:  # collector: canonicalise.Collector
    frame, rows = table.frame, table.row_numbers
    loc = Location(table.file, table.sheet)
    if cmap.dedupe == "exact" and len(frame):
        dup = frame.duplicated(keep="first")
        if dup.any():
            collector.add("W113", int(dup.sum()), loc, [int(r) for r in rows[dup].head(5)])
            frame, rows = frame.loc[~dup], rows.loc[~dup]
    if cmap.where:
        keep = _evaluate(cmap.where, frame, cmap, "filter", "where").fillna(False).astype(bool)
        if (~keep).any():
            collector.add("W112", int((~keep).sum()), loc, [int(r) for r in rows[~keep].head(5)], where=cmap.where)
            frame, rows = frame.loc[keep], rows.loc[keep]
    if cmap.derive:
        derived = {derived_header(c): _evaluate(e, frame, cmap, "derive", c) for c, e in cmap.derive.items()}
        frame = pd.concat([pd.DataFrame(derived, index=frame.index), frame], axis=1)
    if frame is table.frame:
        return table
    return RawTable(table.file, table.sheet, table.header_row, frame, rows, table.part)


def _evaluate(text: str, frame: pd.DataFrame, cmap: ColumnMap, table: str, key: str) -> pd.Series:
    expr: Expression = parse_expression(text)  # checked when the map was read
    by_key = {normalise(h): h for h in frame.columns}

    def column(name: str) -> pd.Series:
        header = name if name in frame.columns else by_key.get(normalise(name))
        if header is None:
            shown = ", ".join(map(str, list(frame.columns)[:20])) + (" …" if frame.shape[1] > 20 else "")
            raise LedgerError("E255", Location(file=cmap.path), table=table, key=key, name=name, headers=shown)
        return typed(frame[header], cmap.formats.get(split_unit(str(header))[0]))

    try:
        return evaluate(expr, column, frame.index)
    except ExpressionError as exc:
        raise LedgerError("E254", Location(file=cmap.path), line=cmap.lines.get(f"{table}.{key}", 0), table=table,
                          key=key, expr=text, detail=str(exc)) from None
    except (TypeError, ValueError) as exc:  # e.g. text + number: the columns are not of the kind used
        raise LedgerError("E254", Location(file=cmap.path), line=cmap.lines.get(f"{table}.{key}", 0), table=table,
                          key=key, expr=text, detail=f"cannot be computed on these columns ({str(exc).splitlines()[0][:120]})") from None


EARLIEST = pd.Timestamp("1950-01-01")
NOT_IN_FUTURE = ("as_of", "origination_date")


def read_dates(raw: pd.Series, fmt: str | None, canonical: str, rows: pd.Series, loc) -> tuple[pd.Series, pd.Series]:
    """Dates of one column, by its ``[formats]`` entry or by guessing; E024 for an implausible date.

    Why: a year column (``1997``) read as an Excel serial gave 1905, and SAS day numbers gave
    1929–1950 vintages, without a word. Before 1950 is refused for every date column; after today
    for ``as_of`` and ``origination_date`` (maturities lie ahead; ``9999-12-31`` means open-ended).
    """
    values, bad = parse_dates_as(raw, fmt) if fmt else parse_dates(raw)
    wrong = values < EARLIEST
    if canonical in NOT_IN_FUTURE:
        wrong |= values > pd.Timestamp.today().normalize()
    wrong = wrong.fillna(False).astype(bool)
    if wrong.any():
        i = int(wrong.to_numpy().nonzero()[0][0])
        value = raw.iloc[i]
        value = value.item() if hasattr(value, "item") else value
        if isinstance(value, pd.Timestamp):
            value = value.date().isoformat()
        raise LedgerError("E024", loc(canonical, int(rows.iloc[i])), value=value,
                          date=pd.Timestamp(values.iloc[i]).date().isoformat())
    return values, bad


def typed(s: pd.Series, fmt: str | None) -> pd.Series:
    """A source column as an expression sees it: dates by their ``[formats]`` entry, else numbers when
    every cell is one, else dates when every cell is one, else the text."""
    if fmt:
        return parse_dates_as(s, fmt)[0]
    if s.dtype.kind in "biufM":
        return s
    numbers, bad = parse_numbers(s)
    if not bad.any() and numbers.notna().any():
        return numbers
    dates, bad = parse_dates(s)
    if not bad.any() and dates.notna().any():
        return dates
    return s
