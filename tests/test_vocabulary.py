"""The one vocabulary (data/vocabulary.toml): complete, defined once, and read the same way by the
report, the figures, metrics.xlsx and the findings texts."""

from __future__ import annotations

import dataclasses
import io
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from report_sample import make_catalogue, make_run

from microcredit_risk import vocabulary as vocab
from microcredit_risk.figures import figure_options
from microcredit_risk.figures.structure import structure_industry
from microcredit_risk.findings.records import Evidence
from microcredit_risk.findings.rules import load_rules
from microcredit_risk.findings.texts import describe
from microcredit_risk.ledger.contract import GRADES
from microcredit_risk.metrics.catalogue import UNITS, catalogue, definitions, families
from microcredit_risk.metrics.prepare import ENGINE_DIMENSIONS
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.metrics.xlsx import metrics_xlsx_bytes
from microcredit_risk.profile import BANK_KINDS
from microcredit_risk.report.context import build_context
from microcredit_risk.report.render import render_text

DATA = resources.files("microcredit_risk").joinpath("data")
# Files of words a ledger uses, not names mcr shows: the aliases and accepted values the reader maps
# from, and the words the sample exporter writes as a bank's export would. They may repeat a label.
LEDGER_WORDS = {"aliases.toml", "values.toml", "sample_vocab.toml"}
# Tables that used to hold labels outside the vocabulary; no data file may bring one back.
LABEL_TABLES = {"grades", "grade_names", "dimensions", "dimension_names", "values", "family_names", "bank_kinds",
                "model_terms", "factors"}


def _display_files() -> dict[str, dict[str, Any]]:
    out = {}
    for res in DATA.iterdir():
        if res.name.endswith(".toml") and res.name != "vocabulary.toml" and res.name not in LEDGER_WORDS:
            out[res.name] = tomllib.loads(res.read_text("utf-8"))
    return out


def _leaves(node: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, (*path, str(k)))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, (*path, str(i)))]
    return [(path, node)]


def _labels() -> dict[str, str]:
    """Every zh and en label of the vocabulary → where it is defined."""
    out: dict[str, str] = {}
    for path, text in _leaves({k: v for k, v in vocab.vocabulary().items() if k in vocab.SECTIONS}):
        if path[-1] in vocab.LANGS:
            out.setdefault(str(text), ".".join(path[:-1]))
    return out


def test_display_files_exist() -> None:
    assert {"figures.toml", "report_text.toml", "metrics.toml", "texts.toml"} <= set(_display_files())


