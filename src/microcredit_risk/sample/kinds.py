"""The data that makes each synthetic bank different (``data/sample_kinds.toml``) and the Chinese
export vocabulary (``data/sample_vocab.toml``): kinds are data, so a new case study needs no code."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from ..errors import UsageError


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files("microcredit_risk").joinpath(f"data/{name}").read_text("utf-8")
    return tomllib.loads(text)


def kinds() -> tuple[str, ...]:
    """The sample kinds, in file order."""
    return tuple(_load("sample_kinds.toml"))


def kind_params(kind: str) -> dict[str, Any]:
    """The parameter table of one kind; an unknown kind is refused with the list of known ones."""
    data = _load("sample_kinds.toml")
    if kind not in data:
        raise UsageError("E712", value=kind, choices=", ".join(data))
    return data[kind]


def vocab() -> dict[str, Any]:
    """Chinese headers, values, industry names and name syllables the exporter writes."""
    return _load("sample_vocab.toml")


def shares(table: dict[str, Any]) -> tuple[list[str], np.ndarray]:
    """Keys and normalised weights of a ``key = weight`` table."""
    keys = list(table)
    weights = np.array([float(table[k]) for k in keys])
    return keys, weights / weights.sum()


def by_year(values: list[float] | float, n: int) -> np.ndarray:
    """A 'by study year' list stretched to ``n`` years (the last value repeats)."""
    v = np.atleast_1d(np.asarray(values, dtype=float))
    if len(v) >= n:
        return v[:n]
    return np.concatenate([v, np.repeat(v[-1], n - len(v))])
