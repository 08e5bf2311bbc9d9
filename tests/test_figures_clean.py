"""Clean figures (issue 11): exact tick labels, fitted axes, limits on their axis, marks from findings, long and short ledgers."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from figure_fixtures import THRESHOLDS, findings, metrics, r, statistics
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from test_figures_render import full_metrics

from microcredit_risk import vocabulary as vocab
from microcredit_risk.figures import figure_options, render_figures
from microcredit_risk.figures.base import ExactFormatter, money_axis, pct, percent_axis
from microcredit_risk.figures.cohorts import funnel_range, officer_funnel, vintage, vintage_top
from microcredit_risk.figures.forest import term_label
from microcredit_risk.figures.migration import migration_heatmap, npl_upgrades, transition_matrix
from microcredit_risk.figures.structure import concentration, structure_industry
from microcredit_risk.figures.style import BLUE, VERMILION
from microcredit_risk.figures.texts import texts_for
from microcredit_risk.figures.trend import projection
from microcredit_risk.findings.records import Evidence, Finding, Findings
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.report.sections_stats import term_label as report_term_label
from microcredit_risk.report.texts import Texts as ReportTexts
from microcredit_risk.stats.results import PER_PP


def label_value(text: str) -> float:
    """A tick label as a number: thousands separators and the % sign dropped, the minus sign read."""
    return float(text.replace(",", "").replace("%", "").replace("\N{MINUS SIGN}", "-"))


def shown_ticks(axis) -> list[tuple[float, str]]:
    """(tick value, label) of the labelled ticks inside the view, after a draw."""
    lo, hi = sorted(axis.get_view_interval())
    return [(t.get_loc(), t.label1.get_text()) for t in axis.get_major_ticks()
            if t.label1.get_text() and lo - 1e-12 <= t.get_loc() <= hi + 1e-12]


def assert_labels_exact(axis) -> int:
    """Each label, parsed, equals its tick (×100 for a percent label, × the formatter's scale else)."""
    fmt = axis.get_major_formatter()
    checked = 0
    for loc, text in shown_ticks(axis):
        scale = 100.0 if text.endswith("%") else fmt.scale
        assert label_value(text) == pytest.approx(loc * scale, rel=1e-9, abs=1e-9), (loc, text)
        checked += 1
    return checked


def test_exact_formatter_by_hand():
    f = ExactFormatter(1 / 1e8)
    assert f.format_ticks([10e8, 12.5e8, 15e8, 17.5e8]) == ["10.0", "12.5", "15.0", "17.5"]
    assert f.format_ticks([0, 5e8, 10e8, 15e8]) == ["0", "5", "10", "15"]
    p = ExactFormatter(100.0, "%")
    assert p.format_ticks([0.05, 0.075, 0.1]) == ["5.0%", "7.5%", "10.0%"]
    assert p.format_ticks([0.0, 0.2, 0.4]) == ["0%", "20%", "40%"]
    assert p.format_ticks([0.0, 0.0025, 0.005]) == ["0.00%", "0.25%", "0.50%"]
    assert ExactFormatter(1e-4).format_ticks([-2e4, 0, 125e4]) == ["\N{MINUS SIGN}2", "0", "125"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_prints_its_ticks_exactly(lang):
    rendered = render_figures(full_metrics(), statistics(), findings=findings(), lang=lang, thresholds=THRESHOLDS)
    checked = 0
    for item in rendered.figures:
        item.figure.canvas.draw()
        for ax in item.figure.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if isinstance(axis.get_major_formatter(), ExactFormatter):
                    checked += assert_labels_exact(axis)
    assert checked > 50


@settings(max_examples=60, deadline=None)
@given(lo=st.floats(0.0, 0.2), span=st.floats(1e-3, 1.0), amount=st.floats(1e3, 1e10))
def test_any_range_prints_exact_ticks(lo, span, amount):
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_ylim(lo, lo + span)
    ax.set_xlim(0, amount)
    percent_axis(ax.yaxis)
    money_axis(ax.xaxis, 1e4)
    fig.canvas.draw()
    assert assert_labels_exact(ax.yaxis) >= 2
    assert assert_labels_exact(ax.xaxis) >= 2


def test_funnel_axis_fits_the_officers():
    fig = officer_funnel(metrics(), statistics(), figure_options("zh", THRESHOLDS, findings()))
    # officers at 100 and 400 loans: 8 % of the 300 spread either side
    assert fig.axes[0].get_xlim() == pytest.approx((76.0, 424.0))
    assert funnel_range(pd.Series([150.0])) == pytest.approx((135.0, 165.0))
    assert funnel_range(pd.Series([2.0, 50.0]))[0] == 0.0


@pytest.mark.parametrize(("name", "ratio_label"), [("npl_trend", "不良贷款率"), ("deviation", "不良贷款偏离度")])
def test_limit_lines_sit_on_the_ratio_axis_they_refer_to(name, ratio_label):
    fig = render_figures(metrics(), statistics(), findings=findings(), lang="zh", thresholds=THRESHOLDS,
                         only=[name]).figures[0].figure
    amounts, ratios = fig.axes
    assert "余额" in amounts.get_ylabel() and ratios.get_ylabel() == ratio_label
    limits = [ln for ln in ratios.lines if ln.get_linestyle() == "--"]
    expected = {"npl_trend": (0.05, "5%"), "deviation": (1.0, "100%")}[name]
    assert [float(ln.get_ydata()[0]) for ln in limits] == [expected[0]]
    assert not [ln for ln in amounts.lines if ln.get_linestyle() == "--"]
    # the limit's value printed on the ratio axis, in the ratio axis' colour
    assert ratios.texts[-1].get_text() == expected[1]
    colour = to_hex(ratios.spines["right"].get_edgecolor())
    assert to_hex(ratios.yaxis.label.get_color()) == colour != to_hex(amounts.yaxis.label.get_color())


def vintage_metrics() -> Metrics:
    """Two old cohorts of few survivors at 12.5 % and 9 %, five young ones at most 5 %."""
    rows = []
    for cohort, values in (("2017", (0.05, 0.125, 0.125)), ("2018", (0.07, 0.09)), ("2019", (0.01, 0.02)),
                           ("2020", (0.01, 0.02)), ("2021", (0.02, 0.03)), ("2022", (0.03, 0.05)),
                           ("2023", (0.04,))):
        for k, v in enumerate(values):
            when = pd.Timestamp(f"{int(cohort) + k + 1}-12-31")
            rows.append(r("vintage_default_rate", when, v, "vintage", cohort))
    return Metrics.concat([pd.DataFrame(rows)])


def test_vintage_scale_is_set_by_the_young_cohorts():
    fig = vintage(vintage_metrics(), None, figure_options("zh", THRESHOLDS))
    ax = fig.axes[0]
    # younger half (2020–2023) at most 5 %; 12.5 % > 1.5 × 5 %: the top is 1.3 × 5 %
    assert ax.get_ylim() == pytest.approx((0.0, 0.065))
    marks = [a.get_text() for a in ax.texts]
    assert marks == ["↑ 12.5%", "↑ 9.0%"]          # the cut cohorts' final rates, at the top
    assert not fig.legends and len(ax.get_legend().get_texts()) == 7   # beside the axes, below the title
    styles = [(ln.get_color(), ln.get_marker()) for ln in ax.lines]
    assert len(set(styles)) == 7 and len({c for c, _ in styles}) == 7
    assert vintage_top({"2022": pd.Series([0.01, 0.02])}) == pytest.approx(0.022)


def test_vintage_titles_speak_one_language():
    assert not re.search(r"[A-Za-z]", texts_for("zh").title("vintage"))
    assert texts_for("en").title("vintage").startswith("Cumulative default rate")


def migration_metrics() -> Metrics:
    """normal → 1 % special mention, 2 % substandard, 60 % exit; substandard → 3 % back to normal."""
    when = pd.Timestamp("2023-12-31")
    rows = [r("balance", pd.Timestamp("2022-12-31"), 1e8, unit="yuan"), r("balance", when, 1e8, unit="yuan")]
    for t0, shares in (("normal", (0.37, 0.01, 0.02, 0.6)), ("substandard", (0.03, 0.0, 0.5, 0.47))):
        for t1, v in zip(("normal", "special_mention", "substandard", "exited"), shares, strict=True):
            rows.append(r("transition_share", when, v, t0, t1))
    return Metrics.concat([pd.DataFrame(rows)])


def test_heatmap_small_downgrades_are_tinted_and_npl_upgrades_framed():
    fig = migration_heatmap(migration_metrics(), None, figure_options("zh", THRESHOLDS))
    ax = fig.axes[0]
    down = next(im for im in ax.images if im.get_cmap().name == "Reds")
    # the 1 % and 2 % downgrades on a log scale from 0.5 %: log(2)/log(200) ≈ 0.13, log(4)/log(200) ≈ 0.26
    assert float(down.norm(0.01)) == pytest.approx(np.log(2) / np.log(200))
    assert float(down.norm(0.02)) == pytest.approx(np.log(4) / np.log(200))
    assert np.ma.count(down.get_array()) == 2          # only the two downgrade cells are red
    frames = [p for p in ax.patches if isinstance(p, Rectangle)]
    # the one NPL upgrade: substandard (row 1) → normal (column 0)
    assert [(p.get_x() + p.get_width() / 2, p.get_y() + p.get_height() / 2) for p in frames] == [(0.0, 1.0)]
    assert npl_upgrades(transition_matrix(migration_metrics(), "transition_share")) == [(1, 0)]


def hotspot_findings() -> Findings:
    """The fixture's findings plus an INDUSTRY_HOTSPOT naming F (and nothing else)."""
    f = findings()
    f.items.append(Finding("INDUSTRY_HOTSPOT", "medium", "行业风险集中", "2023-12-31", evidence=[
        Evidence("npl_ratio", "2023-12-31", 0.06, 0.02, "hotspot_factor", "industry", "F")]))
    return f


def test_structure_marks_the_hotspot_the_finding_names_with_value_labels():
    fig = structure_industry(metrics(), None, figure_options("zh", THRESHOLDS, hotspot_findings()))
    left, right = fig.axes
    assert fig.flagged == ["F"]
    # bars in share order C 50 %, F 30 %, A 20 %: only F in the hotspot colour
    assert [to_hex(p.get_facecolor()) for p in left.patches] == [BLUE.lower(), VERMILION.lower(), BLUE.lower()]
    assert [a.get_text() for a in right.texts] == ["3.00%", "6.00%", "10.00%"]
    plain, hot = right.collections[1:3]
    assert hot.get_offsets().tolist() == [[0.06, 1.0]]
    assert [t.get_text() for t in right.get_legend().get_texts()][1] == "风险集中点（见发现）"
    unmarked = structure_industry(metrics(), None, figure_options("zh", THRESHOLDS, findings()))
    assert unmarked.flagged == []


def test_concentration_draws_the_breached_limit_bold_and_names_it():
    fig = concentration(metrics(), None, figure_options("zh", THRESHOLDS, findings()))
    ax = fig.axes[1]
    # the fixture's CUSTOMER_CONCENTRATION cites top10_customer_share 30 % > 25 %
    limits = {ln.get_label(): ln.get_linewidth() for ln in ax.lines if ln.get_linestyle() == "--"}
    assert limits == {"最大十家客户贷款占比上限25%（已突破）": 1.8, "最大十家客户贷款比例（占资本净额）上限50%": 0.9}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forest_term_labels_are_the_report_tables(lang):
    """The forest plot names each term exactly as the report's model table does."""
    texts = ReportTexts(lang)
    b = SimpleNamespace(lang=lang, texts=texts,
                        segment_label=lambda d, s: vocab.segment_label(d, s, lang))
    terms = [("C(industry)[T.F]", None), ("guarantee_type[credit]", None), ("log(amount)", None),
             ("term_months", None), ("interest_rate", PER_PP), ("C(period)[T.2021]", None)]
    t = texts_for(lang)
    for term, unit in terms:
        assert term_label(term, t, unit) == report_term_label(b, term, unit), term


def test_forest_reference_note_stays_inside_the_canvas():
    rendered = render_figures(metrics(), statistics(), findings=findings(), lang="en", thresholds=THRESHOLDS,
                              only=["driver_forest"])
    fig = rendered.figures[0].figure
    fig.canvas.draw()
    note = fig.axes[0].get_legend().get_window_extent()
    canvas = fig.bbox
    assert canvas.x0 <= note.x0 and note.x1 <= canvas.x1 and note.y1 <= canvas.y1
    assert fig.axes[0].get_legend().get_title().get_text() == "Reference levels: Guarantee type = Credit (unsecured)"


def test_projection_states_its_assumptions():
    fig = projection(metrics(), statistics(), figure_options("zh", {**THRESHOLDS, "stress_factor": 1.5}))
    assert fig.axes[0].get_xlabel() == ("基准情景：2022→2023年迁徙矩阵延续一年，退出余额由新增正常类贷款补足\n"
                                        "压力情景：向下迁徙概率 × 1.5")
    en = projection(metrics(), statistics(), figure_options("en", THRESHOLDS))
    assert en.axes[0].get_xlabel().endswith("Stress: downgrade probabilities × –")


def long_metrics(years: int = 36) -> Metrics:
    """A portfolio with ``years`` year-ends (1988 … 2023)."""
    rows = []
    for k in range(years):
        when = pd.Timestamp(f"{1988 + k}-12-31")
        rows += [r("balance", when, 1e8 + 1e6 * k, unit="yuan"), r("npl_balance", when, 2e6, unit="yuan"),
                 r("npl_ratio", when, 0.02), r("category_share", when, 0.98, segment="normal"),
                 r("category_share", when, 0.02, segment="substandard")]
    return Metrics.concat([pd.DataFrame(rows)])


def test_year_labels_are_thinned_for_36_year_ends():
    fig = render_figures(long_metrics(), None, findings=None, lang="zh", thresholds=THRESHOLDS,
                         only=["npl_trend", "category_mix"])
    trend, mix = (item.figure for item in fig.figures)
    ax = trend.axes[0]
    # step ⌈36 / 12⌉ = 3, counted back from the latest year: 1990, 1993, …, 2023
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in range(1990, 2024, 3)]
    assert sorted({*ax.get_xticks(), *ax.get_xticks(minor=True)}) == list(range(36))   # a tick for every year
    assert len(trend.axes[1].texts) == 12 + 1          # a ratio label per labelled year, + the limit's value
    assert [t.get_text() for t in mix.axes[0].texts] == ["不良2.00%"]   # the latest bar only, no in-bar labels
    short = render_figures(metrics(), None, findings=None, lang="zh", thresholds=THRESHOLDS, only=["npl_trend"])
    assert [t.get_text() for t in short.figures[0].figure.axes[0].get_xticklabels()] == ["2021", "2022", "2023"]


def test_900_segments_give_the_top_15_and_one_other_row():
    when = pd.Timestamp("2023-12-31")
    rows = [r("npl_ratio", when, 0.02)]
    for k in range(900):
        share, ratio = (0.04, 0.01) if k < 15 else (0.4 / 885, 0.02 if k % 2 else 0.04)
        rows += [r("balance_share", when, share, "region", f"网点{k:03d}"), r("npl_ratio", when, ratio, "region", f"网点{k:03d}")]
    fig = render_figures(Metrics.concat([pd.DataFrame(rows)]), None, findings=None, lang="zh", thresholds=THRESHOLDS,
                         only=["structure_region"]).figures[0].figure
    left, right = fig.axes
    labels = [t.get_text() for t in left.get_yticklabels()]
    assert labels[:2] == ["网点000", "网点001"] and labels[-1] == "其他（885个）" and len(labels) == 16
    assert [p.get_width() for p in left.patches][-1] == pytest.approx(0.4)
    # k = 15 … 899: 442 odd k at 2 %, 443 even k at 4 %, equal shares
    assert right.texts[-1].get_text() == pct((442 * 0.02 + 443 * 0.04) / 885, 2) == "3.00%"
    assert "前15个及其他，共900个" in fig.get_suptitle()
    assert fig.get_figheight() < 20 / 2.54


def test_one_snapshot_keeps_bars_narrow():
    one = Metrics.concat([metrics().frame[metrics().frame["as_of"] == pd.Timestamp("2023-12-31")]])
    fig = render_figures(one, None, findings=None, lang="zh", thresholds=THRESHOLDS,
                         only=["npl_trend"]).figures[0].figure
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((-2.0, 2.0))      # one year centred in four slots
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023"]
