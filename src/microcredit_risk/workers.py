"""Where mcr's worker processes come from: one choice for the ingest workers and the figure writer."""

from __future__ import annotations

import multiprocessing
import sys
from multiprocessing.context import ForkServerContext, SpawnContext


def worker_context() -> ForkServerContext | SpawnContext:
    """forkserver on Linux: a worker forks from a clean server process, not from this one — a fork of a
    process running threads (a JVM, pyarrow's pools, DuckDB's) segfaulted a worker in CI; elsewhere
    spawn. Both re-import the caller's main module: a script must guard with if __name__ == "__main__"."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")
