"""Ledger order (as_of, loan_id) without one sort of the whole ledger.

Why: one ``ORDER BY`` over 100M canonical rows spilled 30 GB to disk and took most of the ingest.
A monthly ledger's parts (one per file, or per Parquet batch) each hold one snapshot, or a few, so
the parts fall into *runs* whose as_of ranges do not overlap: the ledger in order is the runs in
as_of order, each sorted on its own — small sorts in memory, and a duplicate loan (the same as_of
and loan_id twice) can only sit inside one run. A ledger whose parts all overlap (one file of many
months read in batches) is one run: the whole sort, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from .rows_sql import ident, text


@dataclass(frozen=True)
class Part:
    """One canonical part on disk: where its sources and reading order start, and its as_of range."""

    file: str
    src_offset: int   # global index of the part's first source (its ``_src`` 0)
    seq_start: int    # global reading position of its first row (its ``_lseq`` 0)
    rows: int
    first: str        # its earliest and latest as_of, ISO (strings compare as the dates do)
    last: str
    columns: tuple[str, ...]   # its columns (a part lacks a column no row of its table had)


def runs(parts: list[Part]) -> list[list[Part]]:
    """The parts in groups whose as_of ranges do not overlap, in as_of order (parts within a group in
    reading order)."""
    groups: list[list[Part]] = []
    end = ""
    for p in sorted(parts, key=lambda p: (p.first, p.seq_start)):
        if groups and p.first <= end:
            groups[-1].append(p)
            end = max(end, p.last)
        else:
            groups.append([p])
            end = p.last
    return [sorted(g, key=lambda p: p.seq_start) for g in groups]


def pieces(parts: list[Part], max_rows: int) -> list[list[Part]]:
    """Consecutive runs together up to ``max_rows`` (a run bigger than that alone): one sort each, big
    enough to use every core and write whole row groups, small enough to sort in memory."""
    out: list[list[Part]] = []
    held = 0
    for run in runs(parts):
        n = sum(p.rows for p in run)
        if out and held + n <= max_rows:
            out[-1].extend(run)
            held += n
        else:
            out.append(list(run))
            held = n
    return out


def sorted_pieces_sql(table: str, pieces: list[str], order_by: str, select: str = "*") -> list[str]:
    """The statements that make ``table`` from ``pieces`` (relations: a table, or a SELECT in
    parentheses), each's ``select`` sorted by ``order_by`` and appended in turn: the table keeps that
    order (the ingest's ledger; ``Backend.create``'s pieces)."""
    return [f"{f'CREATE OR REPLACE TABLE {table} AS' if i == 0 else f'INSERT INTO {table}'} "
            f"SELECT {select} FROM {piece} ORDER BY {order_by}" for i, piece in enumerate(pieces)]


def offsets_sql(parts: list[Part]) -> str:
    """The small table of every part's offsets that :func:`parts_sql` joins."""
    values = ", ".join(f"({text(p.file)}, {p.src_offset}, {p.seq_start})" for p in parts)
    return f"SELECT * FROM (VALUES {values}) AS t(file, src_offset, seq_start)"


def parts_sql(parts: list[Part], offsets: str, types: dict[str, str] | None = None) -> str:
    """The rows of ``parts`` with global ``_src`` and ``_seq``. With ``types`` (every column of the whole
    ledger → its type), exactly those columns, NULL where these parts lack one: so every run has the
    same columns while reading only its own files. One part needs no join for its offsets."""
    files = ", ".join(text(p.file) for p in parts)
    held = {c for p in parts for c in p.columns}
    if types is None:
        cols = "p.* EXCLUDE (_lseq, filename, _src)" if len(parts) > 1 else "p.* EXCLUDE (_lseq, _src)"
    else:
        cols = ", ".join(f"p.{ident(c)}" if c in held else f"CAST(NULL AS {t}) AS {ident(c)}"
                         for c, t in types.items() if c not in ("_src", "_seq"))
    if len(parts) == 1:
        p = parts[0]
        return (f"SELECT {cols}, CAST(p._src + {p.src_offset} AS INTEGER) AS _src, "
                f"CAST(p._lseq + {p.seq_start} AS BIGINT) AS _seq FROM read_parquet({files}) AS p")
    return (f"SELECT {cols}, CAST(p._src + o.src_offset AS INTEGER) AS _src, "
            f"CAST(p._lseq + o.seq_start AS BIGINT) AS _seq "
            f"FROM read_parquet([{files}], union_by_name = true, filename = true) AS p "
            f"JOIN {offsets} AS o ON p.filename = o.file")
