"""The metrics engine: every figure of METRICS.md, in one tidy table."""