def _tables(node: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    if not isinstance(node, dict):
        return []
    return [(path, node)] + [t for k, v in node.items() for t in _tables(v, (*path, str(k)))]


@pytest.mark.parametrize("name", sorted(_display_files()))
def test_no_other_data_file_defines_a_label_table(name: str) -> None:
    v = vocab.vocabulary()
    named = {*v["metrics"], *v["quantities"], *v["dimensions"], *v["grades"]}
    for path, table in _tables(_display_files()[name]):
        where = f"{name}: [{'.'.join(path)}]"
        assert not (path and path[-1] in LABEL_TABLES), f"{where} is a label table; labels live in vocabulary.toml"
        if path[-1:] == ("labels",):      # a figure's or the report's own words, never a metric's name
            assert not set(table) & named, f"{where} names {sorted(set(table) & named)}: use vocabulary.py"
        if path[:1] == ("metric",):       # the catalogue keeps definitions; names and units are vocabulary
            assert not {"zh", "en", "unit"} & set(table), f"{where}: zh/en/unit belong in vocabulary.toml [metrics]"


@pytest.mark.parametrize("name", sorted(_display_files()))
def test_no_vocabulary_label_is_written_again_elsewhere(name: str) -> None:
    labels = _labels()
    for path, text in _leaves(_display_files()[name]):
        if path[0] == "sections" and path[-2] == "title":
            continue            # a section heading may read like a family name ("集中度"): it is a heading
        assert not (isinstance(text, str) and text in labels), \
            f"{name}: {'.'.join(path)} = {text!r} repeats vocabulary.toml {labels.get(text)}; read it from there"


def test_every_entry_has_both_languages() -> None:
    for path, entry in _leaves_of_entries():
        assert set(vocab.LANGS) <= set(entry) and all(str(entry[x]).strip() for x in vocab.LANGS), ".".join(path)


def _leaves_of_entries() -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    v = vocab.vocabulary()
    out: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    for section in vocab.SECTIONS:
        tables = v[section].items() if section == "values" else [(None, v[section])]
        for dim, table in tables:
            for key, entry in table.items():
                out.append(((section, *([dim] if dim else []), key), entry))
    return out


def test_the_vocabulary_names_everything_that_is_shown() -> None:
    v = vocab.vocabulary()
    missing, extra = set(catalogue()) - set(v["metrics"]), set(v["metrics"]) - set(catalogue())
    assert not missing, f"metrics.toml metrics without a name in vocabulary.toml [metrics]: {sorted(missing)}"
    assert not extra, f"vocabulary.toml [metrics] names metrics the catalogue does not have: {sorted(extra)}"
    assert all(v["metrics"][m]["unit"] in UNITS for m in v["metrics"])
    assert not set(v["quantities"]) & set(v["metrics"])
    assert set(families()) <= set(v["families"])
    assert set(BANK_KINDS) == set(v["bank_kinds"])
    assert set(ENGINE_DIMENSIONS) <= set(v["dimensions"])
    assert {*GRADES, "exited"} == set(v["grades"])
    assert list(v["values"]["industry"]) == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    d = definitions()
    assert set(d["term_bucket_labels"]) == set(v["values"]["term_bucket"])
    assert set(d["size_bucket_labels"]) == set(v["values"]["size_bucket"])
    assert d["missing_segment"] in v["values"]["any"]


def test_lookups_by_hand() -> None:
    assert vocab.segment_label("industry", "D", "zh") == "电力、热力、燃气及水生产和供应业"
    assert vocab.segment_label("industry", "D", "en") == "Production and supply of electricity, heat, gas and water"
    assert vocab.dimension_label("branch", "zh") == "网点" and vocab.dimension_label("branch", "en") == "Branch"
    assert vocab.segment_label("product", "惠农贷", "en") == "惠农贷"            # not a code: as given
    assert vocab.segment_label("guarantee_type", "other", "zh") == "其他"        # a code of any dimension
    assert vocab.segment_label("region", None, "en") == "Not recorded"
    assert vocab.segment_label("renewal_flag", "True", "zh") == "续贷"          # model level, metrics' word
    assert vocab.segment_label("normal", "substandard", "en") == "Substandard"   # transition row
    assert vocab.segment_label(None, "loss", "zh") == "损失"
    assert vocab.grade_label("special_mention", "en") == "Special mention"
    assert vocab.metric_label("npl_ratio", "zh") == "不良贷款率" and vocab.metric_unit("npl_ratio") == "ratio"
    assert vocab.metric_label("fisher_padj", "en") == "Fisher test adjusted p-value"
    assert vocab.metric_unit("fisher_padj") == "probability" and vocab.metric_unit("nonsense") is None
    assert vocab.metric_label("nonsense", "en") == "nonsense"
    assert vocab.family_label("provisions", "en") == "Provisions and write-offs"
    assert vocab.bank_kind_label("village_bank", "zh") == "村镇银行"
    assert vocab.term_label("log(amount)", "zh") == "贷款金额（对数）"
    assert vocab.term_label("guarantee_type", "en") == "Guarantee type"       # a dimension as a variable
    assert vocab.in_sentence("Guarantee type", "en") == "guarantee type"
    assert vocab.in_sentence("NPL ratio", "en") == "NPL ratio" and vocab.in_sentence("行业", "zh") == "行业"


# -- the same thing reads the same everywhere --------------------------------------------------------

Y23 = pd.Timestamp("2023-12-31")


def _metrics() -> Metrics:
    rows = []
    for dim, seg, share, npl in (("industry", "D", 0.6, 0.08), ("industry", "C", 0.4, 0.02),
                                 ("branch", "城关支行", 0.7, 0.05), ("branch", "unknown", 0.3, 0.01)):
        rows += [{"metric": "balance_share", "as_of": Y23, "dimension": dim, "segment": seg, "value": share,
                  "unit": "ratio"},
                 {"metric": "npl_ratio", "as_of": Y23, "dimension": dim, "segment": seg, "value": npl,
                  "unit": "ratio"}]
    rows.append({"metric": "npl_ratio", "as_of": Y23, "dimension": None, "segment": None, "value": 0.04,
                 "unit": "ratio"})
    return Metrics.concat([pd.DataFrame(rows)])


def _xlsx_pairs(lang: str) -> set[tuple[str, str, str]]:
    wb = load_workbook(io.BytesIO(metrics_xlsx_bytes(_metrics(), lang)))
    out = set()
    for ws in wb.worksheets:   # a report table: segments down, metrics across (its header on row 2)
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        out |= {(str(rows[0][j]), str(rows[0][0]), str(row[0])) for row in rows[1:] for j in range(1, len(row))}
        out |= {(str(row[0]), str(row[1]), str(row[2])) for row in rows[1:] if len(row) > 2}   # the appendix
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_figures_xlsx_and_findings_name_industry_d_and_branch_alike(lang: str, tmp_path: Path) -> None:
    d_label = vocab.segment_label("industry", "D", lang)
    industry, branch = vocab.dimension_label("industry", lang), vocab.dimension_label("branch", lang)
    share = vocab.metric_label("balance_share", lang)
    unknown = vocab.segment_label("branch", "unknown", lang)
    expected = {"zh": ("电力、热力、燃气及水生产和供应业", "网点", "余额占比", "未填写"),
                "en": ("Production and supply of electricity, heat, gas and water", "Branch", "Share of balance",
                       "Not recorded")}[lang]
    assert (d_label, branch, share, unknown) == expected

    # metrics.xlsx: metric name, dimension and segment
    pairs = _xlsx_pairs(lang)
    assert {(share, industry, d_label), (share, branch, "城关支行"), (share, branch, unknown)} <= pairs

    # the structure figure: the segments on its y axis, the metric on its x axis
    fig = structure_industry(_metrics(), None, figure_options(lang))
    left = fig.axes[0]
    ticks = [" ".join(t.get_text().split()) for t in left.get_yticklabels()]      # long names wrap
    assert ticks == [d_label, vocab.segment_label("industry", "C", lang)]
    assert left.get_xlabel() == share

    # the report: the structure tables by industry and by branch
    run = dataclasses.replace(make_run(tmp_path), metrics=_metrics(), lang=lang)
    text = render_text(build_context(run, lang, make_catalogue()), "md")
    assert f"| {industry} | " in text and f"| {branch} | " in text
    assert f"| {d_label} |" in text and f"| {unknown} |" in text and f"| {share} |" in text

    # the findings: a cited number names the dimension and the segment the same way
    phrase = describe(load_rules(), Evidence("npl_ratio", "2023-12-31", 0.08, dimension="industry", segment="D"),
                      {}, lang)
    assert d_label in phrase and vocab.metric_label("npl_ratio", lang) in phrase
    assert vocab.in_sentence(industry, lang) in phrase


def test_a_users_rules_file_may_still_rename_a_metric_in_its_texts(tmp_path: Path) -> None:
    user = tmp_path / "rules.toml"
    user.write_text('[labels.npl_ratio]\nzh = "不良率"\nen = "bad-loan share"\n', encoding="utf-8")
    phrase = describe(load_rules(user), Evidence("npl_ratio", "2023-12-31", 0.08), {"npl_ratio": "ratio"}, "en")
    assert phrase == "bad-loan share 8.00% (31 Dec 2023)"
