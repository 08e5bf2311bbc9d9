"""Filling the texts of the rule book (titles, evidence phrases, targets) from a finding's evidence.

A template names the facts it cites (``{segment}``, ``{value:.1%}``, ``{cite}``); a fact that is
absent prints as "n/a" and a format spec that does not fit the value falls back to plain text, so a
user's text can never stop a run.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from .. import vocabulary as vocab
from ..errors import plural_form
from .records import Evidence
from .rules import RuleBook

MISSING = "n/a"


class _Safe(string.Formatter):
    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        return kwargs.get(str(key))

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None:
            return MISSING
        try:
            return format(value, format_spec)
        except (TypeError, ValueError):
            return str(value)


_FORMATTER = _Safe()


def fill(template: str, facts: Mapping[str, Any]) -> str:
    try:
        return _FORMATTER.vformat(template, (), dict(facts))
    except (IndexError, KeyError, ValueError, AttributeError):
        return template


def pick(table: Mapping[str, Any] | str | None, lang: str, facts: Mapping[str, Any] | None = None) -> str:
    """The text in ``lang`` (falling back to the other language) of a {zh, en} table or a plain string.

    An ``en = { one = "…", other = "…" }`` entry takes the form of the fact its ``count`` names.
    """
    if table is None:
        return ""
    if isinstance(table, str):
        return table
    text = table.get(lang) or table.get("en") or table.get("zh") or ""
    return plural_form(text, facts or {}, str(table.get("count", "count")))


def dimension_label(book: RuleBook, dimension: str | None, lang: str) -> str:
    """A dimension as it reads inside a sentence (a user's [dimensions] entry, else the vocabulary)."""
    if dimension is None:
        return ""
    return pick(book.dimensions.get(dimension), lang) or vocab.in_sentence(vocab.dimension_label(dimension, lang), lang)


def segment_label(book: RuleBook, dimension: str | None, segment: Any, lang: str) -> str:
    """A segment code in words (industry "C" → 制造业); a code the vocabulary does not name prints as is."""
    if segment is None:
        return ""
    return vocab.segment_label(dimension, segment, lang)


def format_value(value: float | None, unit: str, lang: str, currency: str = "CNY") -> str:
    if value is None:
        return MISSING
    if unit == "ratio":
        return f"{value:.2%}"
    if unit == "pp":                        # a change of ratios, in percentage points
        return f"{value * 100:.2f}个百分点" if lang == "zh" else f"{value * 100:.2f} pp"
    if unit == "yuan":                      # amounts read in 万元 / CNY million, as in the report
        cur = vocab.currency_word(currency, lang)
        return f"{value / 1e4:,.2f}万{cur}" if lang == "zh" else f"{cur} {value / 1e6:,.2f} million"
    if unit == "count":
        return f"{value:,.0f}"
    if unit in ("pvalue", "probability"):
        return f"{value:.3g}"
    return f"{value:.3g}"


def _by_grade(e: Evidence) -> str | None:
    """The grade of a per-grade metric that has a name of its own (migration_rate of normal loans)."""
    if e.dimension is None and e.segment is not None and vocab.is_grade(e.segment) and vocab.has_grade_name(e.metric):
        return str(e.segment)
    return None


def _label_unit(book: RuleBook, e: Evidence, units: Mapping[str, str], lang: str) -> tuple[str, str]:
    """The metric's name (a user's rules file may rename it) and its unit."""
    label_spec = book.labels.get(e.metric, {})
    dim = dimension_label(book, e.dimension, lang)
    label = fill(pick(label_spec, lang), {"dimension_label": dim}) or vocab.metric_label(e.metric, lang, _by_grade(e))
    unit = str(label_spec.get("unit") or units.get(e.metric) or vocab.metric_unit(e.metric) or "number")
    return label, unit


def describe(book: RuleBook, e: Evidence, units: Mapping[str, str], lang: str, currency: str = "CNY") -> str:
    """One evidence record as a phrase a reader can check against the tables."""
    label, unit = _label_unit(book, e, units, lang)
    dim = dimension_label(book, e.dimension, lang)
    seg = segment_label(book, e.dimension, e.segment, lang)
    where = [(f"{dim}：{seg}" if lang == "zh" else f"{dim}: {seg}") if dim else seg] if e.segment is not None and not _by_grade(e) else [dim] if dim else []
    if e.as_of:
        where.append(vocab.date_text(e.as_of, lang))
    if e.threshold is not None:
        name = e.threshold_name or ""
        rise = name.endswith("_pp") or "_rise_" in name     # the line is a rise, not a level
        limit = format_value(e.threshold, "pp" if rise else unit, lang, currency)
        if rise:
            where.append(f"升幅阈值{limit}" if lang == "zh" else f"threshold: a rise of {limit}")
        elif name.endswith("_min_share"):    # the size a segment needs to be tested, not a limit it broke
            where.append(f"占比达{limit}以上方纳入检验" if lang == "zh" else f"tested as it holds at least {limit}")
        else:
            where.append(f"阈值{limit}" if lang == "zh" else f"threshold {limit}")
    now = "" if e.value is None else format_value(e.value, unit, lang, currency)
    value = "" if e.value is None else f"为{now}" if lang == "zh" else f" {now}"
    if e.base_value is not None and e.value is not None and e.base_as_of:   # a change: from → to
        start = format_value(e.base_value, unit, lang, currency)
        since = vocab.date_text(e.base_as_of, lang)
        up = format_value(e.value - e.base_value, "pp" if unit == "ratio" else unit, lang, currency)
        value = (f"由{start}（{since}）变为{now}，变动{up}" if lang == "zh"
                 else f" from {start} ({since}) to {now}, a change of {up}")
    if not where:
        return f"{label}{value}"
    sep = "；" if lang == "zh" else "; "
    return f"{label}{value}（{sep.join(where)}）" if lang == "zh" else f"{label}{value} ({sep.join(where)})"


def title_for(book: RuleBook, code: str, facts: dict[str, Any], evidence: list[Evidence],
              units: Mapping[str, str], lang: str, currency: str = "CNY") -> str:
    """The finding's title, every placeholder filled from its evidence and facts."""
    phrases = [describe(book, e, units, lang, currency) for e in evidence]
    # one phrase per value: a level that crossed both its ceiling and a rise line is cited once
    lined = {(e.metric, e.as_of, e.dimension, e.segment): e for e in reversed(evidence) if e.threshold is not None}
    main = [describe(book, e, units, lang, currency) for e in reversed(lined.values())] or phrases[-1:]
    sep = "；" if lang == "zh" else "; "
    names = [segment_label(book, facts.get("dimension"), x, lang) for x in facts.get("segment_list", ())]
    ctx = {"cite": sep.join(main), "evidence": sep.join(phrases),
           "dimension_label": dimension_label(book, facts.get("dimension"), lang), **facts,
           "segment_label": segment_label(book, facts.get("dimension"), facts.get("segment"), lang),
           "segments": ("、" if lang == "zh" else ", ").join(names) or facts.get("segments")}
    texts = book.problems[code]
    at_peak = facts.get("peak_year") is not None and facts.get("peak_year") == facts.get("latest_year")
    spec = texts.get("title_at_peak") if at_peak and texts.get("title_at_peak") else texts.get("title")
    return fill(pick(spec, lang, ctx), ctx)


def target_phrase(book: RuleBook, e: Evidence, units: Mapping[str, str], lang: str, currency: str = "CNY") -> str:
    """A segment named with the number that singled it out: "批发和零售业（不良贷款率 15.90%）"."""
    label, unit = _label_unit(book, e, units, lang)
    seg = segment_label(book, e.dimension, e.segment, lang)
    value = format_value(e.value, unit, lang, currency)
    return f"{seg}（{label}{value}）" if lang == "zh" else f"{seg} ({label} {value})"
