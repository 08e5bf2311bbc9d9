"""LEDGER arguments → the ledger files to read: a file, a folder, a glob, Hive-style partitions.

Risk departments keep monthly snapshots as one file per month, often in Hive-style partition
folders (``ledger/as_of=2023-12-31/part-0.parquet``). Each argument becomes a sorted list of files
here, before anything is read, so every later message still names the one file (and row) it is
about. A folder is searched recursively; a glob (quoted, so the shell leaves it to us) may use
``**``. Hidden entries and Spark/Hive book-keeping (``.…``, ``_SUCCESS``, ``~$…`` lock files) are
skipped. A folder or pattern that yields no ledger file is refused (E026), never read as empty.

A ``scheme://`` argument is a database table or query (:mod:`.database`): it is parsed here too,
so that a wrong URL is refused before anything is read.

A folder ``KEY=VALUE`` on a file's path whose KEY names ``as_of`` (``as_of``, or any alias:
``数据日期=…``, ``snapshot_date=…``) gives the file's snapshot date (:class:`Partition`).
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from ..errors import Location
from .database import DatabaseSource, is_database_url, parse_source
from .problems import LedgerError
from .schema import ColumnMap, match_header
from .values import parse_dates

# what a folder or a pattern picks up (an explicitly named file of another type reaches the reader
# and is refused there, E011); .txt is left out: a folder's README.txt is not a ledger
LEDGER_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv", ".parquet", ".pq"})
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Partition:
    """The snapshot date a Hive-style folder (``as_of=2023-12-31``) gives the files below it."""

    folder: str            # the folder name as written, e.g. "as_of=2023-12-31"
    as_of: pd.Timestamp


@dataclass(frozen=True)
class LedgerFile:
    """One file to read, and the partition date its path carries (None if none)."""

    path: Path
    partition: Partition | None = None


def is_pattern(text: str) -> bool:
    return any(c in _GLOB_CHARS for c in text)


def _visible(path: Path, root: Path) -> bool:
    """Not hidden or book-keeping below ``root``: no part starts with ``.``, ``_`` or ``~$``."""
    parts = path.relative_to(root).parts if path.is_relative_to(root) else (path.name,)
    return not any(p.startswith((".", "_", "~$")) for p in parts)


def _ledger_files(candidates: list[Path], root: Path) -> list[Path]:
    files = [p for p in candidates if p.suffix.lower() in LEDGER_SUFFIXES and _visible(p, root) and p.is_file()]
    return sorted(files, key=lambda p: p.parts)


def _expand_one(arg: str | Path) -> list[Path]:
    path = Path(arg)
    if path.is_dir():
        found = _ledger_files(list(path.rglob("*")), path)
        if not found:
            raise LedgerError("E026", Location(file=str(path)))
        return found
    if path.exists() or not is_pattern(str(arg)):
        return [path]  # a file (or a missing one: the reader says "file not found", E012)
    matches = [Path(m) for m in sorted(glob.glob(str(arg), recursive=True))]
    files: list[Path] = []
    for m in matches:
        files.extend(_ledger_files(list(m.rglob("*")), m) if m.is_dir() else _ledger_files([m], m.parent))
    if not files:
        raise LedgerError("E026", Location(file=str(arg)))
    return sorted(dict.fromkeys(files), key=lambda p: p.parts)


def partition_of(path: Path, cmap: ColumnMap) -> Partition | None:
    """The as_of partition among the folders of ``path``; E008 if its value is not a date, E027 if
    two such folders disagree."""
    found: list[Partition] = []
    for part in path.parts[:-1]:
        key, eq, value = part.partition("=")
        if not eq or match_header(unquote(key), cmap).canonical != "as_of":
            continue
        parsed, bad = parse_dates(pd.Series([unquote(value)], dtype=object))
        if bad.any() or parsed.isna().any():
            raise LedgerError("E008", Location(file=str(path)), value=part)
        when = pd.Timestamp(parsed.iloc[0])
        if found and when != found[0].as_of:
            raise LedgerError("E027", Location(file=str(path)), value=str(found[0].as_of.date()), partition=part)
        found.append(Partition(part, when))
    return found[-1] if found else None


def expand_sources(paths: Sequence[str | Path], cmap: ColumnMap) -> list[LedgerFile | DatabaseSource]:
    """Every LEDGER argument as the files to read (or the database to query), in argument order, each
    argument's files sorted."""
    out: list[LedgerFile | DatabaseSource] = []
    for arg in paths:
        if isinstance(arg, str) and is_database_url(arg):
            out.append(parse_source(arg))
            continue
        out.extend(LedgerFile(p, partition_of(p, cmap)) for p in _expand_one(arg))
    return out


def source_name(arg: str | Path) -> str:
    """A short name for a LEDGER argument (the default output folder): a file's stem, a table's name."""
    if isinstance(arg, str) and is_database_url(arg):
        return parse_source(arg).name
    return Path(arg).stem
