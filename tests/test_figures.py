"""Each figure's plotted data, read back from its Axes, equals the metrics table it was drawn from."""

from __future__ import annotations

import numpy as np
import pytest
from figure_fixtures import THRESHOLDS, findings, metrics, statistics
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.collections import PathCollection

from microcredit_risk.errors import UsageError
from microcredit_risk.figures import FIGURES, figure_options, render_figures
from microcredit_risk.figures.cohorts import control_limits, officer_funnel, vintage
from microcredit_risk.figures.forest import driver_forest, term_label
from microcredit_risk.figures.migration import migration_heatmap
from microcredit_risk.figures.structure import concentration, structure_industry
from microcredit_risk.figures.texts import texts_for
from microcredit_risk.figures.trend import category_mix, deviation, npl_trend, projection
from microcredit_risk.metrics.table import Metrics


def opts(lang: str = "zh"):
    return figure_options(lang, THRESHOLDS, findings())


def ticklabels(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels()]


def all_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_npl_trend_bars_ratio_and_limit_use_annual_values():
    fig = npl_trend(metrics(), statistics(), opts())
    ax, ax2 = fig.axes
    balance, npl = ax.containers
    # 2023-06-30 is not a year-end: three bars, not four
    assert [p.get_height() for p in balance] == [1.0e8, 1.2e8, 1.5e8]
    assert [p.get_height() for p in npl] == [2.0e6, 3.6e6, 6.0e6]
    assert ticklabels(ax.xaxis) == ["2021", "2022", "2023"]
    ratio_line, limit_line = ax2.lines
    np.testing.assert_allclose(ratio_line.get_ydata(), [0.02, 0.03, 0.04])
    np.testing.assert_allclose(limit_line.get_ydata(), [0.05, 0.05])
    assert "亿元" in ax.get_ylabel()           # 1.5e8 yuan → 亿元
    assert "4.00%" in all_texts(fig)


def test_money_unit_by_magnitude_in_english():
    fig = npl_trend(metrics(), None, opts("en"))
    assert fig.axes[0].get_ylabel() == "Balance (CNY million)"
    assert fig.get_suptitle() == "Loan balance, NPL balance and NPL ratio"


def test_category_mix_stacks_shares_normal_first():
    fig = category_mix(metrics(), None, opts())
    ax = fig.axes[0]
    heights = np.array([[p.get_height() for p in c] for c in ax.containers])
    np.testing.assert_allclose(heights[:, 1], [0.85, 0.1, 0.03, 0.01, 0.01])   # 2023 column
    np.testing.assert_allclose(heights[:, 0], [0.9, 0.07, 0.02, 0.01, 0.0])
    bottoms = [p.get_y() for p in ax.containers[2]]                            # substandard sits on 0.9+0.07
    np.testing.assert_allclose(bottoms, [0.97, 0.95])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["损失", "可疑", "次级", "关注", "正常"]


def heat(ax) -> np.ndarray:
    """The shares the heatmap colours, its layers (stay, exit, down, up) put back together."""
    return sum(np.ma.filled(im.get_array().astype(float), 0.0) for im in ax.images)


def test_migration_heatmap_shows_latest_period_with_exits():
    fig = migration_heatmap(metrics(), None, opts())
    (ax,) = fig.axes
    np.testing.assert_allclose(heat(ax), [[0.9, 0.05, 0.01, 0.04], [0.2, 0.5, 0.2, 0.1]])
    assert ticklabels(ax.xaxis) == ["正常", "关注", "次级", "退出"]
    assert ticklabels(ax.yaxis) == ["正常", "关注"]
    assert "2022→2023" in ax.get_title()
    assert "90.0%" in [t.get_text() for t in ax.texts]


def test_migration_heatmap_adds_the_pooled_panel_when_present():
    m = metrics()
    rows = m.frame[m.frame["metric"] == "transition_share"].copy()
    rows = rows[rows["as_of"] == rows["as_of"].max()].assign(metric="transition_share_pooled", value=0.25)
    fig = migration_heatmap(Metrics.concat([m.frame, rows]), None, opts())
    assert len(fig.axes) == 2
    np.testing.assert_allclose(heat(fig.axes[1]), np.full((2, 4), 0.25))


def test_structure_industry_bars_dots_and_names():
    fig = structure_industry(metrics(), None, opts())
    left, right = fig.axes
    assert [p.get_width() for p in left.patches] == [0.5, 0.3, 0.2]
    assert ticklabels(left.yaxis) == ["制造业", "批发和零售业", "农、林、牧、渔业"]
    dots = next(c for c in right.collections if isinstance(c, PathCollection))
    np.testing.assert_allclose(dots.get_offsets()[:, 0], [0.03, 0.06, 0.10])
    np.testing.assert_allclose(right.lines[0].get_xdata(), [0.04, 0.04])        # portfolio NPL ratio 2023


