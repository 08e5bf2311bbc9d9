"""How a run uses the engine: which one, how much memory, where to spill, whether to stream.

``--engine duckdb`` (the default) runs every aggregate in an embedded DuckDB; ``--engine spark`` on
a Spark session (engine/spark.py). A ledger is **streamed** — canonicalised one table at a time
into an on-disk DuckDB database under the temp folder, never held whole in pandas — when its files
hold more than :data:`STREAM_ROWS` rows (Parquet: from the files' metadata; CSV: estimated from the
size), or when ``--stream`` says so; ``--no-stream`` keeps it in memory. The choice is said on the
progress line and recorded in metrics.json's ledger block, so it is never silent.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENGINES = ("duckdb", "spark")
STREAM_ROWS = 3_000_000       # more rows than this: stream the ledger into the engine
CSV_BYTES_PER_ROW = 150       # a conservative estimate for a canonical CSV row (the 1M-row sample: ~170)
# DuckDB's memory for a streamed ledger unless --memory-limit says otherwise (DuckDB would take 80 % of
# RAM; past the limit it spills to the temp folder): 2GB per 10M rows, at least 2GB, at most a third
# of RAM, while the aggregates run; then STREAM_OUTPUT_MEMORY_GB for the outputs, which read a few
# snapshots and need the memory in pandas (pipeline.Session.findings). A fixed 2GB ran out on 100M rows
# (one hash table asked for 1 GiB with 1.4 of 1.8 GiB in use); a quarter of RAM for every ledger took
# the 10M-row run from 3.3 to 5.4 GB peak, past its 4 GB target; on 100M rows the peak (11.9 GB) came
# while the watchlist was built, DuckDB still holding its 5 GB: now given back before.
STREAM_MEMORY_MIN_GB = 2
STREAM_MEMORY_GB_PER_ROW = 2 / 10_000_000
STREAM_MEMORY_SHARE = 1 / 3
STREAM_OUTPUT_MEMORY_GB = 2


def stream_memory_limit(rows: int) -> str:
    """DuckDB's default memory limit for a streamed ledger of about ``rows`` rows, while the aggregates
    run (see above)."""
    want = max(STREAM_MEMORY_MIN_GB, int(rows * STREAM_MEMORY_GB_PER_ROW))
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):   # no sysconf (Windows): no cap but the floor's
        return f"{want}GB"
    return f"{max(STREAM_MEMORY_MIN_GB, min(want, int(ram * STREAM_MEMORY_SHARE / 2**30)))}GB"


@dataclass(frozen=True)
class EngineOptions:
    engine: str = "duckdb"
    memory_limit: str | None = None          # DuckDB memory_limit, e.g. "4GB" (default: 80 % of RAM)
    temp_dir: str | None = None              # where the streamed ledger and DuckDB's spill files go
    spark_conf: dict[str, str] = field(default_factory=dict)
    stream: bool | None = None               # None: decide by size (STREAM_ROWS)

    def temp_root(self) -> str:
        return self.temp_dir or os.environ.get("MCR_TEMP_DIR") or tempfile.gettempdir()


def estimated_rows(sources: Sequence[Any]) -> int:
    """Rows the ledger files hold: exact for Parquet (footer metadata), estimated for CSV, 0 for workbooks
    (a sheet holds at most 1,048,576 rows: a workbook ledger is small enough for memory). A database
    source (no ``path``) is not counted: say ``--stream`` for a big table."""
    total = 0
    for source in sources:
        f = getattr(source, "path", None)
        if not isinstance(f, Path):
            continue
        suffix = f.suffix.lower()
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            try:
                total += pq.ParquetFile(f).metadata.num_rows
            except Exception:  # noqa: BLE001 - the reader names a broken file
                continue
        elif suffix in (".csv", ".tsv", ".txt"):
            total += f.stat().st_size // CSV_BYTES_PER_ROW
    return total


def should_stream(options: EngineOptions, files: Sequence[Any]) -> bool:
    if options.stream is not None:
        return options.stream
    return estimated_rows(files) > STREAM_ROWS
