"""``mcr analyze LEDGER --by branch|region|product``: the whole analysis per group from one read.

The ledger is read (and pseudonymised) once; its canonical frame is split by the column
(ledger/split.py) and a :class:`~microcredit_risk.pipeline.Session` runs on each group's rows, so each
group's run folder holds what a separate run on a file of only those rows would hold. The output is
one folder: a run folder per group (``<out>/<group>/``) and their comparison (compare/), written
completely or not at all.

The cost of a group is mostly fixed (figures, the Word and HTML reports), so groups run in worker
processes (``jobs``, default: up to 2). Each worker writes only its own group's folder; the files
do not depend on which worker or in which order, so the output is the same for any ``jobs``.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import vocabulary as vocab
from .compare import load_units, write_comparison
from .compare.units import Unit
from .ledger.contract import Ledger
from .ledger.split import Group, split_ledger
from .output import atomic_folder
from .pipeline import Progress, Session

MAX_JOBS = 2


@dataclass(frozen=True)
class GroupedRun:
    """What ``analyze_by`` wrote: the folder, the groups (in order) and each group's saved run."""

    folder: Path
    dimension: str
    groups: list[Group]
    units: list[Unit]
    ledger: Ledger            # the whole ledger, as read once (its warnings)


# -- one group in a worker ----------------------------------------------------------------------------
_WORK: dict[str, Any] = {}


def _run_group(index: int) -> None:
    """Write group ``index``'s run folder (in a worker forked with the split ledger in ``_WORK``)."""
    group: Group = _WORK["groups"][index]
    session = Session(_WORK["inputs"], ledger=group.ledger, **_WORK["options"])
    session.write_run(_WORK["tmp"] / group.folder, **_WORK["write"])


def _jobs(requested: int | None, groups: int) -> int:
    if requested is not None:
        return max(1, min(requested, groups))
    return max(1, min(MAX_JOBS, os.cpu_count() or 1, groups))


def _fork() -> Any:
    try:
        return multiprocessing.get_context("fork")
    except ValueError:   # no fork (Windows): run in this process
        return None


def label(dimension: str, value: str | None, lang: str) -> str:
    """The name a group is shown under (a code of the vocabulary in words; no value: "Not recorded")."""
    return vocab.segment_label(dimension, value, lang)


def analyze_by(paths: Sequence[str | Path] | str | Path, by: str, out_dir: str | Path, *,
               templates: str | Path | None = None, dpi: int = 300, pdf: bool = False,
               figure_formats: Sequence[str] = ("png", "svg"), jobs: int | None = None,
               progress: Progress | None = None, **options: Any) -> GroupedRun:
    """Read the ledger once, run every group, write ``out_dir`` (see the module docstring).

    ``options`` are :class:`Session` options (profile, columns, as_of, snapshots, lang, anonymize,
    formula, rules). Raises coded errors (a ledger without the column: E730) before anything is written.
    """
    say = progress or (lambda _msg: None)
    base = Session(paths, progress=progress, **options)
    groups = split_ledger(base.ledger, by)
    lang = base.lang
    session_options = {k: v for k, v in options.items() if k not in ("anonymize", "profile")}
    session_options["profile"] = base.profile
    session_options["anonymize"] = bool(options.get("anonymize"))
    write = {"templates": templates, "dpi": dpi, "pdf": pdf, "figure_formats": tuple(figure_formats)}
    target = Path(out_dir)
    with atomic_folder(target) as tmp:
        _WORK.update(groups=groups, inputs=base.inputs, options=session_options, tmp=tmp, write=write)
        try:
            n = _jobs(jobs, len(groups))
            ctx = _fork() if n > 1 else None
            # imported once here, before the workers fork, rather than once in each of them
            from .figures import registry  # noqa: F401
            from .report import render  # noqa: F401
            say(f"analysing {len(groups)} groups")
            if ctx is None:
                for i in range(len(groups)):
                    _run_group(i)
            else:
                with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
                    for _ in pool.map(_run_group, range(len(groups))):
                        pass
        finally:
            _WORK.clear()
        say("comparing groups")
        names = [label(by, g.value, lang) for g in groups]
        if len(set(names)) < len(names):    # two values that read the same: their folder names tell them apart
            names = [g.folder for g in groups]
        units = load_units([tmp / g.folder for g in groups], names, folders=[g.folder for g in groups])
        write_comparison(units, tmp, lang=lang, dimension=by, dpi=dpi, figure_formats=figure_formats)
    return GroupedRun(target, by, groups, units, base.ledger)
