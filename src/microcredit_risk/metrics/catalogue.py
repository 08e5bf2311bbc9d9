"""The metric catalogue (``data/metrics.toml``): what each metric name means, for people.

Names, families, formulas and the threshold a metric is held against live in data so the xlsx
writer, the docs, the figures and the report agree. Display names and units come from the one
vocabulary (``data/vocabulary.toml``, read through :mod:`microcredit_risk.vocabulary`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .. import vocabulary as vocab
from ..errors import UsageError
from ..profile import default_thresholds

UNITS = ("yuan", "ratio", "count", "index", "probability", "months")


@dataclass(frozen=True)
class MetricInfo:
    name: str
    family: str
    unit: str
    zh: str
    en: str
    formula: str
    threshold: str | None = None          # name in data/thresholds.toml
    bound: str | None = None              # "max" (a ceiling) or "min" (a floor)
    threshold_dimension: str | None = None  # the limit applies only to this dimension

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def limit(self, thresholds: dict[str, float] | None = None) -> float | None:
        """The limit value (profile thresholds if given, else the defaults)."""
        if self.threshold is None:
            return None
        return (thresholds or default_thresholds()).get(self.threshold)


@cache
def _data() -> dict[str, Any]:
    text = resources.files("microcredit_risk").joinpath("data/metrics.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def catalogue() -> dict[str, MetricInfo]:
    """Every catalogued metric by name, in file order (names and unit from the vocabulary)."""
    out: dict[str, MetricInfo] = {}
    for name, d in _data()["metric"].items():
        out[name] = MetricInfo(name=name, family=d["family"], unit=vocab.metric_unit(name) or "",
                               zh=vocab.metric_label(name, "zh"), en=vocab.metric_label(name, "en"),
                               formula=d["formula"], threshold=d.get("threshold"), bound=d.get("bound"),
                               threshold_dimension=d.get("threshold_dimension"))
    return out


def metric_info(name: str) -> MetricInfo:
    try:
        return catalogue()[name]
    except KeyError:
        raise UsageError("E701", name=name, known=", ".join(catalogue())) from None


def families() -> list[str]:
    """Metric families in report order."""
    return list(_data()["families"])


def metrics_of(family: str) -> list[str]:
    return [m.name for m in catalogue().values() if m.family == family]


def definitions() -> dict[str, Any]:
    """Definitional cut-offs (overdue90 days, term and size bucket edges, the missing-segment label)."""
    return dict(_data()["definitions"])
