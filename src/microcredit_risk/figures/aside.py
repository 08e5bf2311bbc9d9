"""Saving the figures in a worker process while the run writes its other files.

Why: saving (PNG at 300 dpi and SVG with text as paths) is the largest fixed cost of a run, ≈ 10 s of
matplotlib on this project's 2-core machine whatever the ledger's size, and the watchlist, tables
and workbook that follow need none of it; only the report embeds the files. :class:`FigureWorker`
starts before the run is computed, so that the worker's imports are over when the figures are
drawn; they are then pickled at once (the caller may clear them) and saved there by
:func:`.saving.save_all`: the same bytes as in this process (styled() sets up the rcParams and the
shipped fonts there as here). The worker imports only matplotlib and the light modules a pickled
figure names (saving, style, fonts, ticks): ≈ 1 s, not the figure code's 2.5 s. Inline instead,
with one core or inside a worker process (``mcr analyze --by``'s group workers use every core).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..workers import worker_context
from .saving import parse_formats, save_all

if TYPE_CHECKING:
    from .registry import RenderedFigures

Saved = dict[str, dict[str, Path]]


def _serve(conn: Connection) -> None:
    """The worker: one figure set in; ("done", format) as each format is written, then ("ok", files)
    or ("error", the exception) out."""
    try:
        figures, outdir, formats, dpi = pickle.loads(conn.recv_bytes())
    except EOFError:     # closed before any work was sent: the run failed first
        return

    def send(kind: str, value: Any) -> None:
        conn.send_bytes(pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL))

    try:
        saved = save_all(figures, outdir, formats=formats, dpi=dpi, done=lambda fmt: send("done", fmt))
    except BaseException as e:   # raised again in the run's process, where it is reported
        try:
            send("error", e)
        except Exception:   # an exception that does not pickle: its type and text
            send("error", RuntimeError(f"{type(e).__name__}: {e}"))
        return
    send("ok", saved)


class FigureWorker:
    """A process that saves one figure set, started at once; none (the figures are saved here, by
    :meth:`save`) with one core or inside a worker process. Use it under ``contextlib.closing``."""

    def __init__(self) -> None:
        self._conn: Connection | None = None
        self._proc: BaseProcess | None = None
        self._saved: Saved | None = None
        self._done: set[str] = set()
        if (os.cpu_count() or 1) < 2 or multiprocessing.parent_process() is not None:
            return
        ctx = worker_context()
        self._conn, theirs = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(theirs,), name="mcr-figures", daemon=True)
        self._proc.start()
        theirs.close()

    def save(self, rendered: RenderedFigures, outdir: str | Path, formats: Sequence[str] = ("png", "svg"),
             dpi: int = 300) -> None:
        """Start saving (a bad format fails here, before any work); :meth:`result` waits for it."""
        fmts = parse_formats(formats)
        figures = [(f.name, f.lang, f.figure) for f in rendered.figures]
        if self._conn is None:
            self._saved = save_all(figures, outdir, formats=fmts, dpi=dpi)
            return
        self._conn.send_bytes(pickle.dumps((figures, str(outdir), fmts, dpi), protocol=pickle.HIGHEST_PROTOCOL))

    def wait(self, fmt: str) -> None:
        """Until every figure is written in ``fmt`` (the report needs the PNGs, not yet the SVGs)."""
        while self._conn is not None and self._saved is None and fmt not in self._done:
            self._receive()

    def result(self) -> Saved:
        """The files written (an error in the worker is raised here)."""
        while self._saved is None:
            self._receive()
        return self._saved

    def _receive(self) -> None:
        assert self._conn is not None, "save() first"
        try:
            kind, value = pickle.loads(self._conn.recv_bytes())
        except EOFError:
            code = self._proc.exitcode if self._proc is not None else None
            raise RuntimeError(f"the figure worker ended without an answer (exit code {code})") from None
        if kind == "error":
            raise value
        if kind == "done":
            self._done.add(value)
        else:
            self._saved = dict(value)

    def close(self) -> None:
        """End the worker (again: nothing): on success it has answered and ends by itself; otherwise
        it is ended at once, whatever it was doing (the run failed, and its folder is discarded)."""
        if self._proc is None:
            return
        assert self._conn is not None
        self._conn.close()
        if self._saved is None:
            self._proc.terminate()
        self._proc.join()
        self._proc.close()
        self._proc = None
