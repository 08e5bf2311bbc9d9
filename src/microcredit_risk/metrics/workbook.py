"""What metrics.xlsx holds: the sheet builder (:class:`Layout`) and the report tables it shares with
the workbook's own; the thesis tables and the sheet order are in metrics/workbook_tables.py.

The report's tables are mirrored, not re-invented: their captions and the metrics each one lists are
read from ``data/report_text.toml`` (``[captions]``, ``[layout]``), so a row added to a report table
appears in the workbook too. This module only reads that data file; it does not import the report
(layers look down). Where the workbook gives more than the report (docs/cli.md): every segment of a
dimension (the report shows the largest 15), every period's transition matrix (the report shows the
latest), every year end. Rows no sheet shows go to one appendix sheet per metric family, each once,
so the workbook holds every row of metrics.json; each :class:`Num` keeps the index of the row it
shows (``row``) so that is checkable.

A cell is text (a label) or a :class:`Num` (value + unit); metrics/xlsx.py turns units into scales
and number formats.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..ledger.contract import DIMENSIONS
from ..profile import Benchmark
from ..snapshots import annual_dates
from ..vocabulary import date_text, dimension_label, family_label, grade_label, metric_label, segment_label
from .catalogue import catalogue, families
from .order import KEY, wide


@dataclass(frozen=True)
class Num:
    value: float | None
    unit: str
    metric: str = ""
    row: Any = None               # the tidy table's row shown (its index); None: a peer figure


Cell = str | Num


@dataclass
class Block:
    header: list[str]
    rows: list[list[Cell]]
    title: str | None = None      # a heading row above the block (a transition period)
    labels: int = 1               # leading text columns (kept in view when scrolling right)


@dataclass
class Sheet:
    title: str                    # the report table's caption, row 1 of the sheet
    blocks: list[Block] = field(default_factory=list)
    appendix: bool = False        # the rows no other sheet shows (each row once)


@cache
def _report_text() -> dict[str, Any]:
    text = resources.files("microcredit_risk").joinpath("data/report_text.toml").read_text("utf-8")
    return tomllib.loads(text)


def words(key: str, lang: str, **params: Any) -> str:
    """A fixed text of the report (``captions.structure``, ``headers.metric``, ``units.money_table``)."""
    node: Any = _report_text()
    for part in key.split("."):
        node = node[part]
    text = str(node.get(lang) or node["en"])
    return text.format(**params) if params else text


def layout(key: str) -> Any:
    return _report_text()["layout"][key]


def workbook_word(key: str, lang: str, **params: Any) -> str:
    """A word of the workbook's own (vocabulary.toml ``[workbook]``)."""
    from ..vocabulary import vocabulary

    node = vocabulary()["workbook"][key]
    text = str(node.get(lang) or node["en"])
    return text.format(**params) if params else text


_NO_DIMENSION = "\0portfolio"   # the group key of rows without a dimension


