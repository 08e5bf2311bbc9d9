"""The shared machinery of the context builder: numbering, anchors, metric look-ups, figures.

Sections register where each metric is shown (``anchor``), so the findings section can link a
cited number to its table or figure.
"""

from __future__ import annotations

import base64
import fnmatch
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import vocabulary as vocab
from ..snapshots import annual_dates
from .blocks import Figure, Paragraph, Ref, Section, Table
from .catalogue import Catalogue
from .fmt import Formatter
from .run_folder import FigureRef, RunResults
from .texts import Texts

_PORTFOLIO = "\0portfolio"   # the dimension key of portfolio rows (no dimension can be named so)


@dataclass
class Builder:
    run: RunResults
    texts: Texts
    fmt: Formatter
    cat: Catalogue
    number: int = 0
    _ntab: int = 0
    _nfig: int = 0
    anchors: dict[tuple[str, str | None], Ref] = field(default_factory=dict)
    placed: set[str] = field(default_factory=set)
    _index: tuple[dict[tuple[str, str], pd.DataFrame], pd.DataFrame] | None = field(default=None, repr=False)
    _units: dict[str, object] | None = field(default=None, repr=False)

    @property
    def lang(self) -> str:
        return self.texts.lang

    # -- sections, tables, figures -------------------------------------------------------------
    def section(self, key: str) -> Section:
        self.number += 1
        self._ntab = self._nfig = 0
        return Section(id=f"sec-{key}", number=self.number,
                       title=f"{self.number} {self.texts.get(f'sections.{key}.title')}",
                       intro=self.texts.get(f"sections.{key}.intro"))

    def table(self, caption: str, headers: list[str], rows: list[list[str]], numeric: list[bool],
              shows: Sequence[tuple[str, str | None]] = (), note: str | None = None) -> Table:
        """A numbered table; ``shows`` lists the (metric, dimension) it displays, for links."""
        self._ntab += 1
        n = f"{self.number}-{self._ntab}"  # chapter-number in both languages (thesis style: 表3-1, Table 3-1)
        label = self.texts.get("labels.table", n=n)
        tid = f"tab-{self.number}-{self._ntab}"
        for key in shows:
            self.anchors.setdefault(key, Ref(label=label, href=f"#{tid}"))
        return Table(id=tid, caption=f"{label} {caption}", headers=headers, rows=rows, numeric=numeric, note=note)

    def figure(self, ref: FigureRef) -> Figure | Paragraph:
        self.placed.add(ref.name)
        file = self.run.figure_file(ref)
        if file is None:
            return Paragraph(self.texts.get("sentences.missing_figure", name=ref.name))
        self._nfig += 1
        n = f"{self.number}-{self._nfig}"
        label = self.texts.get("labels.figure", n=n)
        uri = "data:image/png;base64," + base64.b64encode(file.read_bytes()).decode("ascii")
        return Figure(id=f"fig-{ref.name}", name=ref.name, caption=f"{label} {ref.title}",
                      path=f"figures/{ref.name}.png", data_uri=uri, file=file)

    def figures_for(self, key: str) -> list[Figure | Paragraph]:
        """The figures placed in section ``key`` by ``layout.figures`` (first matching section wins)."""
        layout: dict[str, list[str]] = self.texts.setting("layout.figures")
        out: list[Figure | Paragraph] = []
        for ref in self.run.figures:
            home = next((k for k, pats in layout.items() if any(fnmatch.fnmatch(ref.name, p) for p in pats)), None)
            if home == key and ref.name not in self.placed:
                out.append(self.figure(ref))
        return out

    def unplaced_figures(self) -> list[Figure | Paragraph]:
        return [self.figure(r) for r in self.run.figures if r.name not in self.placed]

    # -- metric look-ups -----------------------------------------------------------------------
    def rows(self, metric: str, dimension: str | None = None) -> pd.DataFrame:
        """The table's rows of one metric and dimension (None = the portfolio), in table order."""
        if self._index is None:   # grouped once: the report asks ~1,000 times, and a mask each was most of its time
            f = self.run.metrics.frame
            keys = [f["metric"], f["dimension"].astype(object).where(f["dimension"].notna(), _PORTFOLIO)]
            groups = {(str(k[0]), str(k[1])): g for k, g in f.groupby(keys, sort=False, dropna=False)}
            self._index = (groups, f.iloc[0:0])
        groups, empty = self._index
        return groups.get((metric, _PORTFOLIO if dimension is None else dimension), empty)

    def value(self, metric: str, as_of: Any, dimension: str | None = None, segment: str | None = None) -> float | None:
        rows = self.rows(metric, dimension)
        rows = rows[rows["as_of"] == pd.Timestamp(as_of)]
        rows = rows[rows["segment"].isna()] if segment is None else rows[rows["segment"] == segment]
        if rows.empty:
            return None
        v = float(rows["value"].iloc[0])
        return None if math.isnan(v) else v

    def row_at(self, metric: str, as_of: Any, dimension: str | None = None) -> tuple[float | None, str | None]:
        """Value and segment of a metric with one row per as_of whatever its segment (largest_share)."""
        rows = self.rows(metric, dimension)
        rows = rows[rows["as_of"] == pd.Timestamp(as_of)]
        if rows.empty:
            return None, None
        v = float(rows["value"].iloc[0])
        return (None if math.isnan(v) else v), rows["segment"].iloc[0]

    def has(self, metric: str, dimension: str | None = None) -> bool:
        return not self.rows(metric, dimension).empty

    def unit(self, metric: str) -> str:
        """The unit of a metric's first row in the table, else the vocabulary's."""
        if self._units is None:   # once: a mask of the whole table per call was a third of a 10M-row run's report
            first = self.run.metrics.frame.drop_duplicates("metric")
            self._units = dict(zip(first["metric"].astype(object), first["unit"].astype(object), strict=True))
        unit = self._units.get(metric)
        if isinstance(unit, str):
            return unit
        return vocab.metric_unit(metric) or ""

    def annual(self, metric: str | None = None, dimension: str | None = None) -> list[pd.Timestamp]:
        """Last as_of of each calendar year (of one metric, or of the whole table)."""
        f = self.run.metrics.frame if metric is None else self.rows(metric, dimension)
        return annual_dates(f["as_of"].dropna().unique())

    def latest(self) -> pd.Timestamp | None:
        dates = self.annual("balance") or self.annual()
        return dates[-1] if dates else None

    # -- labels ----------------------------------------------------------------------------------
    def label(self, metric: str, with_unit: bool = True) -> str:
        text = self.cat.label(metric, self.lang)
        if with_unit and self.unit(metric) == "yuan":
            return self.texts.get("units.with_unit", label=text, unit=self.fmt.money_unit())
        return text

    def segment_label(self, dimension: str | None, segment: str | None) -> str:
        if segment is None:
            return ""
        if vocab.is_grade(segment):
            return vocab.grade_label(segment, self.lang)
        return vocab.segment_label(dimension, segment, self.lang)   # industry C → 制造业

    def threshold_text(self, name: str | None, unit: str, metric: str = "") -> str:
        if not name or name not in self.run.thresholds:
            return self.fmt.missing
        return self.fmt.value(self.run.thresholds[name], unit, metric)

    def years_table(self, caption: str, metrics: list[str], dates: list[pd.Timestamp],
                    dimension: str | None = None, peers: bool = False) -> Table | None:
        """Rows = metrics present, columns = dates; cells in each metric's unit. ``peers``: under a
        metric with a profile benchmark, a row "peer: …" with the benchmark for each date's year."""
        present = [m for m in metrics if self.has(m, dimension)]
        if not present or not dates:
            return None
        rows: list[list[str]] = []
        for m in present:
            rows.append([self.label(m)] + [self.fmt.cell(self.value(m, d, dimension), self.unit(m), m) for d in dates])
            peer = self.run.benchmarks.get(m) if peers and dimension is None else None
            if peer is not None:
                label = self.texts.get("labels.peer", label=self.label(m), source=peer.source_in(self.lang))
                rows.append([label] + [self.fmt.cell(peer.at(pd.Timestamp(d).year), self.unit(m), m) for d in dates])
        return self.table(caption, [self.texts.get("headers.metric")] + [self.fmt.date(d) for d in dates], rows,
                          [False] + [True] * len(dates), shows=[(m, dimension) for m in present])
