"""The findings rule book: rules (data/rules.toml), texts (data/texts.toml) and the diagnosis (causes and
recommendations, data/diagnosis.toml), with a user file merged over.

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
from .records import SEVERITIES, STAGES

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
    for name in ("rules.toml", "texts.toml", "diagnosis.toml"):
        text = resources.files("microcredit_risk").joinpath(f"data/{name}").read_text("utf-8")
        data = deep_merge(data, tomllib.loads(text))
    return data


def _read_user(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise ProfileError("E301", where=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError("E302", where=str(path), detail=exc) from None
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ProfileError("E303", where=str(path), names=", ".join(unknown), count=len(unknown), choices=", ".join(SECTIONS))
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
        dimensions=data.get("dimensions", {}),
    )
    _check_texts(book, source)
    return book


def _rule(code: str, spec: Any, order: int, source: str) -> Rule:
    where = f"{source} [rules.{code}]"
    if not isinstance(spec, dict):
        raise ProfileError("E304", where=where)
    severity = spec.get("severity", "medium")
    if severity not in SEVERITIES:
        raise ProfileError("E305", where=where, key="severity", value=severity, choices=", ".join(SEVERITIES))
    if "when" not in spec:
        raise ProfileError("E306", where=where)
    _check_condition(spec["when"], where)
    esc = spec.get("escalate") or {}
    to = esc.get("severity")
    if to is not None and to not in SEVERITIES:
        raise ProfileError("E305", where=where, key="escalate.severity", value=to, choices=", ".join(SEVERITIES))
    factor = esc.get("factor")
    if to is not None and not isinstance(factor, (int, float)):
        raise ProfileError("E307", where=where)
    return Rule(code=code, severity=severity, when=spec["when"], order=order, escalate_to=to,
                escalate_factor=None if factor is None else float(factor),
                requires=tuple(spec.get("requires", ())), per_segment=bool(spec.get("per_segment", False)),
                needs_columns=tuple(spec.get("needs_columns", ())))


def _check_condition(cond: Any, where: str) -> None:
    if not isinstance(cond, dict):
        raise ProfileError("E308", where=where)
    for key in ("any", "all"):
        if key in cond:
            parts = cond[key]
            if not isinstance(parts, list) or not parts:
                raise ProfileError("E309", where=where, key=key)
            for part in parts:
                _check_condition(part, where)
            return
    if "check" in cond:
        if cond["check"] not in CHECKS:
            raise ProfileError("E310", where=where, value=cond["check"], choices=", ".join(CHECKS))
        return
    if "metric" not in cond:
        raise ProfileError("E311", where=where)
    if cond.get("at", "latest") not in AT_VALUES:
        raise ProfileError("E312", where=where, key="at", value=cond.get("at"), choices=", ".join(AT_VALUES))
    if cond.get("op") not in OPS:
        raise ProfileError("E312", where=where, key="op", value=cond.get("op"), choices=", ".join(OPS))
    if "threshold" not in cond and "relative_to" not in cond:
        raise ProfileError("E313", where=where, metric=cond["metric"])
    sev = cond.get("severity")
    if sev is not None and sev not in SEVERITIES:
        raise ProfileError("E312", where=where, key="severity", value=sev, choices=", ".join(SEVERITIES))


def _check_texts(book: RuleBook, source: str) -> None:
    for rule in book.rules:
        problem = book.problems.get(rule.code)
        if problem is None or "title" not in problem:
            raise ProfileError("E314", where=source, code=rule.code)
    known = {r.code for r in book.rules}
    for code, cause in book.causes.items():
        for p in cause.get("problems", ()):
            if p not in known:
                raise ProfileError("E315", where=source, table=f"causes.{code}", kind="problem", name=p)
        for key in ("supported", "contradicted", "present"):
            if key in cause:
                _check_test(cause[key], f"{source} [causes.{code}] {key}")
    for code, rec in book.recommendations.items():
        if rec.get("cause") not in book.causes:
            raise ProfileError("E315", where=source, table=f"recommendations.{code}", kind="cause",
                               name=rec.get("cause"))
        if rec.get("stage") not in STAGES:
            raise ProfileError("E316", where=source, code=code, value=rec.get("stage"), choices=", ".join(STAGES))


RULE_LEAVES = ("fired", "clear", "ran")
CAUSE_CHECKS = ("broad_rise",)


def _check_test(cond: Any, where: str) -> None:
    """A cause's test: the rules' conditions, plus leaves naming a rule of this run (fired, clear, ran)."""
    if isinstance(cond, dict):
        for key in ("any", "all"):
            if key in cond and isinstance(cond[key], list) and cond[key]:
                for part in cond[key]:
                    _check_test(part, where)
                return
        leaves = [k for k in RULE_LEAVES if k in cond]
        if leaves:
            extra = sorted(set(cond) - {leaves[0]})
            if extra:
                raise ProfileError("E322", where=where, leaf=leaves[0], keys=", ".join(extra))
            return
        if cond.get("check") in CAUSE_CHECKS:
            return
    _check_condition(cond, where)