class Layout:
    """Builds the sheets from the tidy table; ``used`` collects the rows placed, for the appendix."""

    def __init__(self, frame: pd.DataFrame, lang: str, money_unit: str,
                 benchmarks: Mapping[str, Benchmark] | None = None) -> None:
        self.f = frame
        self.lang = lang
        self.money_unit = money_unit
        self.benchmarks = dict(benchmarks or {})
        self.used = pd.Series(False, index=frame.index)
        # look-ups by key, built once: filtering the tidy table (tens of thousands of rows at 1M loans)
        # for every cell was two thirds of writing metrics.xlsx
        groups: dict[Any, Any] = pd.Series(np.arange(len(frame))).groupby(
            [frame["metric"].to_numpy(), frame["dimension"].fillna(_NO_DIMENSION).to_numpy()], sort=False).indices
        self._groups: dict[tuple[str, str], Any] = {(str(k[0]), str(k[1])): v for k, v in groups.items()}
        self._rows: dict[tuple[str, str | None], pd.DataFrame] = {}
        self._cells: dict[int, tuple[pd.DataFrame, dict[tuple[pd.Timestamp, str | None], int]]] = {}

    # -- look-ups ---------------------------------------------------------------------------------
    def rows(self, metric: str, dimension: str | None = None) -> pd.DataFrame:
        """The tidy rows of ``metric`` (at ``dimension``, or the portfolio's), in the table's order."""
        key = (metric, dimension)
        if key not in self._rows:
            at = self._groups.get((metric, _NO_DIMENSION if dimension is None else dimension))
            self._rows[key] = self.f.iloc[at] if at is not None else self.f.iloc[:0]
        return self._rows[key]

    take = rows   # read for a table: the rows its cells show are marked used by :meth:`num`

    def _cell_index(self, part: pd.DataFrame) -> dict[tuple[pd.Timestamp, str | None], int]:
        """(as_of, segment or None) → position of its first row in ``part``; kept with ``part``."""
        got = self._cells.get(id(part))
        if got is None or got[0] is not part:
            segments = [None if pd.isna(s) else s for s in part["segment"].tolist()]
            keys = list(zip(part["as_of"].tolist(), segments, strict=True))
            index = {k: i for i, k in reversed(list(enumerate(keys))) if k[0] is not pd.NaT}
            got = self._cells[id(part)] = (part, index)
        return got[1]

    def num(self, part: pd.DataFrame, as_of: Any, segment: str | None = None, metric: str = "") -> Num:
        """The cell of one row (and mark it shown, so the appendix leaves it out)."""
        at = self._cell_index(part).get((pd.Timestamp(as_of), segment))
        unit = str(part["unit"].iloc[0]) if len(part) else ""
        if at is None:
            return Num(None, unit, metric)
        label = part.index[at]
        self.used.loc[label] = True
        v = float(part["value"].iloc[at])
        return Num(None if v != v else v, unit, metric, label)

    def annual(self, metric: str, dimension: str | None = None) -> list[pd.Timestamp]:
        return annual_dates(self.rows(metric, dimension)["as_of"].dropna().unique())

    def dates(self, ds: Iterable[pd.Timestamp]) -> list[str]:
        return [date_text(d, self.lang) for d in ds]

    def label(self, metric: str, unit: str = "") -> str:
        text = metric_label(metric, self.lang)
        if unit == "yuan":
            return words("units.with_unit", self.lang, label=text, unit=self.money_unit)
        return text

    # -- the report's tables ----------------------------------------------------------------------
    def years_table(self, caption: str, metrics: list[str], dates: list[pd.Timestamp],
                    peers: bool = False) -> Sheet | None:
        """Rows = metrics, columns = year ends (report/builder.years_table); ``peers``: under a metric
        with a profile benchmark, the row "peer: …" with the benchmark at each date's year, as the
        report prints it."""
        present = [m for m in metrics if not self.rows(m).empty]
        if not present or not dates:
            return None
        body: list[list[Cell]] = []
        for m in present:
            part = self.take(m)
            unit = str(part["unit"].iloc[0])
            body.append([self.label(m, unit), *(self.num(part, d, metric=m) for d in dates)])
            if peers:
                body.extend(self._peer(m, unit, dates))
        return Sheet(words(f"captions.{caption}", self.lang),
                     [Block([words("headers.metric", self.lang), *self.dates(dates)], body)])

    def _peer(self, metric: str, unit: str, dates: list[pd.Timestamp]) -> list[list[Cell]]:
        """The row "peer: …" under a metric with a profile benchmark (its value at each date's year)."""
        peer = self.benchmarks.get(metric)
        if peer is None:
            return []
        label = words("labels.peer", self.lang, label=self.label(metric, unit), source=peer.source_in(self.lang))
        return [[label, *(Num(peer.at(pd.Timestamp(d).year), unit, metric) for d in dates)]]

    def structure(self) -> list[Sheet]:
        present = set(self.f.loc[self.f["metric"] == "balance_share", "dimension"].dropna())
        dims = [d for d in DIMENSIONS if d in present] + sorted(present - set(DIMENSIONS))
        cols: list[str] = layout("structure_columns")
        sheets = []
        for dim in dims:
            dates = self.annual("balance_share", dim)
            when = dates[-1]
            shares = self.rows("balance_share", dim)
            shares = shares[shares["as_of"] == when].sort_values(["value", "segment"], ascending=[False, True],
                                                                  kind="stable")
            segments = [s for s in shares["segment"].tolist() if s is not None]
            parts = {m: self.rows(m, dim) for m in cols}
            units = {m: (str(p["unit"].iloc[0]) if len(p) else "") for m, p in parts.items()}
            head = [dimension_label(dim, self.lang), *(self.label(m, units[m]) for m in cols)]
            body: list[list[Cell]] = [[segment_label(dim, s, self.lang),
                                       *(self.num(parts[m], when, s, metric=m) for m in cols)] for s in segments]
            caption = words("captions.structure", self.lang, dimension=_in_sentence(dimension_label(dim, self.lang),
                                                                                     self.lang),
                            date=date_text(when, self.lang))
            sheets.append(Sheet(caption, [Block(head, body)]))
        return sheets

    def concentration(self) -> Sheet | None:
        dates = self.annual("top10_customer_share") or self.annual("hhi", "industry") or self.annual("balance")
        body: list[list[Cell]] = []
        for m in layout("concentration_rows"):
            part = self.take(m)
            if not part.empty:
                body.append([self.label(m), *(self.num(part, d, metric=m) for d in dates)])
                body.extend(self._peer(m, str(part["unit"].iloc[0]), dates))
        for m in ("gini", "hhi", "largest_share"):
            for dim in layout("concentration_dimensions"):
                part = self.take(m, dim)
                if part.empty:
                    continue
                label = f"{metric_label(m, self.lang)} · {dimension_label(dim, self.lang)}"
                if m != "largest_share":
                    body.append([label, *(self.num(part, d, metric=m) for d in dates)])
                    continue
                at = [part[part["as_of"] == d] for d in dates]
                for p in at:
                    self.used.loc[p.index[:1]] = True
                body.append([label, *(Num(float(p["value"].iloc[0]), "ratio", m, p.index[0]) if len(p)
                                      else Num(None, "ratio", m) for p in at)])
                body.append([f"{label} · {words('headers.segment', self.lang)}",
                             *(segment_label(dim, p["segment"].iloc[0], self.lang) if len(p) else "" for p in at)])
        if not body or not dates:
            return None
        return Sheet(words("captions.concentration", self.lang),
                     [Block([words("headers.metric", self.lang), *self.dates(dates)], body)])

    def migration(self) -> Sheet | None:
        dates = self.annual("migration_rate") or self.annual("normal_loans_migration_rate")
        rates = self.take("migration_rate")
        body: list[list[Cell]] = []
        for g in layout("migration_grades"):
            if (rates["segment"] == g).any():
                body.append([metric_label("migration_rate", self.lang, grade=g), *(self.num(rates, d, g) for d in dates)])
        for m in layout("migration_rows"):
            part = self.take(m)
            if not part.empty:
                body.append([self.label(m), *(self.num(part, d, metric=m) for d in dates)])
        if not body or not dates:
            return None
        return Sheet(words("captions.migration", self.lang),
                     [Block([words("headers.metric", self.lang), *self.dates(dates)], body)])

    def transition(self, metric: str = "transition_share", title: str | None = None) -> Sheet | None:
        """A transition matrix pivoted: grade at the start down, grade at the end (or exited) across;
        one block per period. The report's (balance-weighted) under its caption, the others under
        their metric's name."""
        ts = self.f[(self.f["metric"] == metric) & self.f["dimension"].notna()]
        if ts.empty:
            return None
        self.used.loc[ts.index] = True    # every period is shown
        grades: list[str] = layout("grades")
        ends = sorted(pd.to_datetime(ts["as_of"].unique()))
        every = self._all_dates()
        if metric.endswith("_pooled"):       # one matrix over every period: from the first snapshot
            starts = [every[0] if every[0] < e else None for e in ends]
        else:
            starts = [max([d for d in every if d < e], default=None) for e in ends]
        blocks = []
        for start, end in zip(starts, ends, strict=True):
            at = ts[ts["as_of"] == end]
            rows_from = [g for g in grades if g in set(at["dimension"])]
            to = [g for g in [*grades, "exited"] if g in set(at["segment"])]
            period = (words("units.period", self.lang, start=date_text(start, self.lang), end=date_text(end, self.lang))
                      if start is not None else date_text(end, self.lang))
            head = [words("headers.from_grade", self.lang), *(grade_label(g, self.lang) for g in to)]
            body: list[list[Cell]] = [[grade_label(g0, self.lang),
                                       *(self._cell(at, g0, g1, metric) for g1 in to)] for g0 in rows_from]
            blocks.append(Block(head, body, title=period))
        first = starts[0] if starts[0] is not None else ends[0]
        period = words("units.period", self.lang, start=date_text(first, self.lang), end=date_text(ends[-1], self.lang))
        if title is not None:              # each block says its period
            return Sheet(title, blocks)
        return Sheet(words("captions.transition", self.lang, period=period), blocks)

    def _all_dates(self) -> list[pd.Timestamp]:
        """The year ends the matrices run between (snapshots.py: the annual series)."""
        return annual_dates(self.f["as_of"].dropna().unique())

    @staticmethod
    def _cell(at: pd.DataFrame, g0: str, g1: str, metric: str) -> Num:
        row = at[(at["dimension"] == g0) & (at["segment"] == g1)]
        if row.empty:
            return Num(None, "ratio", metric)
        v = float(row["value"].iloc[0])
        return Num(None if v != v else v, "ratio", metric, row.index[0])

    # -- everything else ----------------------------------------------------------------------------
    def appendix(self) -> list[Sheet]:
        """The rows no report table shows, one sheet per family, wide by date (as ``mcr metrics``)."""
        rest = self.f[~self.used]
        key = rest.assign(dimension=rest["dimension"].fillna(""), segment=rest["segment"].fillna(""))
        ids = dict(zip(pd.MultiIndex.from_frame(key[[*KEY, "as_of"]]), rest.index, strict=True))
        cat = catalogue()
        family = rest["metric"].map(lambda m: cat[m].family if m in cat else "statistics")
        sheets = []
        for fam in families():
            part = rest[family == fam]
            if part.empty:
                continue
            table = wide(part)
            dates = list(table.columns)
            head = [words("headers.metric", self.lang), words("headers.dimension", self.lang),
                    words("headers.segment", self.lang), *self._headers(dates)]
            body: list[list[Cell]] = []
            for (metric, dim, seg, unit), values in zip(table.index, table.to_numpy(), strict=True):
                seg_text = segment_label(dim or None, seg, self.lang) if seg else ""
                body.append([self.label(metric, unit), dimension_label(dim, self.lang) if dim else "", seg_text,
                             *(Num(None if pd.isna(v) else float(v), unit, metric, ids.get((metric, dim, seg, unit, d)))
                               for d, v in zip(dates, values, strict=True))])
            sheets.append(Sheet(workbook_word("appendix", self.lang, family=family_label(fam, self.lang)),
                                [Block(head, body, labels=3)], appendix=True))
        return sheets

    def other_matrices(self) -> list[Sheet]:
        """The transition matrices the report does not show (by count, pooled), pivoted like its own."""
        names = sorted({str(m) for m in self.f["metric"].unique() if str(m).startswith("transition_")}
                       - {"transition_share"}, key=lambda m: list(catalogue()).index(m) if m in catalogue() else 99)
        out = [self.transition(m, metric_label(m, self.lang)) for m in names]
        return [s for s in out if s is not None]

    def _headers(self, dates: list[Any]) -> list[str]:
        years = [pd.Timestamp(d).year for d in dates]
        if len(set(years)) == len(years):
            return [str(y) for y in years]
        return self.dates(dates)


def _in_sentence(label: str, lang: str) -> str:
    from ..vocabulary import in_sentence

    return in_sentence(label, lang)
