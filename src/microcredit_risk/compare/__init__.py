"""Side-by-side comparison of finished runs (``mcr compare``, ``mcr analyze --by``; docs/compare.md).

Reads each run folder back (report/run_folder.load_run) and sets its numbers and verdicts side by
side: it recomputes nothing. Ranks are the only thing it adds. The report is laid out with the
report's own machinery (blocks, templates, docx writer).
"""

from .units import Unit, load_units
from .write import compare_runs, write_comparison

__all__ = ["Unit", "compare_runs", "load_units", "write_comparison"]
