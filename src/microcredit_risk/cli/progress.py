"""Progress on stderr: a spinner only when stderr is a terminal; nothing with --quiet or in cron."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .common import stderr


@contextmanager
def progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    if quiet or not sys.stderr.isatty():
        yield lambda _msg: None
        return
    console = stderr()
    with console.status("starting…") as status:
        yield lambda msg: status.update(f"{msg}…")
