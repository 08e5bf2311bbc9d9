"""The one vocabulary (``data/vocabulary.toml``): the words for every grade, dimension, segment code,
metric, family, bank kind and model term, in zh and en.

The report, the figures, metrics.xlsx, ``mcr metrics`` and the findings texts all ask here, so the
same thing is named the same way everywhere. A name the vocabulary does not know prints as given
(a product name, a region, an officer id), so a lookup never fails.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("zh", "en")
SECTIONS = ("grades", "dimensions", "values", "metrics", "quantities", "families", "bank_kinds", "terms", "problems",
            "columns", "profile_facts")


@cache
def vocabulary() -> dict[str, Any]:
    """The parsed data file (read once)."""
    text = resources.files("microcredit_risk").joinpath("data/vocabulary.toml").read_text("utf-8")
    return tomllib.loads(text)


def _pick(entry: Any, lang: str, default: str) -> str:
    if not isinstance(entry, dict):
        return default
    return str(entry.get(lang) or entry.get("en") or default)


def _canonical(name: str) -> str:
    """A ledger column that is read under a dimension's name (renewal_flag → renewal)."""
    return str(vocabulary().get("same_as", {}).get(name, name))


def grade_label(code: str, lang: str = "zh") -> str:
    """正常 / Normal … for a five-category code (and ``exited``)."""
    return _pick(vocabulary()["grades"].get(code), lang, code)


def is_grade(code: object) -> bool:
    return isinstance(code, str) and code in vocabulary()["grades"]


def dimension_label(dimension: str, lang: str = "zh") -> str:
    """行业 / Industry … (a model variable or ledger column named like a dimension reads the same)."""
    return _pick(vocabulary()["dimensions"].get(_canonical(dimension)), lang, dimension)


def segment_label(dimension: str | None, value: Any, lang: str = "zh") -> str:
    """A segment in words: a code of the dimension (industry ``D``), a code any dimension carries
    (``other``, ``unknown``), a grade where the dimension is none or a grade (the transition
    matrices); anything else as given. No value at all reads as ``unknown``."""
    values = vocabulary()["values"]
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return _pick(values["any"]["unknown"], lang, "")
    key = str(value)
    if is_grade(key) and (dimension in (None, "grade") or is_grade(dimension)):
        return grade_label(key, lang)
    own = values.get(_canonical(dimension or ""), {})
    for table in (own, values["any"]):
        for k in (key, key.lower()):      # a model level may read True where the metrics write true
            if k in table:
                return _pick(table[k], lang, key)
    return key


def metric_label(name: str, lang: str = "zh", grade: str | None = None) -> str:
    """不良贷款率 / NPL ratio … for a metric (or another quantity the findings cite); with ``grade``,
    the name a metric of one grade goes by where it has one (正常类贷款迁徙率, not 迁徙率（正常）)."""
    v = vocabulary()
    entry = v["metrics"].get(name) or v["quantities"].get(name)
    if grade is not None and entry is not None and "of_grade" in entry:
        return _pick(entry["of_grade"], lang, name).format(grade=grade_label(grade, lang))
    return _pick(entry, lang, name)


def problem_label(code: str, lang: str = "zh") -> str | None:
    """A problem's short name where its title carries numbers ([problems]); None: its title is short already."""
    entry = vocabulary().get("problems", {}).get(code)
    return _pick(entry, lang, code) if entry is not None else None


def has_grade_name(name: str) -> bool:
    """Whether the metric has a name of its own for one grade (see :func:`metric_label`)."""
    return "of_grade" in (vocabulary()["metrics"].get(name) or {})


def metric_unit(name: str) -> str | None:
    """yuan, ratio, count, index (pvalue, number for other quantities); None if unknown."""
    v = vocabulary()
    entry = v["metrics"].get(name) or v["quantities"].get(name)
    return None if entry is None else str(entry["unit"])


def family_label(family: str, lang: str = "zh") -> str:
    return _pick(vocabulary()["families"].get(family), lang, family)


def bank_kind_label(kind: str, lang: str = "zh") -> str:
    return _pick(vocabulary()["bank_kinds"].get(kind), lang, kind)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_text(d: Any, lang: str = "zh") -> str:
    """A date as every output writes it: 2023年12月31日 / 31 Dec 2023 (one format per language)."""
    import pandas as pd

    ts = pd.Timestamp(d)
    if lang == "zh":
        return f"{ts.year}年{ts.month}月{ts.day}日"
    return f"{ts.day} {MONTHS[ts.month - 1]} {ts.year}"


def currency_word(code: str, lang: str = "zh") -> str:
    """元 / CNY, 美元 / USD …: what amounts are counted in (an unknown ISO code reads as itself)."""
    return _pick(vocabulary()["currencies"].get(code), lang, code)


def scope_label(scope: str, lang: str = "zh") -> str:
    return _pick(vocabulary()["scopes"].get(scope), lang, scope)


def profile_fact_label(fact: str, lang: str = "zh") -> str:
    """资本净额 / Net capital … for a by-year fact of the bank profile (``bank.net_capital``)."""
    return _pick(vocabulary()["profile_facts"].get(fact), lang, fact)


def is_term(name: str) -> bool:
    """Whether the model variable has a name of its own (``log(amount)``), not a dimension's."""
    return name in vocabulary()["terms"]


def term_label(name: str, lang: str = "zh") -> str:
    """A variable of the default-driver model: its own name if it has one, else the dimension's."""
    entry = vocabulary()["terms"].get(name)
    return _pick(entry, lang, name) if entry is not None else dimension_label(name, lang)


def in_sentence(label: str, lang: str) -> str:
    """An English label inside a sentence starts in lower case ("Guarantee type" → "guarantee type");
    an acronym ("NPL ratio") and Chinese stay as they are."""
    if lang != "en" or len(label) < 2 or not label[0].isupper() or label[1].isupper():
        return label
    return label[0].lower() + label[1:]
