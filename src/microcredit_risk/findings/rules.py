"""The findings rule book: rules (data/rules.toml) and texts (data/texts.toml), with a user file merged over.

Domain knowledge lives in those TOML files, not here: this module only reads, merges and checks them,
so that a mistake in a user's rules file is reported as one line before anything is evaluated.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ProfileError
from .model import SEVERITIES, STAGES

AT_VALUES = ("latest", "newest", "first", "change_from_first", "change_from_previous", "mean_growth")
OPS = (">", ">=", "<", "<=")
CHECKS = ("hotspot", "segment_group", "officer_outliers", "vintage", "risk_sharing", "data_quality",
          "write_off_masking")
SECTIONS = ("rules", "problems", "causes", "recommendations", "labels", "dimensions")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    when: dict[str, Any]
    order: int
    escalate_to: str | None = None
    escalate_factor: float | None = None
    requires: tuple[str, ...] = ()
    per_segment: bool = False
    needs_columns: tuple[str, ...] = ()


@dataclass
class RuleBook:
    rules: list[Rule]
    problems: dict[str, dict[str, Any]] = field(default_factory=dict)
    causes: dict[str, dict[str, Any]] = field(default_factory=dict)
    recommendations: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    dimensions: dict[str, dict[str, Any]] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)   # segment code → {zh, en} per dimension


# a condition is replaced as a whole: merging two conditions key by key would make a third nobody wrote
WHOLE = frozenset({"when", "escalate"})


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: tables merge key by key, anything else (arrays, conditions) is replaced."""
    out = dict(base)
    for k, v in over.items():
        merge = isinstance(v, dict) and isinstance(out.get(k), dict) and k not in WHOLE
        out[k] = deep_merge(out[k], v) if merge else v
    return out


@cache
def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in ("rules.toml", "texts.toml"):
        text = resources.files("microcredit_risk").joinpath(f"data/{name}").read_text("utf-8")
        data = deep_merge(data, tomllib.loads(text))
    return data


def _read_user(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: rules file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not a valid TOML file ({exc})") from None
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ProfileError(f"{path}: unknown section(s) {', '.join(unknown)}; expected {', '.join(SECTIONS)}")
    return data


def load_rules(rules_path: Path | str | None = None) -> RuleBook:
    """The shipped rule book, with the user's file (same format, any subset of sections) merged over it."""
    data = _shipped()
    source = "shipped rules"
    if rules_path is not None:
        data = deep_merge(data, _read_user(Path(rules_path)))
        source = str(rules_path)
    book = RuleBook(
        rules=[_rule(code, spec, i, source) for i, (code, spec) in enumerate(data.get("rules", {}).items())],
        problems=data.get("problems", {}), causes=data.get("causes", {}),
        recommendations=data.get("recommendations", {}), labels=data.get("labels", {}),
        dimensions=data.get("dimensions", {}), values=data.get("values", {}),
    )
    _check_texts(book, source)
    return book


def _rule(code: str, spec: Any, order: int, source: str) -> Rule:
    where = f"{source}: [rules.{code}]"
    if not isinstance(spec, dict):
        raise ProfileError(f"{where} must be a table")
    severity = spec.get("severity", "medium")
    if severity not in SEVERITIES:
        raise ProfileError(f"{where} severity = {severity!r} is not one of {', '.join(SEVERITIES)}")
    if "when" not in spec:
        raise ProfileError(f"{where} has no 'when' condition")
    _check_condition(spec["when"], where)
    esc = spec.get("escalate") or {}
    to = esc.get("severity")
    if to is not None and to not in SEVERITIES:
        raise ProfileError(f"{where} escalate.severity = {to!r} is not one of {', '.join(SEVERITIES)}")
    factor = esc.get("factor")
    if to is not None and not isinstance(factor, (int, float)):
        raise ProfileError(f"{where} escalate needs a numeric factor")
    return Rule(code=code, severity=severity, when=spec["when"], order=order, escalate_to=to,
                escalate_factor=None if factor is None else float(factor),
                requires=tuple(spec.get("requires", ())), per_segment=bool(spec.get("per_segment", False)),
                needs_columns=tuple(spec.get("needs_columns", ())))


def _check_condition(cond: Any, where: str) -> None:
    if not isinstance(cond, dict):
        raise ProfileError(f"{where}: a condition must be a table")
    for key in ("any", "all"):
        if key in cond:
            parts = cond[key]
            if not isinstance(parts, list) or not parts:
                raise ProfileError(f"{where}: '{key}' must be a non-empty list of conditions")
            for part in parts:
                _check_condition(part, where)
            return
    if "check" in cond:
        if cond["check"] not in CHECKS:
            raise ProfileError(f"{where}: unknown check {cond['check']!r}; known: {', '.join(CHECKS)}")
        return
    if "metric" not in cond:
        raise ProfileError(f"{where}: a condition needs 'metric', 'check', 'any' or 'all'")
    if cond.get("at", "latest") not in AT_VALUES:
        raise ProfileError(f"{where}: at = {cond.get('at')!r} is not one of {', '.join(AT_VALUES)}")
    if cond.get("op") not in OPS:
        raise ProfileError(f"{where}: op = {cond.get('op')!r} is not one of {', '.join(OPS)}")
    if "threshold" not in cond and "relative_to" not in cond:
        raise ProfileError(f"{where}: condition on {cond['metric']} needs a threshold or relative_to")
    sev = cond.get("severity")
    if sev is not None and sev not in SEVERITIES:
        raise ProfileError(f"{where}: severity = {sev!r} is not one of {', '.join(SEVERITIES)}")


def _check_texts(book: RuleBook, source: str) -> None:
    for rule in book.rules:
        problem = book.problems.get(rule.code)
        if problem is None or "title" not in problem:
            raise ProfileError(f"{source}: rule {rule.code} has no [problems.{rule.code}] title")
        for c in problem.get("causes", ()):
            if c not in book.causes:
                raise ProfileError(f"{source}: [problems.{rule.code}] names unknown cause {c}")
        for r in problem.get("recommendations", ()):
            if r not in book.recommendations:
                raise ProfileError(f"{source}: [problems.{rule.code}] names unknown recommendation {r}")
    for code, cause in book.causes.items():
        for r in cause.get("recommendations", ()):
            if r not in book.recommendations:
                raise ProfileError(f"{source}: [causes.{code}] names unknown recommendation {r}")
    for code, rec in book.recommendations.items():
        if rec.get("stage") not in STAGES:
            raise ProfileError(f"{source}: [recommendations.{code}] stage = {rec.get('stage')!r} "
                               f"is not one of {', '.join(STAGES)}")
