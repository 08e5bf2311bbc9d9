"""What a reader saw wrong when every figure of every sample and the SBA tape was opened (issue 11):
each defect read back from the drawn Axes — text extents, tick positions, legend boxes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from figure_fixtures import THRESHOLDS, Y23, findings, metrics, r
from matplotlib.transforms import Bbox

from microcredit_risk.figures import figure_options, render_figures
from microcredit_risk.figures.cohorts import MAX_COHORTS, vintage
from microcredit_risk.figures.forest import driver_forest
from microcredit_risk.figures.structure import concentration, structure_industry
from microcredit_risk.figures.trend import category_mix, deviation, npl_trend, projection
from microcredit_risk.findings.records import Evidence, Finding
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.stats.results import DriverModel, ModelTerm, Statistics

GAPPED = [*range(1971, 1976), *range(1980, 1984)]   # a loan tape with no loan on the books 1976–1979


def overlaps(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def inside(box: Bbox, canvas: Bbox) -> bool:
    return canvas.x0 - 0.5 <= box.x0 and box.x1 <= canvas.x1 + 0.5 and canvas.y0 - 0.5 <= box.y0 and box.y1 <= canvas.y1 + 0.5


def extents(texts) -> list[Bbox]:
    return [t.get_window_extent() for t in texts if t.get_text() and t.get_visible()]


def assert_apart(boxes: list[Bbox]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not overlaps(a, b), (a, b)


def yearly(years: list[int]) -> Metrics:
    rows = []
    for k, y in enumerate(years):
        when = pd.Timestamp(f"{y}-12-31")
        rows += [r("balance", when, 1e8 + 1e6 * k, unit="yuan"), r("npl_balance", when, 2e6, unit="yuan"),
                 r("npl_ratio", when, 0.02), r("category_share", when, 0.98, segment="normal"),
                 r("category_share", when, 0.02, segment="substandard"),
                 r("top10_customer_share", when, 0.2), r("top10_customer_concentration", when, 0.21)]
    return Metrics.concat([pd.DataFrame(rows)])


def test_a_year_missing_from_the_ledger_leaves_a_gap_on_the_axis():
    fig = npl_trend(yearly(GAPPED), None, figure_options("en", THRESHOLDS))
    ax = fig.axes[0]
    bars = [p.get_x() + p.get_width() for p in ax.containers[0]]      # balance bars end at their year's centre
    assert bars == pytest.approx([y - 1971 for y in GAPPED])          # 1975 and 1980 five slots apart
    ticks = dict(zip([t.get_text() for t in ax.get_xticklabels()], ax.get_xticks(), strict=True))
    # 13 calendar years: every 2nd labelled, counted back from 1983
    assert list(ticks) == ["1971", "1973", "1975", "1981", "1983"] and ticks["1981"] - ticks["1975"] == 6
    mix = category_mix(yearly(GAPPED), None, figure_options("en", THRESHOLDS)).axes[0]
    assert [p.get_x() + p.get_width() / 2 for p in mix.containers[0]] == pytest.approx([y - 1971 for y in GAPPED])


def test_the_half_width_concentration_panel_labels_years_it_can_fit():
    fig = concentration(yearly(list(range(1971, 2014))), None, figure_options("en", THRESHOLDS))
    fig.canvas.draw()
    ax = fig.axes[-1]
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert 3 <= len(labels) <= 6 and labels[-1].get_text() == "2013"
    assert_apart(extents(labels))
    # the two top-10 ratios of similar size differ in marker, not only in colour
    assert len({ln.get_marker() for ln in ax.lines if ln.get_linestyle() == "-"}) == 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_lorenz_legend_stays_clear_of_the_curves_upturn(lang):
    fig = concentration(metrics(), None, figure_options(lang, THRESHOLDS, findings()))
    fig.canvas.draw()
    ax = fig.axes[0]
    right = ax.transData.inverted().transform(ax.get_legend().get_window_extent())[1, 0]
    assert right < 0.85     # the curve climbs to 100 % in its last tenth


def long_industries(hot: bool) -> tuple[Metrics, object]:
    """Nine industries, three of them with English names that wrap onto two lines, F a hotspot."""
    codes = ["F", "C", "A", "E", "L", "G", "H", "I", "O"]
    rows = [r("npl_ratio", Y23, 0.09)]
    for k, code in enumerate(codes):
        rows += [r("balance_share", Y23, 0.3 - 0.03 * k, "industry", code),
                 r("npl_ratio", Y23, 0.16 if code == "F" else 0.04 + 0.01 * k, "industry", code)]
    f = findings()
    if hot:
        f.items.append(Finding("INDUSTRY_HOTSPOT", "medium", "hot", "2023-12-31", evidence=[
            Evidence("npl_ratio", "2023-12-31", 0.16, 0.09, "hotspot_factor", "industry", "F")]))
    return Metrics.concat([pd.DataFrame(rows)]), f


@pytest.mark.parametrize("hot", [True, False])
def test_structure_legend_and_wrapped_labels_fit(hot):
    table, f = long_industries(hot)
    fig = structure_industry(table, None, figure_options("en", THRESHOLDS, f))
    fig.canvas.draw()
    left, right = fig.axes
    legend = right.get_legend()
    assert inside(legend.get_window_extent(), fig.bbox)              # "Portfolio NPL ratio 9.00%" not cut off
    assert len(legend.get_texts()) == (3 if hot else 2)
    assert inside(right.get_tightbbox(), fig.bbox)                   # the hotspot's value label too
    labels = [t for t in left.get_yticklabels() if t.get_text()]
    assert sum("\n" in t.get_text() for t in labels) >= 2
    assert_apart(extents(labels))                                    # two-line names do not touch
    # the NPL ratio labels are boxed: the portfolio line does not strike through a value near it
    assert all(t.get_bbox_patch() is not None for t in right.texts)


def test_a_truncated_structure_title_keeps_its_note_on_the_canvas():
    rows = [r("npl_ratio", Y23, 0.02)]
    for k in range(47):
        rows += [r("balance_share", Y23, 1 / 47, "region", f"S{k:02d}"), r("npl_ratio", Y23, 0.02, "region", f"S{k:02d}")]
    fig = render_figures(Metrics.concat([pd.DataFrame(rows)]), None, findings=None, lang="en", thresholds=THRESHOLDS,
                         only=["structure_region"]).figures[0].figure
    fig.canvas.draw()
    title = fig._suptitle
    assert title.get_text() == ("Region: share of balance and NPL ratio\n"
                                "(largest 15 of 47 by balance share, and the rest)")
    assert inside(title.get_window_extent(), fig.bbox)


def forest_stats() -> Statistics:
    terms = [ModelTerm("Intercept", -3.0, 0.05, 0.03, 0.08, 0.0)]
    for code in ("C", "A", "I", "O", "E", "F"):   # three wrapped names in a row
        terms.append(ModelTerm(f"C(industry)[T.{code}]", 0.1, 1.1, 0.6, 2.0, 0.4))
    for year in range(2000, 2018):                 # 24 terms, as the sme_bank sample's model has
        terms.append(ModelTerm(f"C(period)[T.{year}]", 0.1, 1.1, 0.6, 2.0, 0.4))
    model = DriverModel(formula="npl ~ C(industry)", fitted=True, n=500, events=40, terms=terms,
                        reference={"industry": "G", "period": "2018"})
    return Statistics(driver_model=model)


def test_forest_rows_of_wrapped_terms_do_not_run_into_each_other():
    fig = driver_forest(metrics(), forest_stats(), figure_options("en", THRESHOLDS))
    fig.canvas.draw()
    labels = [t for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert sum("\n" in t.get_text() for t in labels) >= 2
    assert_apart(extents(labels))


def cohorts(n: int) -> Metrics:
    rows = []
    for k in range(n):
        cohort = 1990 + k
        for age in range(2013 - cohort + 1):
            rows.append(r("vintage_default_rate", pd.Timestamp(f"{cohort + age}-12-31"), 0.002 * age + 0.001 * k,
                          "vintage", str(cohort)))
    return Metrics.concat([pd.DataFrame(rows)])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_vintage_of_a_long_tape_keeps_the_latest_cohorts_and_a_readable_axis(lang):
    fig = vintage(cohorts(20), None, figure_options(lang, THRESHOLDS))
    fig.canvas.draw()
    ax = fig.axes[0]
    assert len(ax.lines) == MAX_COHORTS
    assert ax.get_legend().get_texts()[0].get_text() == ("1998年发放" if lang == "zh" else "Originated 1998")
    assert ("最近12个发放年度，共20个" if lang == "zh" else "latest 12 of 20") in fig.get_suptitle()
    assert_apart(extents(ax.get_xticklabels()))
    assert not overlaps(ax.get_legend().get_window_extent(), fig._suptitle.get_window_extent())
    assert inside(ax.get_legend().get_window_extent(), fig.bbox)


def test_vintage_axis_ends_where_the_drawing_does():
    """Old cohorts cut at the top leave no empty years on book at the right."""
    rows = []
    for cohort, values in (("2016", (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.9)), ("2020", (0.01, 0.015, 0.02)),
                           ("2021", (0.01, 0.02)), ("2022", (0.02,))):
        for k, v in enumerate(values):
            rows.append(r("vintage_default_rate", pd.Timestamp(f"{int(cohort) + k + 1}-12-31"), v, "vintage", cohort))
    fig = vintage(Metrics.concat([pd.DataFrame(rows)]), None, figure_options("en", THRESHOLDS))
    ax = fig.axes[0]
    # 2016's first age (1) is already above the top: its mark sits at age 1; the young reach age 3
    assert ax.get_xlim() == pytest.approx((-0.5, 3.5))
    assert [a.get_text() for a in ax.texts] == ["↑ 90.0%"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_category_mix_legend_sits_below_the_title(lang):
    fig = category_mix(metrics(), None, figure_options(lang, THRESHOLDS))
    fig.canvas.draw()
    legend = fig.axes[0].get_legend().get_window_extent()
    assert not overlaps(legend, fig._suptitle.get_window_extent()) and inside(legend, fig.bbox)


def test_close_projections_print_apart_and_the_limit_value_moves_left():
    rows = [row for row in metrics().frame.to_dict("records") if row["metric"] != "projected_npl_ratio"]
    rows += [r("projected_npl_ratio", pd.Timestamp("2024-12-31"), 0.0408, segment="base"),
             r("projected_npl_ratio", pd.Timestamp("2024-12-31"), 0.0410, segment="stress")]
    fig = projection(Metrics.concat([pd.DataFrame(rows)]), None, figure_options("en", THRESHOLDS))
    fig.canvas.draw()
    ax = fig.axes[0]
    values = [t for t in ax.texts if t.get_text() in ("4.08%", "4.10%")]
    assert len(values) == 2
    assert_apart(extents(values))
    limit = next(t for t in ax.texts if t.get_text() == "5%")
    assert limit.get_position()[0] < 0.1 and limit.get_ha() == "left"
    assert np.isfinite(limit.get_position()[1])


def _limit_label(fig, text: str):
    ax2 = fig.axes[1]
    (label,) = [t for t in ax2.texts if t.get_text() == text]
    return label


def _ratios(values: list[float]) -> Metrics:
    rows = []
    for k, v in enumerate(values):
        when = pd.Timestamp(f"{2019 + k}-12-31")
        rows += [r("balance", when, 1e8, unit="yuan"), r("npl_balance", when, 1e8 * v, unit="yuan"),
                 r("npl_ratio", when, v), r("overdue90_balance", when, 1e8 * v, unit="yuan"),
                 r("deviation_ratio", when, v * 20)]
    return Metrics.concat([pd.DataFrame(rows)])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_limit_value_moves_left_off_the_latest_years_label(lang):
    # the SBA tape: 3.87 % in the latest of many years printed under the 5 % limit's "5%" at the right
    # end (five years leave room between the latest point and the axes' end: see the next test)
    fig = npl_trend(_ratios([0.9, 0.8, *[0.02] * 17, 0.0387]), None, figure_options(lang, THRESHOLDS))
    fig.draw_without_rendering()
    label = _limit_label(fig, "5%")
    assert (label.get_position()[0], label.get_ha(), label.get_va()) == (0.005, "left", "bottom")
    values = [t for t in fig.axes[1].texts if t.get_text().endswith("%") and t is not label]
    assert [t.get_text() for t in values][-1] == "3.87%"
    assert_apart(extents([label, *values]))


def test_the_limit_value_stays_at_the_right_end_when_nothing_is_there():
    fig = npl_trend(_ratios([0.9, 0.2, 0.01, 0.02, 0.0387]), None, figure_options("en", THRESHOLDS))
    label = _limit_label(fig, "5%")
    assert (label.get_position()[0], label.get_ha(), label.get_va()) == (0.995, "right", "bottom")


def test_the_deviation_line_value_keeps_clear_too():
    # deviation ratios (20 × the NPL ratios): the latest, 92 %, sits just under the 100 % line's "100%"
    fig = deviation(_ratios([0.1, 0.09, *[0.02] * 17, 0.046]), None, figure_options("en", THRESHOLDS))
    fig.draw_without_rendering()
    label = _limit_label(fig, "100%")
    assert label.get_position()[0] == 0.005
    values = [t for t in fig.axes[1].texts if t is not label]
    assert_apart(extents([label, *values]))


def test_measuring_the_limit_value_moves_nothing_else(monkeypatch):
    # the measurement lays the figure out once; the axes are put back, so a figure whose limit value
    # stays where it was saves the same bytes as one never measured
    from io import BytesIO

    from microcredit_risk.figures import trend

    def png(fig) -> bytes:
        out = BytesIO()
        fig.savefig(out, format="png", dpi=100)
        return out.getvalue()

    metrics = _ratios([0.9, 0.2, 0.01, 0.02, 0.0387])
    measured = png(npl_trend(metrics, None, figure_options("en", THRESHOLDS)))
    monkeypatch.setattr(trend, "clear_of", lambda *args: None)
    assert png(npl_trend(metrics, None, figure_options("en", THRESHOLDS))) == measured
