"""Split one canonical ledger into groups (``mcr analyze --by branch``): one read, one run per group.

Each group is the ledger's rows with one value of the column, in the ledger's own order, so a
session on it computes exactly what a separate run on a file holding only those rows computes. Rows
without a value form their own group (``value`` None), so the groups together are the whole ledger.

Folder names are readable (Chinese branch names kept as they are) and safe on every file system:
characters a file system refuses or treats specially become ``_``; a name that collides with an
earlier one (case-insensitively, as on macOS and Windows) gets ``-2``, ``-3`` … in sorted order.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from ..errors import AnalysisError, UsageError
from .contract import Ledger

BY_DIMENSIONS: tuple[str, ...] = ("branch", "region", "product")
MISSING_FOLDER = "_none"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\s]+')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)
MAX_NAME = 60          # characters; a path component stays far below the 255-byte limit in UTF-8


@dataclass(frozen=True)
class Group:
    """One group of the ledger: its value (None = rows with no value), its folder name, its rows."""

    value: str | None
    folder: str
    ledger: Ledger


def safe_name(value: str | None) -> str:
    """A folder name for ``value``: readable, no path separators, no leading dot, not a device name."""
    if value is None:
        return MISSING_FOLDER
    text = unicodedata.normalize("NFC", str(value)).strip()
    text = _UNSAFE.sub("_", text).strip("._") or "_"
    text = text[:MAX_NAME]
    return f"_{text}" if _RESERVED.match(text) or text == MISSING_FOLDER else text


def folder_names(values: list[str | None]) -> list[str]:
    """One distinct folder name per value (values in sorted order; collisions numbered in that order)."""
    taken: set[str] = set()
    out = []
    for v in values:
        base = safe_name(v)
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.casefold())
        out.append(name)
    return out


def split_ledger(ledger: Ledger, column: str) -> list[Group]:
    """The ledger's groups by ``column`` (sorted by value; the group without a value last).

    Validation warnings were counted over the whole ledger and cannot be told apart by group: each
    group keeps them with the whole ledger's row count (``Ledger.counted_rows``), so the data-quality
    check reads the same share in every group as in the whole ledger.
    """
    if column not in BY_DIMENSIONS:
        raise UsageError("E602", where="--by", value=column, choices=", ".join(BY_DIMENSIONS))
    if not ledger.has(column):
        raise AnalysisError("E730", where="--by", column=column)
    frame = ledger.frame
    keys = frame[column]
    values = group_values(frame, column)
    rows = ledger.counted_rows if ledger.counted_rows is not None else len(frame)
    groups = []
    for value, folder in zip(values, folder_names(values), strict=True):
        mask = keys.isna() if value is None else keys == value
        part = frame.loc[mask.to_numpy()].reset_index(drop=True)
        groups.append(Group(value, folder, dataclasses.replace(ledger, frame=part, counted_rows=rows)))
    return groups


def group_values(frame: pd.DataFrame, column: str) -> list[str | None]:
    """The values :func:`split_ledger` makes groups of, in its order (for listing without splitting)."""
    keys = frame[column]
    values: list[str | None] = [str(v) for v in sorted(str(v) for v in keys.dropna().unique())]
    return values + ([None] if keys.isna().any() else [])
