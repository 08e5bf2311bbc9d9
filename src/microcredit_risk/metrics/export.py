"""The tidy metrics table as JSON (``mcr.metrics/1``), CSV, xlsx and rich tables.

JSON: deterministic key order, one record per line, never NaN/Infinity (``allow_nan=False``).
CSV: the six contract columns; a *text* cell that starts with = + - @ is prefixed with a single
quote so a spreadsheet does not run it as a formula (numbers stay numbers).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..ledger.contract import Ledger
from ..output import FORMULA_START
from .render import metrics_table
from .table import TIDY_COLUMNS, Metrics, Skipped
from .xlsx import write_metrics_xlsx

SCHEMA = "mcr.metrics/1"

__all__ = ["SCHEMA", "ledger_info", "metrics_csv", "metrics_from_json", "metrics_json", "metrics_table",
           "skipped_from_json", "write_metrics_xlsx"]


def ledger_info(ledger: Ledger | pd.DataFrame, files: list[str] | None = None) -> dict[str, Any]:
    """The ``ledger`` block of metrics.json: source files, row count, snapshot dates."""
    if isinstance(ledger, Ledger):
        files = ledger.files if files is None else files
        rows, dates = ledger.row_count, list(ledger.snapshots)
    else:
        files = files or []
        rows, dates = len(ledger), sorted(pd.to_datetime(ledger["as_of"]).dt.normalize().unique())
    return {"files": [str(f) for f in files], "rows": rows,
            "snapshots": [pd.Timestamp(d).strftime("%Y-%m-%d") for d in dates]}


_describe = ledger_info  # metrics_json's parameter shadows the name


def _number(value: float | None, unit: str) -> float | int | None:
    if value is None or not math.isfinite(value):
        return None
    if unit == "count" and float(value).is_integer():
        return int(value)
    return float(value)


def metrics_json(metrics: Metrics, ledger_info: Mapping[str, Any] | Ledger) -> str:
    """metrics.json text: {"schema", "ledger": {"files", "rows", "snapshots"}, "metrics": [...], "skipped": [...]}."""
    info = _describe(ledger_info) if isinstance(ledger_info, Ledger) else ledger_info
    head = {"files": list(info.get("files", [])), "rows": int(info.get("rows", 0)),
            "snapshots": list(info.get("snapshots", []))}
    records = []
    for r in metrics.to_records():
        r = dict(r)
        r["value"] = _number(r["value"], r["unit"])
        records.append(json.dumps({k: r[k] for k in TIDY_COLUMNS}, ensure_ascii=False, allow_nan=False))
    body = ",\n  ".join(records)
    ledger = json.dumps(head, ensure_ascii=False, allow_nan=False)
    metrics_part = f"[\n  {body}\n ]" if records else "[]"
    skipped = json.dumps([k.to_json_obj() for k in metrics.skipped], ensure_ascii=False)
    # "skipped" (what could not be computed, and the input it needed): the contract's three keys, and
    # the kind and params the report words them from
    return f'{{"schema": "{SCHEMA}",\n "ledger": {ledger},\n "metrics": {metrics_part},\n "skipped": {skipped}}}\n'


def skipped_from_json(records: Any) -> list[Skipped]:
    """The ``skipped`` records of metrics.json (or models.json) as :class:`Skipped`."""
    return [Skipped.from_json_obj(r) for r in records or []]


def metrics_from_json(obj: dict[str, Any]) -> Metrics:
    """A :class:`Metrics` from the ``mcr.metrics/1`` object (values null → NaN).

    Here, beside the writer, so that a stage below the report (a later run comparing itself with
    an earlier one, monitor/) can read a run's table back too.
    """
    records = obj.get("metrics", [])
    frame = pd.DataFrame.from_records(records, columns=list(TIDY_COLUMNS))
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return Metrics.concat([frame], skipped_from_json(obj.get("skipped")))


def _text(cell: str | None) -> str:
    if cell is None:
        return ""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def metrics_csv(metrics: Metrics) -> str:
    """The tidy records as CSV with the six contract columns (null = empty cell)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TIDY_COLUMNS)
    for r in metrics.to_records():
        v = _number(r["value"], r["unit"])
        w.writerow([_text(r["metric"]), r["as_of"], _text(r["dimension"]), _text(r["segment"]),
                    "" if v is None else repr(v), _text(r["unit"])])
    return buf.getvalue()
