"""LEDGER as a database table or query: ``duckdb:///…``, ``postgresql://…``, ``sqlite:///…``.

A LEDGER argument that is a URL names a database and what to read from it, ``?table=`` or
``?query=`` (docs/ledger.md, "Reading from a database"). The result is read in chunks of
:data:`CHUNK_ROWS` rows, each a :class:`~.read.RawTable` like a sheet's, so mapping, validation and
every message after this are the ones a file gets: the "file" is the URL with its password masked,
a row is the 1-based position in the result. Nothing is ever written to the database: DuckDB and
SQLite files are opened read-only, a PostgreSQL session is set read-only.

Row order is made deterministic: a ``table=`` is read ``ORDER BY`` its ``as_of`` and ``loan_id``
columns (found through the aliases and the column map, as the headers of a file are), or by the
URL's ``order=``; a ``query=`` keeps its own ORDER BY. Without either, W114 says that row numbers
follow the database's order.

Drivers: DuckDB's own (a dependency), PostgreSQL through ADBC (``adbc-driver-postgresql``, the
``[postgres]`` extra, imported only here and only for such a URL), SQLite through the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pandas as pd

from ..errors import Location
from .problems import LedgerError
from .read import RawTable, _text_headers
from .schema import ColumnMap, header_score, match_header

CHUNK_ROWS = 1_000_000     # rows per RawTable: a 100M-row table never sits whole in memory here
BATCH_ROWS = 100_000       # rows per driver batch (chunks are made of these)
SCHEMES = {"duckdb": "duckdb", "sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}
OUR_PARAMS = ("table", "query", "order")
_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
KEY_COLUMNS = ("as_of", "loan_id")


def is_database_url(text: object) -> bool:
    """Whether a LEDGER argument is a URL (``scheme://…``) rather than a path."""
    return bool(_URL_RE.match(str(text)))


def mask_url(text: str) -> str:
    """The URL with the password of its user part and of a ``password=`` parameter shown as ``***``."""
    m = _URL_RE.match(text)
    if not m:
        return text
    start = m.end()
    end = min([i for i in (text.find(c, start) for c in "/?#") if i >= 0] or [len(text)])
    authority = text[start:end]
    user, at, host = authority.rpartition("@")
    if at and ":" in user:
        text = text[:start] + user.split(":", 1)[0] + ":***@" + host + text[end:]
    return re.sub(r"([?&]password=)[^&]*", r"\1***", text)


@dataclass(frozen=True)
class DatabaseSource:
    """One database LEDGER argument, parsed."""

    url: str                    # as given, password masked: the "file" of every message
    scheme: str                 # duckdb | postgresql | sqlite
    target: str = field(repr=False)   # the file (duckdb, sqlite) or the libpq URI without our parameters
    table: str | None = None
    query: str | None = None
    order: tuple[str, ...] = ()
    secrets: tuple[str, ...] = field(default=(), repr=False)  # masked out of every driver message
    partition: None = None      # as a LedgerFile's: a database result has no partition folder

    def scrub(self, message: str) -> str:
        """A driver's message, first line only, with any secret (and the raw URL) masked."""
        lines = str(message).strip().splitlines()
        line = lines[0] if lines else type(message).__name__
        for s in self.secrets:
            line = line.replace(s, "***")
        return line[:300]

    @property
    def name(self) -> str:
        """A short name (default output folder): the table's, else the database's."""
        if self.table:
            return self.table.replace('"', "").split(".")[-1] or "ledger"
        if self.scheme == "postgresql":
            return self.target.split("?", 1)[0].rstrip("/").rpartition("/")[2] or "ledger"
        return Path(self.target).stem or "ledger"


def _params(text: str, loc: Location) -> list[tuple[str, str]]:
    """``a=1&b=2`` → pairs, percent-decoded (``+`` stays a plus: SQL has them)."""
    out = []
    for item in text.split("&") if text else []:
        key, eq, value = item.partition("=")
        if not eq:
            raise LedgerError("E029", loc, detail=f"parameter {unquote(key)!r} has no value (write key=value)")
        out.append((unquote(key), unquote(value)))
    return out


def parse_source(text: str) -> DatabaseSource:
    """A database URL → what to read; E028 for a scheme mcr does not read, E029 for a malformed URL."""
    shown = mask_url(text)
    loc = Location(file=shown)
    m = _URL_RE.match(text)
    scheme = m.group(1).lower() if m else ""
    if scheme not in SCHEMES:
        raise LedgerError("E028", loc, scheme=scheme)
    kind = SCHEMES[scheme]
    head, _, query_string = text.partition("?")
    params = _params(query_string, loc)
    ours = {k: v for k, v in params if k in OUR_PARAMS}
    for key in OUR_PARAMS:
        if sum(k == key for k, _ in params) > 1:
            raise LedgerError("E029", loc, detail=f"{key}= is given twice")
    rest = [(k, v) for k, v in params if k not in OUR_PARAMS]
    if ("table" in ours) == ("query" in ours):
        raise LedgerError("E029", loc, detail="give exactly one of ?table=NAME or ?query=SELECT… (URL-encoded)")
    if any(not ours[k].strip() for k in ours):
        raise LedgerError("E029", loc, detail="table=, query= and order= need a value")
    if "order" in ours and "query" in ours:
        raise LedgerError("E029", loc, detail="order= goes with table=; a query says ORDER BY itself")
    order = tuple(c.strip() for c in ours.get("order", "").split(",") if c.strip())
    secrets: list[str] = []
    authority = head[m.end():].split("/", 1)[0] if m else ""
    user, at, _ = authority.rpartition("@")
    if at and ":" in user:
        secrets += [user.split(":", 1)[1], unquote(user.split(":", 1)[1])]
    secrets += [v for k, v in rest if k == "password"]
    if kind == "postgresql":
        kept = "&".join(item for item in query_string.split("&")
                        if item and unquote(item.partition("=")[0]) not in OUR_PARAMS)
        target = head + (f"?{kept}" if kept else "")
    else:
        if rest:
            raise LedgerError("E029", loc, detail=f"unknown parameter {rest[0][0]!r} (table=, query=, order=)")
        after = head[m.end():] if m else head
        if not after.startswith("/") or len(after) < 2:
            raise LedgerError("E029", loc, detail=f"a database file is written {scheme}:///relative/path or "
                                                  f"{scheme}:////absolute/path")
        target = unquote(after[1:])
    return DatabaseSource(shown, kind, target, ours.get("table"), ours.get("query"), order,
                          tuple(s for s in secrets if s))


# -- SQL --------------------------------------------------------------------------------------------
def quote_name(name: str, exact: bool = False) -> str:
    """An identifier as SQL: plain ASCII names as written (the database folds their case as usual),
    others, and every ``exact`` name (as the database reported it), in double quotes."""
    if not exact and _PLAIN_NAME.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def table_ref(text: str) -> str:
    """``schema.loans`` → ``schema.loans``; ``贷款.台账`` → ``"贷款"."台账"``; a name with ``"`` as written."""
    if '"' in text:
        return text
    return ".".join(quote_name(p.strip()) for p in text.split("."))


def has_order_by(sql: str) -> bool:
    """Whether ORDER BY stands at the query's outer level (not in a subquery, string or comment)."""
    text = re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", " ", sql, flags=re.S)
    depth, outer = 0, []
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        outer.append(ch if depth == 0 and ch not in "()" else " ")
    return bool(re.search(r"\border\s+by\b", "".join(outer), re.I))


def key_columns(names: list[str], cmap: ColumnMap) -> list[str]:
    """The first column that maps to ``as_of`` and to ``loan_id`` (as canonicalise will pick them)."""
    found: dict[str, str] = {}
    for n in names:
        c = match_header(n, cmap).canonical
        if c in KEY_COLUMNS and c not in found:
            found[c] = n
    return [found[k] for k in KEY_COLUMNS if k in found]


# -- reading ----------------------------------------------------------------------------------------
def read_database(source: DatabaseSource, cmap: ColumnMap, collector: Any,
                  chunk_rows: int | None = None) -> Iterator[RawTable]:
    """The table or query, as RawTables of at most ``chunk_rows`` rows (``part`` 0, 1, …).

    E030 if the database cannot be opened, E031 if it cannot run the read, E003 if the result's
    columns are not a ledger's, E032 if it has no rows; W114 (on ``collector``) if its order is the
    database's own.
    """
    from .drivers import connect

    chunk_rows = chunk_rows or CHUNK_ROWS
    with connect(source) as db:
        if source.table is not None:
            names = db.columns(f"SELECT * FROM {table_ref(source.table)} LIMIT 0")
            _check_header(source, names, cmap)
            keys = [quote_name(c) for c in source.order] or [quote_name(c, exact=True)
                                                               for c in key_columns(names, cmap)]
            sql = f"SELECT * FROM {table_ref(source.table)}" + (f" ORDER BY {', '.join(keys)}" if keys else "")
            hold = list(source.order) or key_columns(names, cmap)   # (a chunk never splits a key)
            if not keys:
                collector.add("W114", 1, Location(file=source.url),
                              reason="the table has no as_of or loan_id column to order by; add order=COLUMN,… to "
                                     "the URL")
        else:
            sql, hold = source.query.strip().rstrip(";") if source.query else "", []
            if not has_order_by(sql):
                collector.add("W114", 1, Location(file=source.url), reason="the query has no ORDER BY")
        batches = db.frames(sql, min(BATCH_ROWS, chunk_rows), lambda names: _text_headers(names, cmap))
        yield from _chunks(source, batches, cmap, chunk_rows, hold)


def _check_header(source: DatabaseSource, names: list[str], cmap: ColumnMap) -> None:
    if header_score(names, cmap) < 2:
        shown = ", ".join(names[:12]) + (" …" if len(names) > 12 else "") if names else "(nothing)"
        raise LedgerError("E003", Location(file=source.url), headers=shown)


def _chunks(source: DatabaseSource, frames: Iterator[pd.DataFrame], cmap: ColumnMap, chunk_rows: int,
            hold: list[str]) -> Iterator[RawTable]:
    """Driver batches → RawTables of ``chunk_rows`` rows (the last shorter), numbered 1… across the result.

    ``hold``: the key columns the rows are ordered by. A chunk ends after the last row of a key, so
    exact duplicates (``[ledger] dedupe = "exact"``) always meet in one chunk, as in one file.
    """
    buffer: list[pd.DataFrame] = []
    buffered, done, part, header_checked = 0, 0, 0, False

    def emit(frame: pd.DataFrame) -> RawTable:
        nonlocal done, part
        frame = frame.reset_index(drop=True)
        rows = pd.Series(range(done + 1, done + 1 + len(frame)), index=frame.index, dtype="int64")
        table = RawTable(source.url, None, 0, frame, rows, part)
        done, part = done + len(frame), part + 1
        return table

    for frame in frames:
        if not header_checked:
            _check_header(source, [str(c) for c in frame.columns], cmap)
            header_checked = True
        buffer.append(frame)
        buffered += len(frame)
        if buffered <= chunk_rows:   # one row more than a chunk: where the next key starts is known
            continue
        whole = pd.concat(buffer, ignore_index=True) if len(buffer) > 1 else buffer[0]
        cut = _cut(whole, chunk_rows, hold)
        yield emit(whole.iloc[:cut])
        rest = whole.iloc[cut:]
        buffer, buffered = ([rest] if len(rest) else []), len(rest)
    if buffer and buffered:
        yield emit(pd.concat(buffer, ignore_index=True) if len(buffer) > 1 else buffer[0])
    if done == 0:
        raise LedgerError("E032", Location(file=source.url))


def _cut(frame: pd.DataFrame, chunk_rows: int, hold: list[str]) -> int:
    """Where a chunk of ``frame`` ends: at ``chunk_rows``, moved back to the start of the key it splits."""
    cut = min(chunk_rows, len(frame))
    if not hold or cut >= len(frame) or any(h not in frame.columns for h in hold):
        return cut
    keys = frame[hold]
    same = (keys.iloc[:cut] == keys.iloc[cut]).all(axis=1).to_numpy()[::-1]
    back = int(same.argmin()) if not same.all() else 0   # a chunk of one key throughout is cut as is
    return cut - back

