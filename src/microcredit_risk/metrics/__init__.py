"""The metrics engine: every figure of METRICS.md, in one tidy table."""

from __future__ import annotations

from .catalogue import MetricInfo, families, metric_info
from .compute import compute_metrics
from .table import Metrics, Skipped

__all__ = ["MetricInfo", "Metrics", "Skipped", "compute_metrics", "families", "metric_info"]
