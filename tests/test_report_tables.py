"""The thesis tables (G11, ageing, G12, segment trends, book statistics, vintages), cell by cell.

Every expected cell is worked out by hand from tests/report_sample.py, tests/metrics_fixture.py or
the small run built below.
"""

from __future__ import annotations

import pandas as pd
import pytest
from metrics_fixture import PROFILE, W, ledger_frame
from report_sample import make_catalogue, make_run

from microcredit_risk.errors import ProfileError
from microcredit_risk.metrics import compute_metrics
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.profile import Benchmark, profile_from_dict
from microcredit_risk.report.blocks import Table
from microcredit_risk.report.context import build_context
from microcredit_risk.report.run_folder import RunResults, load_run, save_run


def _tables(run: RunResults, lang: str = "en") -> dict[str, Table]:
    ctx = build_context(run, lang, make_catalogue())
    return {b.caption.split(" ", 2)[2] if lang == "en" else b.caption.split(" ", 1)[1]: b
            for s in ctx.sections for b in s.blocks if isinstance(b, Table)}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict[str, Table]:
    return _tables(make_run(tmp_path_factory.mktemp("run")))


def test_g11_balances_shares_total_and_npl(sample):
    t = sample["Five-category balances and shares at each year end (G11 form)"]
    assert t.headers[:3] == ["Grade", "Balance, 31 Dec 2021", "Share, 31 Dec 2021"]
    # normal 0.90 × 150 million in 2023; NPL 7.5 million = 5%
    assert t.rows[0] == ["Normal", "95.00", "95.00%", "111.60", "93.00%", "135.00", "90.00%"]
    assert t.rows[-2] == ["Total", "100.00", "100.00%", "120.00", "100.00%", "150.00", "100.00%"]
    assert t.rows[-1] == ["Non-performing loan balance", "2.00", "2.00%", "3.60", "3.00%", "7.50", "5.00%"]
    assert t.note == "Amounts in CNY million."


def test_g11_in_wan_yuan(tmp_path):
    t = _tables(make_run(tmp_path), "zh")["五级分类贷款余额及占比（年末，G11口径）"]
    assert t.rows[1] == ["关注", "300.00", "3.00%", "480.00", "4.00%", "750.00", "5.00%"]
    assert t.note == "金额单位：万元。"


def test_ageing_buckets(sample):
    t = sample["Overdue loans by days past due at each year end"]
    assert [r[0] for r in t.rows] == ["1–30 days", "Over 360 days"]
    assert t.rows[0][3:5] == ["1.50", "1.25%"]      # 1.5 million of 120 million
    assert t.rows[1][5:] == ["3.00", "2.00%"]


def test_g12_amounts_and_rate(sample):
    t = sample["Migration by grade in amounts (G12 form)"]
    # 0.055 = 5.709 / (111.6 − 7.8)
    assert t.rows == [["31 Dec 2022", "Normal", "95.00", "35.00", "1.26", "2.10%"],
                      ["31 Dec 2023", "Normal", "111.60", "7.80", "5.71", "5.50%"]]


def test_vintage_counts(sample):
    t = sample["Loans and default rate by origination year"]
    assert t.headers[:2] == ["Vintage", "Loans, 31 Dec 2023"]
    assert t.rows == [["2021", "330", "0.00%", "2.00%", "3.00%"], ["2022", "160", "—", "1.00%", "5.00%"]]


def test_book_statistics_table(sample):
    t = sample["Descriptive statistics of the book (31 Dec 2023)"]
    assert t.headers == ["Item", "Mean", "Lower quartile", "Median", "Upper quartile"]
    assert t.rows == [["Loan size (CNY million)", "0.25", "0.07", "0.13", "0.28"],
                      ["Interest rate", "8.75%", "7.72%", "8.69%", "9.91%"]]


def test_book_statistics_metrics():
    m = compute_metrics(ledger_frame(), PROFILE).frame
    def stat(metric: str, when: str) -> dict[str, float]:
        r = m[(m["metric"] == metric) & (m["as_of"] == pd.Timestamp(when))]
        return dict(zip(r["segment"], r["value"], strict=True))
    # 2023 stock: L2 600, L3 300, L6 50, L7 500, L8 150 (万); terms 60, 72, 36, 12, 36 months;
    # rates 5%, 8%, 7%, 6% (L6 has none); quartiles by linear interpolation
    assert stat("loan_size_stat", "2023-12-31") == pytest.approx(
        {"mean": 320 * W, "p25": 150 * W, "median": 300 * W, "p75": 500 * W})
    assert stat("loan_term_stat", "2023-12-31") == pytest.approx({"mean": 43.2, "p25": 36, "median": 36, "p75": 60})
    assert stat("loan_rate_stat", "2023-12-31") == pytest.approx(
        {"mean": 0.065, "p25": 0.0575, "median": 0.065, "p75": 0.0725})
    # 2021 stock: 100, 600, 300, 200, 50, 150 → median 175; the mid-year snapshot has none
    assert stat("loan_size_stat", "2021-12-31")["median"] == pytest.approx(175 * W)
    assert stat("loan_size_stat", "2022-06-30") == {}
    assert set(m.loc[m["metric"] == "loan_term_stat", "unit"]) == {"months"}


YEARS7 = [f"{y}-12-31" for y in range(2017, 2024)]


