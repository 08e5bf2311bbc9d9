"""Reading an earlier run folder as the ``--baseline`` of this one: its table, findings and loan states.

Only what the comparison needs is read (metrics.json, findings.json, validation.json's currency,
state/loans.parquet): never the earlier ledger. A folder that is not one of our runs, or whose
files are of another schema, is refused with a coded error naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import MCRError, OutputError
from ..findings.export import findings_from_json
from ..findings.records import Findings
from ..metrics.export import SCHEMA as METRICS_SCHEMA
from ..metrics.export import metrics_from_json
from ..metrics.table import Metrics
from ..output import GENERATOR, RUN_SCHEMA, read_json
from .state import STATE_FILE, LoanState, read_loan_state


@dataclass
class Baseline:
    """What an earlier run saved; ``as_of`` is its latest snapshot (YYYY-MM-DD)."""

    path: str
    as_of: str
    currency: str
    metrics: Metrics
    findings: Findings
    loans: LoanState | None          # None: an older run without state/loans.parquet (W501)

    @property
    def where(self) -> str:
        return f"--baseline {self.path}"


def load_baseline(path: str | Path) -> Baseline:
    """The run in ``path`` (a folder ``mcr analyze`` wrote) as a :class:`Baseline`."""
    folder = Path(path)
    where = f"--baseline {path}"
    if not folder.is_dir():
        raise OutputError("E506", where=where)
    meta = read_json(folder / "run.json", required=False)
    if not isinstance(meta, dict) or meta.get("generator") != GENERATOR:
        raise OutputError("E520", where=where)
    if meta.get("schema") != RUN_SCHEMA:
        raise OutputError("E507", where=str(folder / "run.json"), value=meta.get("schema"), expected=RUN_SCHEMA)
    metrics_obj = read_json(folder / "metrics.json")
    if not isinstance(metrics_obj, dict) or metrics_obj.get("schema") != METRICS_SCHEMA:
        schema = metrics_obj.get("schema") if isinstance(metrics_obj, dict) else None
        raise OutputError("E507", where=str(folder / "metrics.json"), value=schema, expected=METRICS_SCHEMA)
    findings_file = folder / "findings.json"
    if not findings_file.is_file():
        raise OutputError("E504", where=str(findings_file))
    try:
        findings = findings_from_json(findings_file.read_text(encoding="utf-8"))
    except MCRError as exc:      # named by its whole path: the run's own findings.json is another
        raise OutputError(exc.code, where=str(findings_file), **exc.params) from None
    validation = read_json(folder / "validation.json", required=False) or {}
    metrics = metrics_from_json(metrics_obj)
    snapshots = (metrics_obj.get("ledger") or {}).get("snapshots") or []
    if snapshots:
        as_of = str(max(snapshots))
    elif len(metrics.frame):
        as_of = metrics.frame["as_of"].max().strftime("%Y-%m-%d")
    else:
        raise OutputError("E509", where=str(folder / "metrics.json"), detail="no snapshot")
    return Baseline(path=str(path), as_of=as_of, currency=str(validation.get("currency") or "CNY"),
                    metrics=metrics, findings=findings, loans=read_loan_state(folder / STATE_FILE))
