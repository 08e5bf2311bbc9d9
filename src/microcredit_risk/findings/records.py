"""Result types of the findings stage (findings.json, FINDINGS.md): shared by the rule engine and the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..metrics.table import Skipped

SEVERITIES = ("low", "medium", "high")
STAGES = ("pre_loan", "in_loan", "post_loan", "organisation", "risk_transfer")
STATUSES = ("supported", "untested", "contradicted")     # of a cause, in the order the report shows them


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Evidence:
    """A computed value that fired (or supported) a finding; ``threshold`` is the line it crossed."""

    metric: str
    as_of: str | None
    value: float | None
    threshold: float | None = None
    threshold_name: str | None = None
    dimension: str | None = None
    segment: str | None = None
    # a change compared with its line (NPL_RISING): the earlier value it is measured from
    base_as_of: str | None = None
    base_value: float | None = None


@dataclass
class Finding:
    code: str
    severity: str
    title: str
    as_of: str | None
    dimension: str | None = None
    segment: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)     # codes of the causes tested for it (Findings.causes)

    def to_json_obj(self) -> dict[str, Any]:
        d = asdict(self)
        d["evidence"] = [{k: v for k, v in e.items() if v is not None or k in ("as_of", "value")}
                         for e in d["evidence"]]
        return d


@dataclass
class CauseResult:
    """One tested cause (findings.json ``causes``)."""

    code: str
    status: str                                  # supported | contradicted | untested
    text: str
    because: list[str] = field(default_factory=list)     # the findings that back it
    evidence: list[Evidence] = field(default_factory=list)
    verify: str | None = None                    # how to verify an untested cause
    short: str = ""                              # the cause in a few words (the summary's conclusion)

    def to_json_obj(self) -> dict[str, Any]:
        d = asdict(self)
        d["evidence"] = [_evidence_obj(e) for e in self.evidence]
        return d


@dataclass
class RecommendationResult:
    """One recommendation answering one cause (findings.json ``recommendations``)."""

    code: str
    cause: str
    stage: str
    text: str
    evidence: list[Evidence] = field(default_factory=list)
    conditional: bool = False                    # True: "if confirmed" (its cause is untested)

    def to_json_obj(self) -> dict[str, Any]:
        d = asdict(self)
        d["evidence"] = [_evidence_obj(e) for e in self.evidence]
        return d


def _evidence_obj(e: Evidence) -> dict[str, Any]:
    return {k: v for k, v in asdict(e).items() if v is not None or k in ("as_of", "value")}


@dataclass
class Findings:
    items: list[Finding] = field(default_factory=list)
    not_run: list[Skipped] = field(default_factory=list)   # checks that could not run, and why
    lang: str = "zh"
    causes: list[CauseResult] = field(default_factory=list)               # tested causes (DIAGNOSIS.md §3)
    recommendations: list[RecommendationResult] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)                  # rule code → fired | clear | unknown

    def at_or_above(self, severity: str) -> list[Finding]:
        return [f for f in self.items if severity_rank(f.severity) >= severity_rank(severity)]

    def counts(self) -> dict[str, int]:
        """How many findings of each severity."""
        return {s: sum(1 for f in self.items if f.severity == s) for s in SEVERITIES}
