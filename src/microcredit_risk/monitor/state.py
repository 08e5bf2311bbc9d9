"""The compact loan states every run keeps (``state/loans.parquet``), so that any run can be a later
run's ``--baseline`` without its ledger being read again.

One row per loan of the latest snapshot: ``loan_id``, ``five_category`` (grade name), ``balance`` and,
when the ledger has it, ``days_past_due``: what the counts of loans newly downgraded, newly
non-performing and newly overdue need, nothing more. Loan ids are kept as the ledger writes them
(``--anonymize`` pseudonymises customers and officers, not loans); no customer id or name is stored.
The parquet's key-value metadata ``mcr`` holds ``{"schema": "mcr.loans/1", "as_of": …,
"pseudonyms": key check or null}`` (``anonymize.key_check``: whether two runs used the same key).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import OutputError
from ..ledger.contract import GRADE_DTYPE, Ledger

SCHEMA = "mcr.loans/1"
STATE_FILE = "state/loans.parquet"
COLUMNS = ("loan_id", "five_category", "balance", "days_past_due")


@dataclass
class LoanState:
    """The loans of one snapshot: ``frame`` has :data:`COLUMNS` (``days_past_due`` only if known)."""

    as_of: str
    frame: pd.DataFrame
    pseudonyms: str | None = None      # anonymize.key_check of the run's key; None: not anonymised


def loan_state(ledger: Ledger, anonymized: bool = False) -> LoanState:
    """The latest snapshot's loans of ``ledger`` (already pseudonymised when the run is)."""
    latest = ledger.snapshots[-1]
    f = ledger.at([latest], columns=COLUMNS)
    rows = f.loc[:, [c for c in COLUMNS if c in f.columns]]
    pseudonyms = None
    if anonymized:
        from ..anonymize import key_check

        pseudonyms = key_check()
    return LoanState(as_of=pd.Timestamp(latest).strftime("%Y-%m-%d"), frame=rows.reset_index(drop=True),
                     pseudonyms=pseudonyms)


def write_loan_state(state: LoanState, path: Path) -> None:
    """Write ``state`` to ``path`` (inside a run folder being built by ``output.atomic_folder``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    f = state.frame
    columns = {"loan_id": pa.array(f["loan_id"].astype("str"), pa.string()),
               "five_category": pa.array(f["five_category"].astype("str"), pa.string()).dictionary_encode(),
               "balance": pa.array(f["balance"].to_numpy("float64"), pa.float64())}
    if "days_past_due" in f.columns:
        columns["days_past_due"] = pa.array(f["days_past_due"].to_numpy("float64"), pa.float64())
    meta = {"schema": SCHEMA, "as_of": state.as_of, "pseudonyms": state.pseudonyms}
    table = pa.table(columns).replace_schema_metadata({"mcr": json.dumps(meta, sort_keys=True)})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")


def read_loan_state(path: Path) -> LoanState | None:
    """The loan states saved at ``path``, or None when the file is not there (a run of an older mcr)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(b"mcr", b"{}"))
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise OutputError("E509", where=str(path), detail=exc) from None
    if meta.get("schema") != SCHEMA:
        raise OutputError("E507", where=str(path), value=meta.get("schema"), expected=SCHEMA)
    frame = table.to_pandas()
    missing = [c for c in COLUMNS[:3] if c not in frame.columns]
    if missing:
        raise OutputError("E509", where=str(path), detail=f"no column {', '.join(missing)}")
    frame["five_category"] = frame["five_category"].astype("str").astype(GRADE_DTYPE)
    return LoanState(as_of=str(meta.get("as_of")), frame=frame, pseudonyms=meta.get("pseudonyms"))
