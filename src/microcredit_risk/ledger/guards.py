"""Refusals for hostile or broken cells: each raises one coded :class:`LedgerError` naming the cell.

Why a module of its own: these cases (found by fuzzing) used to crash the reader, or worse, pass
as plausible values (``inf`` balances, ``#REF!`` loan ids, blank ids). All checks are vectorised
and run once per required or numeric column; the slow path (opening the workbook again to tell a
formula or an error cell from a blank one) runs only when an error is already certain.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import Location
from .problems import LedgerError
from .read import blank_cell_kind
from .values import blank

MAX_CELL_CHARS = 128 * 1024
MAX_ABS_NUMBER = 1e15  # about 10 × a year of world output in yuan: no ledger amount comes near it
ERROR_LITERALS = frozenset({"#N/A", "#N/A N/A", "#NA", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!",
                            "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!"})
_NAN_WORDS = ("nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")

LocFn = Callable[..., Location]


def _first_index(mask: pd.Series) -> int | None:
    idx = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
    return int(idx[0]) if len(idx) else None


def _text(s: pd.Series) -> pd.Series | None:
    """The cells of a text-like column as trimmed strings (None for a purely numeric/date column)."""
    if s.dtype.kind in "biufcmM" or isinstance(s.dtype, pd.BooleanDtype):
        return None
    return s.astype("str").str.strip().where(s.notna())


def check_cell_sizes(frame: pd.DataFrame, rows: pd.Series, loc: Callable[[str, int], Location]) -> None:
    """E022 for a cell over 128 KiB of text (a pasted document, binary junk), in any column."""
    for header in frame.columns:
        s = frame[header]
        if s.dtype.kind in "biufcmM" or isinstance(s.dtype, pd.BooleanDtype):
            continue
        lengths = (s.str.len() if isinstance(s.dtype, pd.StringDtype) else s.astype("str").str.len())
        i = _first_index(lengths.fillna(0) > MAX_CELL_CHARS)
        if i is not None:
            raise LedgerError("E022", loc(str(header), int(rows.iloc[i])), size=f"{int(lengths.iloc[i]):,}")


def check_error_cells(raw: pd.Series, canonical: str, rows: pd.Series, loc: LocFn) -> None:
    """E020 for a spreadsheet error value written as text (``#N/A``, ``#REF!``) in a required column."""
    if raw.dtype.kind in "biufcmM" or isinstance(raw.dtype, pd.BooleanDtype):
        return
    s = raw if isinstance(raw.dtype, pd.StringDtype) else raw.astype("str")
    hash_cells = s.str.contains("#", regex=False, na=False).to_numpy(dtype=bool)  # one fast kernel pass
    if not hash_cells.any():
        return
    text = s[hash_cells].str.strip().str.upper()
    hit = text.isin(ERROR_LITERALS).to_numpy(dtype=bool)
    if hit.any():
        i = int(np.flatnonzero(hash_cells)[np.flatnonzero(hit)[0]])
        raise LedgerError("E020", loc(canonical, int(rows.iloc[i])), value=str(s.iloc[i]).strip())


def check_required_cells(raw: pd.Series, canonical: str, rows: pd.Series, loc: LocFn) -> None:
    """E020 for an error value, E019 (or E014/E020 when the workbook tells) for a blank required cell."""
    check_error_cells(raw, canonical, rows, loc)
    i = _first_index(blank(raw))
    if i is not None:
        raise_blank(loc(canonical, int(rows.iloc[i])))


def raise_blank(where: Location) -> None:
    """The error for a required cell read as blank: a formula never calculated, an error cell, or blank."""
    kind, value = blank_cell_kind(where)
    if kind == "formula":
        raise LedgerError("E014", where)
    if kind == "error":
        raise LedgerError("E020", where, value=value)
    raise LedgerError("E019", where)


def check_numbers(values: pd.Series, raw: pd.Series, canonical: str, rows: pd.Series, loc: LocFn) -> None:
    """E018 for ``inf``/``NaN`` (as text or as a value) and magnitudes no real amount reaches.

    Why: two balances of 1e308 overflow the sum to ``inf``; ``inf`` days past due counted as overdue.
    """
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    wrong = np.isinf(v) | (np.abs(np.nan_to_num(v, posinf=0, neginf=0)) > MAX_ABS_NUMBER)
    unparsed = np.isnan(v) & ~blank(raw).to_numpy(dtype=bool)  # "NaN" written as text is among these
    if unparsed.any() and _text(raw) is not None:
        words = raw[unparsed].astype("str").str.strip().str.casefold().isin(_NAN_WORDS).to_numpy(dtype=bool)
        wrong[np.flatnonzero(unparsed)[words]] = True
    i = _first_index(pd.Series(wrong, index=values.index))
    if i is not None:
        shown = raw.iloc[i]
        shown = shown.item() if hasattr(shown, "item") else shown
        raise LedgerError("E018", loc(canonical, int(rows.iloc[i])), value=shown)
