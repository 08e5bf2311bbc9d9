"""The one interface every engine implements (the SQL is DuckDB's dialect; others transpile it)."""

from __future__ import annotations

from typing import Protocol

import pandas as pd


class Backend(Protocol):
    """Registers pandas frames as tables and answers DuckDB-dialect SQL with a pandas frame."""

    name: str

    def register(self, name: str, frame: pd.DataFrame) -> None: ...

    def query(self, sql: str) -> pd.DataFrame: ...
