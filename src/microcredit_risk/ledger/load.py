"""``load_ledger``: files → the one canonical table (read → canonicalise → validate)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..errors import Location
from ..profile import BankProfile, default_thresholds
from .contract import CANONICAL_NAMES, ColumnMatch, Ledger, SourceInfo
from .database import DatabaseSource, read_database
from .mapping import Collector, canonicalise, check_not_empty
from .problems import LedgerError
from .read import read_tables
from .schema import load_column_map
from .sources import expand_sources
from .tape import tape_to_snapshots
from .validate import check_ledger
from .values import parse_dates


def parse_as_of_option(value: str | None) -> pd.Timestamp | None:
    if value is None:
        return None
    parsed, bad = parse_dates(pd.Series([value], dtype=object))
    if bad.any() or parsed.isna().any():
        raise LedgerError("E008", Location(column="--as-of"), value=value)
    return pd.Timestamp(parsed.iloc[0])


SNAPSHOT_MODES = ("annual",)


def load_ledger(paths: Sequence[str | Path] | str | Path, *, columns: str | Path | None = None,
                as_of: str | None = None, profile: BankProfile | None = None,
                snapshots: str | None = None) -> Ledger:
    """Read, canonicalise and validate one or more ledger files (all sheets), stacked.

    Each path may be a file, a folder (read recursively) or a glob; Hive-style ``as_of=…`` folders
    date the files below them (:mod:`.sources`). A ``duckdb://``, ``postgresql://`` or ``sqlite://``
    URL (a ``str``) reads a database table or query, in chunks (:mod:`.database`).

    ``snapshots="annual"``: the files are a loan tape (one row per loan), turned into year-end
    snapshots by the rules of :mod:`.tape`; ``as_of`` then bounds the last year-end.
    Raises :class:`~microcredit_risk.ledger.problems.LedgerError` on the first error; warnings are
    on ``Ledger.issues``. ``profile`` only supplies the classification-floor day limits.
    """
    if snapshots is not None and snapshots not in SNAPSHOT_MODES:
        raise LedgerError("E025", Location(column="--snapshots"), value=snapshots)
    with warnings.catch_warnings():  # third-party chatter ("Could not determine dtype…") never reaches stderr
        warnings.simplefilter("ignore")
        return _load(paths, columns, as_of, profile, snapshots)


def _load(paths: Sequence[str | Path] | str | Path, columns: str | Path | None, as_of: str | None,
          profile: BankProfile | None, snapshots: str | None) -> Ledger:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise LedgerError("E010")
    cmap = load_column_map(columns)
    forced = parse_as_of_option(as_of)
    thresholds = profile.thresholds if profile else default_thresholds()
    collector = Collector()
    parts: list[pd.DataFrame] = []
    sources: list[SourceInfo] = []
    matches: list[ColumnMatch] = []
    headers: dict[tuple[int, str], str] = {}
    chunked: set[int] = set()   # sources read in several chunks (a database result)
    for source in expand_sources(paths, cmap):
        tables = read_database(source, cmap, collector) if isinstance(source, DatabaseSource) \
            else read_tables(source.path, cmap)
        for table in tables:
            more = bool(table.part)   # a further chunk of the same result: the same source, rows added
            index = len(sources) - 1 if more else len(sources)
            explained = len(collector.explains)
            part, tmatches, as_of_from = canonicalise(table, index, cmap, forced, collector,
                                                      tape=snapshots == "annual", partition=source.partition)
            if more:
                sources[index] = replace(sources[index], rows=sources[index].rows + len(part))
                del collector.explains[explained:]   # `validate --explain` samples the first chunk
            else:
                sources.append(SourceInfo(table.file, table.sheet, table.header_row, len(part), as_of_from))
                matches.extend(tmatches)
                headers.update({(index, m.canonical): m.header for m in tmatches if m.canonical})
            if table.part is not None:
                chunked.add(index)
            if len(part):
                parts.append(part)
    if not parts:
        s = sources[0] if sources else None
        raise LedgerError("E010", Location(s.file, s.sheet) if s else Location())
    frame = pd.concat(parts, ignore_index=True, sort=False) if len(parts) > 1 else parts[0].reset_index(drop=True)
    if snapshots != "annual":
        for i in sorted(chunked):   # a chunk may hold no balance: the whole result is checked (E017)
            check_not_empty(frame[frame["_src"].to_numpy() == i], sources[i], i, headers)
    if snapshots == "annual":
        frame = tape_to_snapshots(frame, forced)
        if frame.empty:
            raise LedgerError("E010", Location(sources[0].file, sources[0].sheet))
    frame = check_ledger(frame, sources, headers, thresholds, collector)
    canonical = [c for c in CANONICAL_NAMES if c in frame.columns]
    extras = [c for c in frame.columns if c not in canonical and c not in ("_src", "_row")]
    frame = frame[canonical + extras]
    if "five_category" in frame and frame["five_category"].dtype.name != "category":  # pragma: no cover
        raise AssertionError("five_category must be categorical")
    frame = frame.sort_values(["as_of", "loan_id"], kind="stable").reset_index(drop=True)
    return Ledger(frame=frame, sources=sources, matches=matches, issues=collector.as_list(), extras=extras,
                  currency=cmap.currency, conversions=collector.explains)
