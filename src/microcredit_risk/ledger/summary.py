"""What reading found, as one JSON-able record (validation.json, `mcr validate --format json`)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from .contract import Ledger


def snapshot_counts(ledger: Ledger) -> pd.DataFrame:
    """Loans, customers and balance per snapshot (the numbers `mcr validate` shows)."""
    return ledger.per_snapshot()


def validation_record(ledger: Ledger, lang: str = "en") -> dict[str, Any]:
    counts = snapshot_counts(ledger)
    return {
        "schema": "mcr.validation/1",
        "files": ledger.files,
        "rows": int(ledger.row_count),
        "currency": ledger.currency,
        "snapshots": list(counts.index),
        "annual_snapshots": [d.strftime("%Y-%m-%d") for d in ledger.annual_snapshots],
        "sources": [
            {"file": s.file, "sheet": s.sheet, "header_row": s.header_row, "rows": s.rows, "as_of_from": s.as_of_from}
            for s in ledger.sources
        ],
        "columns": [
            {"source": m.source, "header": m.header, "canonical": m.canonical, "how": m.how,
             "unit_scale": m.unit_scale}
            for m in ledger.matches
        ],
        "canonical_columns": [c for c in ledger.columns if c not in ledger.extras],
        "extra_columns": list(ledger.extras),
        "by_snapshot": [
            {"as_of": d, "rows": int(r.rows), "customers": int(r.customers), "balance": round(float(r.balance), 2)}
            for d, r in counts.iterrows()
        ],
        "warnings": [i.to_json_obj(lang) for i in ledger.issues],
        "errors": [],
    }


def validation_json(ledger: Ledger, lang: str = "en") -> str:
    return json.dumps(validation_record(ledger, lang), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
