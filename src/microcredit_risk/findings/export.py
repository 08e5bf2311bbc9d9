"""findings.json (schema ``mcr.findings/2``, DIAGNOSIS.md §5): writing it, and reading it back for the
report re-renderer.

``{"schema", "lang", "findings": [records], "causes": [tested causes], "recommendations": […],
"not_run": [{what, needs, reason}], "states": {rule: fired | clear | unknown}}``; the output is
deterministic (stable key order, no timestamps) and holds no NaN or Infinity.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import AnalysisError
from ..metrics.table import Skipped
from .records import (
    SEVERITIES,
    STAGES,
    STATUSES,
    CauseResult,
    Evidence,
    Finding,
    Findings,
    RecommendationResult,
)

SCHEMA = "mcr.findings/2"


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def findings_obj(findings: Findings) -> dict[str, Any]:
    return _finite({
        "schema": SCHEMA,
        "lang": findings.lang,
        "findings": [f.to_json_obj() for f in findings.items],
        "causes": [c.to_json_obj() for c in findings.causes],
        "recommendations": [r.to_json_obj() for r in findings.recommendations],
        "not_run": [s.to_json_obj() for s in findings.not_run],
        "states": dict(sorted(findings.states.items())),
    })


def findings_json(findings: Findings) -> str:
    return json.dumps(findings_obj(findings), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def _one_of(value: Any, choices: tuple[str, ...], key: str) -> str:
    if value not in choices:
        raise AnalysisError("E508", where="findings.json", key=key, value=value, choices=", ".join(choices))
    return str(value)


def _evidence(items: list[dict[str, Any]]) -> list[Evidence]:
    return [Evidence(metric=e["metric"], as_of=e.get("as_of"), value=_num(e.get("value")),
                     threshold=_num(e.get("threshold")), threshold_name=e.get("threshold_name"),
                     dimension=e.get("dimension"), segment=e.get("segment"), base_as_of=e.get("base_as_of"),
                     base_value=_num(e.get("base_value"))) for e in items]


def _finding(d: dict[str, Any]) -> Finding:
    return Finding(code=d["code"], severity=_one_of(d.get("severity"), SEVERITIES, "severity"),
                   title=d.get("title", ""), as_of=d.get("as_of"), dimension=d.get("dimension"),
                   segment=d.get("segment"), evidence=_evidence(d.get("evidence", [])),
                   causes=[str(c) for c in d.get("causes", [])])


def _cause(d: dict[str, Any]) -> CauseResult:
    return CauseResult(code=d["code"], status=_one_of(d.get("status"), STATUSES, "status"), text=d.get("text", ""),
                       because=list(d.get("because", [])), evidence=_evidence(d.get("evidence", [])),
                       verify=d.get("verify"), short=d.get("short", ""))


def _recommendation(d: dict[str, Any]) -> RecommendationResult:
    return RecommendationResult(code=d["code"], cause=d["cause"], stage=_one_of(d.get("stage"), STAGES, "stage"),
                                text=d.get("text", ""), evidence=_evidence(d.get("evidence", [])),
                                conditional=bool(d.get("conditional", False)))


def findings_from_json(text: str) -> Findings:
    """The :class:`Findings` that :func:`findings_json` wrote (the report re-renders from it)."""
    try:
        data = json.loads(text)
        if data.get("schema") != SCHEMA:
            raise AnalysisError("E507", where="findings.json", value=data.get("schema"), expected=SCHEMA)
        return Findings(items=[_finding(d) for d in data["findings"]],
                        not_run=[Skipped.from_json_obj(s) for s in data.get("not_run", [])],
                        lang=data.get("lang", "zh"),
                        causes=[_cause(c) for c in data.get("causes", [])],
                        recommendations=[_recommendation(r) for r in data.get("recommendations", [])],
                        states={str(k): str(v) for k, v in data.get("states", {}).items()})
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise AnalysisError("E509", where="findings.json", detail=f"{type(exc).__name__}: {exc}") from None