def test_concentration_lorenz_gini_and_top10_limits():
    fig = concentration(metrics(), None, opts("en"))
    lorenz_ax, top_ax = fig.axes
    np.testing.assert_allclose(lorenz_ax.lines[0].get_xdata(), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(lorenz_ax.lines[0].get_ydata(), [0.0, 0.2, 1.0])
    assert "Gini 0.600" in lorenz_ax.get_legend().get_texts()[0].get_text()
    share, share_limit, conc, conc_limit = top_ax.lines
    np.testing.assert_allclose(share.get_ydata(), [0.2, 0.3])
    np.testing.assert_allclose(conc.get_ydata(), [0.4, 0.55])
    assert share_limit.get_ydata()[0] == 0.25 and conc_limit.get_ydata()[0] == 0.5


def test_vintage_curves_by_years_on_book():
    fig = vintage(metrics(), None, opts())
    ax = fig.axes[0]
    l2021, l2022 = ax.lines
    assert list(l2021.get_xdata()) == [1, 2] and list(l2021.get_ydata()) == [0.01, 0.03]
    assert list(l2022.get_xdata()) == [1] and list(l2022.get_ydata()) == [0.02]
    # the legend beside the axes (anchored right of them), covering no curve
    fig.canvas.draw()
    legend = ax.get_legend()
    assert legend.get_window_extent().x0 >= ax.get_window_extent().x1
    assert [t.get_text() for t in legend.get_texts()] == ["2021年发放", "2022年发放"]


def test_officer_funnel_points_and_flagged_names():
    fig = officer_funnel(metrics(), statistics(), opts())
    ax = fig.axes[0]
    normal, flagged = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(normal.get_offsets(), [[100, 0.05]])
    np.testing.assert_allclose(flagged.get_offsets(), [[400, 0.2]])
    assert [t.get_text() for t in ax.texts] == ["李经理"]
    pooled = [ln for ln in ax.lines if list(ln.get_ydata()) == [0.1, 0.1]]
    assert len(pooled) == 1                                                    # portfolio npl_count_ratio


def named_officers(found) -> list[str]:
    [f] = [f for f in found.items if f.code == "OFFICER_OUTLIERS"] or [None]
    return [] if f is None else sorted({e.segment for e in f.evidence if e.dimension == "loan_officer"})


def test_funnel_marks_exactly_the_officers_the_finding_names():
    found = findings()
    assert named_officers(found) == ["李经理"]
    fig = officer_funnel(metrics(), statistics(), figure_options("en", THRESHOLDS, found))
    assert fig.flagged == named_officers(found)
    assert sorted(t.get_text() for t in fig.axes[0].texts) == named_officers(found)


def test_funnel_marks_no_officer_the_finding_does_not_name():
    # 王经理 now has adjusted p 0.001 but 0.05 < 2 × 0.2 (the rest's): significant, yet no outlier
    stats = statistics()
    padj = stats.metrics.frame
    padj.loc[(padj["metric"] == "fisher_padj") & (padj["segment"] == "王经理"), "value"] = 0.001
    found = findings(stats)
    assert named_officers(found) == ["李经理"]
    fig = officer_funnel(metrics(), stats, figure_options("zh", THRESHOLDS, found))
    assert fig.flagged == ["李经理"]
    # without findings nothing is marked, whatever the p-values
    bare = officer_funnel(metrics(), stats, figure_options("zh", THRESHOLDS))
    assert bare.flagged == [] and len(bare.axes[0].texts) == 0


def test_control_limits_by_hand():
    lo, hi = control_limits(0.1, np.array([100.0]), 0.95)
    assert hi[0] == pytest.approx(0.1 + 1.959964 * 0.03, abs=1e-6)
    assert lo[0] == pytest.approx(0.1 - 1.959964 * 0.03, abs=1e-6)
    lo, _ = control_limits(0.1, np.array([4.0]), 0.998)                        # 0.1 − 3.09·0.15 < 0 → 0
    assert lo[0] == 0.0


@given(p=st.floats(0.001, 0.999), n=st.integers(1, 10_000))
def test_control_limits_bracket_the_rate_and_narrow_with_more_loans(p, n):
    lo95, hi95 = control_limits(p, np.array([float(n), float(n) * 4]), 0.95)
    lo998, hi998 = control_limits(p, np.array([float(n)]), 0.998)
    assert lo998[0] <= lo95[0] <= p <= hi95[0] <= hi998[0]
    assert hi95[1] <= hi95[0] and lo95[1] >= lo95[0]


def test_deviation_bars_and_annotated_ratio():
    fig = deviation(metrics(), None, opts())
    ax, ax2 = fig.axes
    od, npl = ax.containers
    assert [p.get_height() for p in od] == [2.2e6, 3.0e6, 6.6e6]
    assert [p.get_height() for p in npl] == [2.0e6, 3.6e6, 6.0e6]
    # as a percentage, like the tables; then the supervisory line's value at its right end
    assert [t.get_text() for t in ax2.texts] == ["110%", "83%", "110%", "100%"]
    assert list(ax2.lines[1].get_ydata()) == [1.0, 1.0]
    assert "万元" in ax.get_ylabel()


def test_projection_points_and_dashed_connectors():
    fig = projection(metrics(), statistics(), opts())
    ax = fig.axes[0]
    history, base_link, base, stress_link, stress, limit = ax.lines
    np.testing.assert_allclose(history.get_ydata(), [0.02, 0.03, 0.04])
    np.testing.assert_allclose(base_link.get_ydata(), [0.04, 0.045])
    np.testing.assert_allclose(stress_link.get_ydata(), [0.04, 0.06])
    assert base_link.get_linestyle() == "--" and stress_link.get_linestyle() == "--"
    assert list(base.get_ydata()) == [0.045] and list(stress.get_ydata()) == [0.06]
    assert ticklabels(ax.xaxis)[-1] == "2024"


def test_driver_forest_log_axis_terms_and_reference():
    fig = driver_forest(metrics(), statistics(), opts())
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    squares = next(c for c in ax.collections if isinstance(c, PathCollection))
    np.testing.assert_allclose(squares.get_offsets()[:, 0], [0.6, 2.5, 1.1])     # intercept left out
    assert ticklabels(ax.yaxis) == ["担保方式：抵押", "是否续贷：续贷", "贷款金额（对数）"]
    assert "参照组：担保方式 = 信用" in ax.get_legend().get_title().get_text()


def test_term_labels_in_english():
    t = texts_for("en")
    assert term_label("C(guarantee_type)[T.pledge]", t) == "Guarantee type: Pledge"
    assert term_label("np.log(amount)", t) == "log(Loan amount)"
    assert term_label("log(amount)", t) == "Loan amount (log)"
    assert term_label("weird:term", t) == "weird:term"


def test_missing_inputs_give_none_and_a_reason():
    o = opts()
    for name, draw in FIGURES.items():
        assert draw(Metrics(), None, o) is None, name
    assert len(o.skipped) == len(FIGURES)
    assert all(s.what.startswith("figure ") and s.reason for s in o.skipped)


def test_render_figures_skips_what_is_absent_and_keeps_order():
    out = render_figures(metrics(), statistics(), findings=findings(), lang="zh", thresholds=THRESHOLDS)
    assert out.names() == [n for n in FIGURES if n not in ("structure_guarantee_type", "structure_product",
                                                          "structure_region")]
    assert sorted(s.what for s in out.skipped) == ["figure structure_guarantee_type", "figure structure_product",
                                                   "figure structure_region"]
    only = render_figures(metrics(), statistics(), findings=findings(), lang="en", thresholds=THRESHOLDS, only=["vintage"])
    assert only.names() == ["vintage"] and only.figures[0].title.startswith("Cumulative default rate")


def test_unknown_figure_name_lists_valid_names():
    with pytest.raises(UsageError, match="npl_trend"):
        render_figures(metrics(), None, findings=None, thresholds=THRESHOLDS, only=["nope"])


def test_failed_model_is_skipped_with_its_reason():
    stats = statistics()
    stats.driver_model.fitted = False
    stats.driver_model.reason = "too few events (3)"
    o = opts()
    assert driver_forest(metrics(), stats, o) is None
    assert "too few events (3)" in o.skipped[0].reason


def test_category_mix_prints_the_npl_ratio_over_each_bar():
    fig = category_mix(metrics(), None, opts())
    assert {"不良3.00%", "不良4.00%"} <= set(all_texts(fig))


@given(largest=st.floats(0, 1e13, allow_nan=False), lang=st.sampled_from(["zh", "en"]))
def test_money_scale_keeps_scaled_values_at_least_one(largest, lang):
    divisor, unit = texts_for(lang).money_scale(largest)
    assert unit
    assert largest / divisor >= 1 or divisor == 1.0


def test_format_list_is_checked():
    from microcredit_risk.figures.saving import parse_formats

    assert parse_formats("png, svg,png") == ("png", "svg")
    with pytest.raises(UsageError) as info:
        parse_formats("png,gif")
    assert info.value.line() == "--format: unknown figure format gif; choose from png, svg, pdf [E714]"
