"""A small read-only view of the metric catalogue (data/metrics.toml): labels, units, formulas, limits.

The report only needs names and formulas, so it reads the TOML directly; a missing file or entry
falls back to the metric's own name (the report still renders). Tests pass a hand-built
:class:`Catalogue` instead.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class MetricInfo:
    name: str
    family: str = ""
    unit: str = ""
    zh: str = ""
    en: str = ""
    formula: str = ""
    threshold: str | None = None   # name of a threshold in data/thresholds.toml
    bound: str | None = None       # "max" or "min"


@dataclass
class Catalogue:
    metrics: dict[str, MetricInfo] = field(default_factory=dict)
    families: list[str] = field(default_factory=list)
    family_names: dict[str, dict[str, str]] = field(default_factory=dict)
    dimension_names: dict[str, dict[str, str]] = field(default_factory=dict)
    grade_names: dict[str, dict[str, str]] = field(default_factory=dict)

    def info(self, metric: str) -> MetricInfo:
        return self.metrics.get(metric, MetricInfo(name=metric))

    def label(self, metric: str, lang: str) -> str:
        info = self.info(metric)
        return (info.zh if lang == "zh" else info.en) or metric

    def dimension(self, name: str, lang: str) -> str:
        return self.dimension_names.get(name, {}).get(lang) or name

    def grade(self, name: str, lang: str) -> str:
        return self.grade_names.get(name, {}).get(lang) or name

    def family(self, name: str, lang: str) -> str:
        return self.family_names.get(name, {}).get(lang) or name


def catalogue_from_dict(data: dict[str, Any]) -> Catalogue:
    metrics = {}
    for name, spec in (data.get("metric") or {}).items():
        metrics[name] = MetricInfo(
            name=name, family=str(spec.get("family", "")), unit=str(spec.get("unit", "")),
            zh=str(spec.get("zh", "")), en=str(spec.get("en", "")), formula=str(spec.get("formula", "")),
            threshold=spec.get("threshold", spec.get("limit")), bound=spec.get("bound"),
        )
    return Catalogue(metrics=metrics, families=list(data.get("families", [])),
                     family_names=dict(data.get("family_names", {})),
                     dimension_names=dict(data.get("dimension_names", {})),
                     grade_names=dict(data.get("grade_names", {})))


def load_catalogue() -> Catalogue:
    """The shipped catalogue, or an empty one when data/metrics.toml is not there."""
    res = resources.files("microcredit_risk").joinpath("data/metrics.toml")
    if not res.is_file():
        return Catalogue()
    return catalogue_from_dict(tomllib.loads(res.read_text("utf-8")))
