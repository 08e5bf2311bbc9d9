"""microcredit_risk (``mcr``): a credit-risk case study from a bank's SME loan ledger.

The pipeline is one way through::

    load_ledger → compute_metrics → compute_statistics → diagnose → draw_figures → render_report

Each stage is a plain function returning a dataclass; the CLI in :mod:`microcredit_risk.cli`
only parses options, calls these and renders the result.
"""

from __future__ import annotations

__version__ = "0.1.0"
