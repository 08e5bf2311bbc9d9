"""docs/metrics.md is generated from the catalogue and must be up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from microcredit_risk.metrics.catalogue import catalogue

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gen_metrics_doc.py"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_metrics_doc", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_doc_is_up_to_date() -> None:
    gen = _generator()
    assert gen.DOC.read_text("utf-8") == gen.render(), "run: PYTHONPATH=src python scripts/gen_metrics_doc.py"
    assert gen.main(["--check"]) == 0


def test_doc_names_every_metric_and_limit() -> None:
    text = _generator().render()
    for name in catalogue():
        assert f"`{name}`" in text
    assert "| `provision_coverage` | 拨备覆盖率 |" in text and "≥ 150% (`provision_coverage_min`)" in text
    assert "≤ 10% (`single_customer_max`); village bank: 5%" in text
