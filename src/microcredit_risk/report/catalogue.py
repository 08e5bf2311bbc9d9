"""A small read-only view of the metric catalogue (data/metrics.toml): families, formulas, limits.

The report only needs formulas and limits from it, so it reads the TOML directly; a missing file or
entry falls back to the metric's own name (the report still renders). Every name a reader sees
(metric, dimension, grade, family) comes from the one vocabulary, :mod:`microcredit_risk.vocabulary`.
Tests pass a hand-built :class:`Catalogue` instead.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .. import vocabulary as vocab


@dataclass(frozen=True)
class MetricInfo:
    name: str
    family: str = ""
    formula: str = ""
    threshold: str | None = None   # name of a threshold in data/thresholds.toml
    bound: str | None = None       # "max" or "min"

    @property
    def unit(self) -> str:
        return vocab.metric_unit(self.name) or ""


@dataclass
class Catalogue:
    metrics: dict[str, MetricInfo] = field(default_factory=dict)
    families: list[str] = field(default_factory=list)

    def info(self, metric: str) -> MetricInfo:
        return self.metrics.get(metric, MetricInfo(name=metric))

    def label(self, metric: str, lang: str) -> str:
        return vocab.metric_label(metric, lang)

    def dimension(self, name: str, lang: str) -> str:
        return vocab.dimension_label(name, lang)

    def grade(self, name: str, lang: str) -> str:
        return vocab.grade_label(name, lang)

    def family(self, name: str, lang: str) -> str:
        return vocab.family_label(name, lang)


def catalogue_from_dict(data: dict[str, Any]) -> Catalogue:
    metrics = {}
    for name, spec in (data.get("metric") or {}).items():
        metrics[name] = MetricInfo(
            name=name, family=str(spec.get("family", "")), formula=str(spec.get("formula", "")),
            threshold=spec.get("threshold", spec.get("limit")), bound=spec.get("bound"),
        )
    return Catalogue(metrics=metrics, families=list(data.get("families", [])))


def load_catalogue() -> Catalogue:
    """The shipped catalogue, or an empty one when data/metrics.toml is not there."""
    res = resources.files("microcredit_risk").joinpath("data/metrics.toml")
    if not res.is_file():
        return Catalogue()
    return catalogue_from_dict(tomllib.loads(res.read_text("utf-8")))
