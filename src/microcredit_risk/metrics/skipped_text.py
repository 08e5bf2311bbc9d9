"""A skipped analysis or a check not run, in words: its ``needs`` and ``reason`` in zh or en.

A :class:`~.table.Skipped` record carries a ``kind`` (:data:`~.table.SKIP_KINDS`) and ``params``;
data/report_text.toml ``[skipped]`` holds the words: ``[skipped.needs]`` by the form of the input a
kind needs, ``[skipped.reasons]`` by kind. The needs name the input as mcr reads it (a canonical
column, a bank.toml key, a metric), the reasons say it in words (the column as the report's tables
name it: :func:`column_heading`; a profile fact, a metric, a dimension from the vocabulary). The
kind ``error`` is a catalogued problem, worded by data/errors.toml. A record without a kind (a run
folder written before kinds existed), with a kind this version does not know or with a parameter
missing reads as its English ``needs`` and ``reason``.

Read by the report's appendix and by the early-warning list (why a reason did not run).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import MCRError, catalogue, fill, plural_form
from ..vocabulary import (
    date_text,
    dimension_label,
    in_sentence,
    is_term,
    metric_label,
    profile_fact_label,
    term_label,
    vocabulary,
)
from .table import SKIP_KINDS, Skipped
from .workbook import _report_text, words

_DIMENSION_COLUMNS = ("industry", "guarantee_type", "product", "region", "branch", "customer_type", "loan_officer")


def column_heading(column: str, lang: str) -> str:
    """A ledger column's name in words, without a unit, as the report's tables and the watchlist
    head it; a column no table names reads as itself."""
    v = vocabulary()
    if column in v["watchlist"]["columns"]:
        entry = v["watchlist"]["columns"][column]
        return str(entry.get(lang) or entry["en"])
    if column in _DIMENSION_COLUMNS:
        return dimension_label(column, lang)
    if column == "five_category":
        return words("headers.grade", lang)
    if column == "days_past_due":
        return words("headers.days_past_due", lang)
    if is_term(column) or column == "renewal_flag":   # "Renewal" / 是否续贷, as the model table names it
        return term_label(column, lang)
    if column in ("balance", "write_off"):            # the metric of the same name sums the column
        return metric_label(column, lang)
    if column in v["columns"]:
        entry = v["columns"][column]
        return str(entry.get(lang) or entry["en"])
    return column


def _text(key: str, lang: str, params: Mapping[str, Any]) -> str:
    """A leaf of report_text.toml filled with ``params`` (KeyError when it or a parameter is missing)."""
    node: Any = _report_text()
    for part in key.split("."):
        node = node[part]
    return plural_form(node[lang], params, str(node.get("count", "count"))).format(**params)


def _count(v: Any) -> str:
    return f"{v:,}" if isinstance(v, int) else str(v)


def _words(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The params as the templates take them: codes as they are, their words beside them."""
    sep = words("sentences.name_sep", lang)
    out: dict[str, Any] = {k: _count(v) if isinstance(v, int) else v for k, v in params.items()}
    if "column" in params:
        out["label"] = in_sentence(column_heading(str(params["column"]), lang), lang)
    if "fact" in params:
        out["key"] = params["fact"]
        out["fact"] = in_sentence(profile_fact_label(str(params["fact"]), lang), lang)
    if "years" in params:
        out["years"] = sep.join(str(y) for y in params["years"])
        out["year_list"] = ", ".join(str(y) for y in params["years"])     # as bank.toml keys them
    if "metric" in params:
        out["metric_code"] = params["metric"]
        out["metric"] = in_sentence(metric_label(str(params["metric"]), lang), lang)
    if "dimension" in params:
        out["dimension_code"] = params["dimension"]
        out["dimension"] = in_sentence(dimension_label(str(params["dimension"]), lang), lang)
    if "as_of" in params:
        out["as_of"] = date_text(params["as_of"], lang)
    return out


def skipped_needs(skipped: Skipped, lang: str) -> str:
    """What the analysis needed, in words (its English ``needs`` when it cannot be worded)."""
    form = SKIP_KINDS.get(skipped.kind)
    if form is None:
        return skipped.needs
    try:
        return _text(f"skipped.needs.{form}", lang, _words(skipped.params, lang))
    except (KeyError, IndexError, ValueError, TypeError):
        return skipped.needs


def skipped_reason(skipped: Skipped, lang: str) -> str:
    """Why it did not run, in words (its English ``reason`` when it cannot be worded)."""
    if skipped.kind not in SKIP_KINDS:
        return skipped.reason
    try:
        if skipped.kind == "error":
            problem = catalogue()[str(skipped.params["code"])]
            return fill(problem.template(lang), dict(skipped.params.get("params") or {}))
        return _text(f"skipped.reasons.{skipped.kind}", lang, _words(skipped.params, lang))
    except (KeyError, IndexError, ValueError, TypeError, MCRError):
        return skipped.reason
