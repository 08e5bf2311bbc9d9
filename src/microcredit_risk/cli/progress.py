"""Progress on stderr: a spinner only when stderr is a terminal; nothing with --quiet or in cron.

``MCR_PROGRESS=lines`` prints each stage as a plain line instead (a log, or benchmarks/scale.py's
stage times), terminal or not; --quiet still wins.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .common import stderr


@contextmanager
def progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    if not quiet and os.environ.get("MCR_PROGRESS") == "lines":
        yield lambda msg: print(f"{msg}…", file=sys.stderr, flush=True)
        return
    if quiet or not sys.stderr.isatty():
        yield lambda _msg: None
        return
    console = stderr()
    with console.status("starting…") as status:
        yield lambda msg: status.update(f"{msg}…")
