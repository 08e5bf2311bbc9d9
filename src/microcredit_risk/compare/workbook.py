"""compare.xlsx: the comparison's tables as sheets, in metrics.xlsx's look (numbers stay numbers)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import vocabulary as vocab
from ..metrics.workbook import Block, Cell, Num, Sheet
from ..metrics.xlsx import money_unit, sheets_xlsx_bytes
from ..report.texts import Texts
from .context import problem_name
from .numbers import Headline, annual_table, findings_by_code, grade_mix, structure, worst
from .units import Unit, settings


def _label(t: Texts, metric: str, unit: str, currency: str) -> str:
    text = vocab.metric_label(metric, t.lang)
    return t.get("units.with_unit", label=text, unit=money_unit(t.lang, currency)) if unit == "yuan" else text


def compare_sheets(units: Sequence[Unit], rows: Sequence[Headline], lang: str, dimension: str | None) -> list[Sheet]:
    t = Texts(lang)
    cur = units[0].run.ledger.currency
    labels = [u.label for u in units]

    def c(key: str, **params: object) -> str:
        return t.get(f"compare.{key}", **params)

    values: list[list[Cell]] = [[_label(t, h.metric, h.unit, cur), *[Num(v, h.unit, h.metric) for v in h.values]]
                                for h in rows]
    ranked: list[list[Cell]] = [[_label(t, h.metric, h.unit, cur), *[Num(None if r is None else float(r), "count")
                                                                     for r in h.ranks]]
                                for h in rows if h.rank_by != "none"]
    head = [t.get("headers.metric"), *labels]
    sheets = [Sheet(c("caption_headline"), [Block(head, values), Block(head, ranked, title=c("ranks"))])]
    for metric in settings()["trend"]:
        table = annual_table(units, metric)
        if table.empty:
            continue
        unit = next((h.unit for h in rows if h.metric == metric), vocab.metric_unit(metric) or "")
        body: list[list[Cell]] = [[lab, *[Num(v, unit, metric) for v in table[lab].tolist()]] for lab in labels]
        sheets.append(Sheet(c("caption_trend", metric=_label(t, metric, unit, cur)),
                            [Block([c("unit"), *[str(y) for y in table.index]], body)]))
    mix = grade_mix(units, t.setting("layout.grades"))
    if not mix.empty:
        body = [[vocab.grade_label(g, lang), *[Num(v, "ratio") for v in mix.loc[g].reindex(labels).tolist()]]
                for g in mix.index]
        sheets.append(Sheet(c("caption_mix"), [Block([t.get("headers.grade"), *labels], body)]))
    for dim in settings()["structure_dimensions"]:
        table, _total = structure(units, dim)
        if table.empty or dim == dimension:
            continue
        body = [[vocab.segment_label(dim, seg, lang), *[Num(v, "ratio") for v in table.loc[seg].reindex(labels).tolist()]]
                for seg in table.index]
        sheets.append(Sheet(c("caption_structure", dimension=vocab.dimension_label(dim, lang)),
                            [Block([c("segment"), *labels], body)]))
    matrix = findings_by_code(units)
    if matrix:
        body = []
        for code, per_unit in matrix:
            cells: list[Cell] = [problem_name(code, lang)]
            for fs in per_unit:
                sev = worst(fs)
                cells.append(t.get(f"severity.{sev}") if sev else c("absent"))
            body.append(cells)
        sheets.append(Sheet(c("caption_findings"), [Block([c("problem"), *labels], body)]))
    return sheets


def compare_xlsx_bytes(units: Sequence[Unit], rows: Sequence[Headline], lang: str, dimension: str | None) -> bytes:
    return sheets_xlsx_bytes(compare_sheets(units, rows, lang, dimension), lang)
