"""Engines past one machine's memory: the aggregate SQL written once, run on DuckDB or Spark."""
