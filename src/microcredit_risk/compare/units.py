"""The units of a comparison: finished run folders, each with the label it is shown under."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import OutputError, UsageError
from ..report.run_folder import RunResults, load_run


@dataclass(frozen=True)
class Unit:
    """One run compared: its label, the folder it was read from and what it saved."""

    label: str
    source: str                 # the folder as given (mcr compare) or the group's sub-folder (--by)
    run: RunResults
    folder: str | None = None   # the group's sub-folder of an `mcr analyze --by` output


@cache
def settings() -> dict[str, Any]:
    """data/compare.toml: headline metrics and rank directions, panels, trend metrics, structure."""
    text = resources.files("microcredit_risk").joinpath("data/compare.toml").read_text("utf-8")
    return tomllib.loads(text)


def check_labels(labels: Sequence[str] | None, count: int) -> list[str] | None:
    """``--labels``: one per run folder, each distinct (usage errors otherwise)."""
    if labels is None:
        return None
    if len(labels) != count:
        raise UsageError("E620", where="--labels", labels=len(labels), runs=count)
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise UsageError("E621", where="--labels", value=label)
        seen.add(label)
    return list(labels)


def default_labels(dirs: Sequence[Path]) -> list[str]:
    """Folder names; where two folders share a name, the paths as given."""
    names = [Path(d).name or str(d) for d in dirs]
    return [n if names.count(n) == 1 else str(d) for n, d in zip(names, dirs, strict=True)]


def load_units(dirs: Sequence[str | Path], labels: Sequence[str] | None = None,
               folders: Sequence[str | None] | None = None) -> list[Unit]:
    """Read every run folder (coded errors for a missing or unreadable one) and check they can be compared."""
    paths = [Path(d) for d in dirs]
    if not paths:
        raise OutputError("E531")
    chosen = check_labels(labels, len(paths)) or default_labels(paths)
    where = list(folders) if folders is not None else [None] * len(paths)
    units = [Unit(label=lab, source=str(p) if f is None else f, run=load_run(p), folder=f)
             for lab, p, f in zip(chosen, paths, where, strict=True)]
    currencies = sorted({u.run.ledger.currency for u in units})
    if len(currencies) > 1:
        raise OutputError("E530", currencies=", ".join(currencies))
    return units
