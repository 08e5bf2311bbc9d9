"""findings.json (FINDINGS.md's finding record): writing it, and reading it back for the report re-renderer.

The object is ``{"lang": …, "findings": [records], "not_run": [{what, needs, reason}]}``; the output is
deterministic (stable key order, no timestamps) and holds no NaN or Infinity.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import AnalysisError
from ..metrics.table import Skipped
from .model import SEVERITIES, STAGES, Cause, Evidence, Finding, Findings, Recommendation


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
        "lang": findings.lang,
        "findings": [f.to_json_obj() for f in findings.items],
        "not_run": [{"what": s.what, "needs": s.needs, "reason": s.reason} for s in findings.not_run],
    })


def findings_json(findings: Findings) -> str:
    return json.dumps(findings_obj(findings), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def _finding(d: dict[str, Any]) -> Finding:
    if d.get("severity") not in SEVERITIES:
        raise AnalysisError("E508", where="findings.json", key="severity", value=d.get("severity"),
                            choices=", ".join(SEVERITIES))
    evidence = [Evidence(metric=e["metric"], as_of=e.get("as_of"), value=_num(e.get("value")),
                         threshold=_num(e.get("threshold")), threshold_name=e.get("threshold_name"),
                         dimension=e.get("dimension"), segment=e.get("segment"))
                for e in d.get("evidence", [])]
    recs = []
    for r in d.get("recommendations", []):
        if r.get("stage") not in STAGES:
            raise AnalysisError("E508", where="findings.json", key="stage", value=r.get("stage"),
                                choices=", ".join(STAGES))
        recs.append(Recommendation(code=r["code"], stage=r["stage"], text=r["text"]))
    return Finding(code=d["code"], severity=d["severity"], title=d.get("title", ""), as_of=d.get("as_of"),
                   dimension=d.get("dimension"), segment=d.get("segment"), evidence=evidence,
                   causes=[Cause(code=c["code"], text=c["text"]) for c in d.get("causes", [])],
                   recommendations=recs)


def findings_from_json(text: str) -> Findings:
    """The :class:`Findings` that :func:`findings_json` wrote (the report re-renders from it)."""
    try:
        data = json.loads(text)
        return Findings(items=[_finding(d) for d in data["findings"]],
                        not_run=[Skipped(what=s["what"], needs=s["needs"], reason=s["reason"])
                                 for s in data.get("not_run", [])],
                        lang=data.get("lang", "zh"))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise AnalysisError("E509", where="findings.json", detail=f"{type(exc).__name__}: {exc}") from None
