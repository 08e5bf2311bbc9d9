"""The figures' words, read from ``data/figures.toml`` (zh and en): no label lives in Python.

The names of things (grades, segment codes, metrics, model variables) come from the one vocabulary
(``data/vocabulary.toml``), so a figure names them as the report and metrics.xlsx do.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .. import vocabulary as vocab
from ..errors import LANGS, UsageError


@cache
def _data() -> dict[str, Any]:
    text = resources.files("microcredit_risk").joinpath("data/figures.toml").read_text("utf-8")
    return tomllib.loads(text)


def common() -> dict[str, Any]:
    """Figure conventions shared by both languages (control-limit levels, panel sizes)."""
    return dict(_data()["common"])


@dataclass(frozen=True)
class FigureTexts:
    lang: str
    currency: str = "CNY"     # ISO code of every amount

    @property
    def _d(self) -> dict[str, Any]:
        return _data()[self.lang]

    def title(self, figure: str) -> str:
        return str(self._d["titles"][figure])

    def label(self, key: str, **fmt: Any) -> str:
        return str(self._d["labels"][key]).format(**fmt)

    def text(self, key: str, **fmt: Any) -> str:
        return str(self._d[key]).format(**fmt)

    def grade(self, grade: str) -> str:
        return vocab.grade_label(grade, self.lang)

    def factor(self, name: str) -> str:
        return vocab.term_label(name, self.lang)

    def value(self, dimension: str, segment: str | None) -> str:
        """A segment as people read it: translated when it is a canonical code, else as given."""
        return vocab.segment_label(dimension, segment, self.lang)

    def dimension(self, name: str) -> str:
        return vocab.dimension_label(name, self.lang)

    def metric(self, name: str) -> str:
        """A metric's name (不良贷款率 / NPL ratio), as the report and metrics.xlsx print it."""
        return vocab.metric_label(name, self.lang)

    def limit(self, metric: str, value: str) -> str:
        """The legend of a limit line: the metric's name and the limit."""
        return self.label("limit_of", name=self.metric(metric), value=value)

    def money_scale(self, largest: float) -> tuple[float, str]:
        """(divisor, unit) for amounts whose largest absolute value is ``largest`` (万元/亿元, CNY million …)."""
        cur = vocab.currency_word(self.currency, self.lang)
        scales = [(float(d), str(u).format(cur=cur)) for d, u in self._d["money"]["scales"]]
        for divisor, unit in scales:
            if abs(largest) >= divisor:
                return divisor, unit
        return scales[-1]


def texts_for(lang: str, currency: str = "CNY") -> FigureTexts:
    if lang not in LANGS:
        raise UsageError("E602", where="lang", value=lang, choices=", ".join(LANGS))
    return FigureTexts(lang, currency)