def _trend_run(tmp_path) -> RunResults:
    """Seven year-ends; ten industries A–J with balance 10·k million (k = 10 for A … 1 for J) and NPL k % of it."""
    rows = []
    def add(metric, value, unit, when, dim=None, seg=None):
        rows.append({"metric": metric, "as_of": when, "dimension": dim, "segment": seg, "value": value, "unit": unit})
    for when in YEARS7:
        add("balance", 550e6, "yuan", when)
        for k, seg in zip(range(10, 0, -1), "ABCDEFGHIJ", strict=True):
            bal = k * 10e6
            add("balance", bal, "yuan", when, "industry", seg)
            add("npl_balance", bal * k / 100, "yuan", when, "industry", seg)
            add("npl_ratio", k / 100, "ratio", when, "industry", seg)
            add("balance_share", bal / 550e6, "ratio", when, "industry", seg)
    run = make_run(tmp_path)
    run.metrics = Metrics.concat([pd.DataFrame(rows)], [])
    return run


def test_segment_trend_pools_the_rest_and_keeps_six_years(tmp_path):
    t = _tables(_trend_run(tmp_path))["NPL ratio and share of balance by industry at each year end"]
    assert t.headers[1:3] == ["NPL ratio, 31 Dec 2018", "Share of balance, 31 Dec 2018"]
    assert len(t.headers) == 1 + 2 * 6
    assert [r[0] for r in t.rows][:2] == ["Agriculture, forestry, animal husbandry and fishery", "Mining"]
    assert len(t.rows) == 9
    # other = I, J: balance 20 + 10 million, NPL 0.4 + 0.1 million → 1.67%; share 30 / 550 = 5.45%
    assert t.rows[-1] == ["Other"] + ["1.67%", "5.45%"] * 6
    assert t.rows[0][1:3] == ["10.00%", "18.18%"]
    assert t.note == ("The 8 segments with the largest balance at the latest year end are shown; the other 2 are pooled into "
                      "\"Other\" (its NPL ratio on their pooled balance). Showing the last 6 of 7 year ends.")


# -- peer benchmarks (profile [benchmarks]) -------------------------------------------------------
def test_benchmarks_parse_value_and_years():
    p = profile_from_dict({"benchmarks": {
        "npl_ratio": {"source": "NFRA 2023", "value": 0.0163, "2022": 0.0170},
        "provision_coverage": {"source": "floor", "2023": 1.5}}})
    npl = p.benchmarks["npl_ratio"]
    assert (npl.source, npl.at(2021), npl.at(2022)) == ("NFRA 2023", 0.0163, 0.0170)
    assert p.benchmarks["provision_coverage"].at(2022) is None
    assert p.benchmarks["provision_coverage"].at(2023) == 1.5


@pytest.mark.parametrize(("table", "code"), [
    ({"npl_rate": {"source": "x", "value": 0.01}}, "E210"),
    ({"npl_ratio": {"value": 0.01}}, "E211"),
    ({"npl_ratio": {"source": "x"}}, "E211"),
    ({"npl_ratio": {"source": "x", "value": "high"}}, "E211"),
    ({"npl_ratio": {"source": "x", "twenty": 0.01}}, "E211"),
    ({"npl_ratio": 0.01}, "E211"),
])
def test_bad_benchmarks_are_coded_errors(table, code):
    with pytest.raises(ProfileError) as info:
        profile_from_dict({"benchmarks": table}, "bank.toml")
    assert info.value.code == code


def _peer_run(tmp_path) -> RunResults:
    run = make_run(tmp_path)
    run.benchmarks = {"npl_ratio": Benchmark("CBIRC 2023", 0.0163, {2021: 0.0173}),
                      "provision_coverage": Benchmark("floor", 1.5)}
    return run


def test_peer_rows_beside_the_banks_figures(tmp_path):
    tables = _tables(_peer_run(tmp_path))
    rows = tables["Asset quality at each year end"].rows
    i = [r[0] for r in rows].index("NPL ratio")
    assert rows[i] == ["NPL ratio", "2.00%", "3.00%", "5.00%"]
    assert rows[i + 1] == ["Peer: NPL ratio (CBIRC 2023)", "1.73%", "1.63%", "1.63%"]
    prov = tables["Provisions and write-offs at each year end"].rows
    assert prov[-1] == ["Peer: Provision coverage ratio (floor)", "150.00%", "150.00%", "150.00%"]


def test_benchmarks_survive_the_run_folder(tmp_path):
    run = _peer_run(tmp_path)
    save_run(run, tmp_path / "saved")
    again = load_run(tmp_path / "saved")
    assert again.benchmarks == run.benchmarks


def test_a_segments_number_links_only_to_a_table_of_its_dimension() -> None:
    from types import SimpleNamespace

    from microcredit_risk.findings.records import Evidence
    from microcredit_risk.report.blocks import Ref
    from microcredit_risk.report.sections_findings import evidence_refs

    quality, industry = Ref("表3-1", "#tab-3-1"), Ref("表4-2", "#tab-4-2")
    b = SimpleNamespace(anchors={("npl_count_ratio", None): quality, ("npl_ratio", None): quality,
                                 ("npl_ratio", "industry"): industry})
    officer = Evidence("npl_count_ratio", "2023-12-31", 0.199, dimension="loan_officer", segment="丙八五")
    assert evidence_refs(b, officer) == []     # the asset-quality table has no officer rows
    assert evidence_refs(b, Evidence("npl_ratio", "2023-12-31", 0.09, dimension="industry", segment="F")) == [industry]
    assert evidence_refs(b, Evidence("npl_count_ratio", "2023-12-31", 0.07)) == [quality]
