"""Peer benchmarks (profile [benchmarks]) as reference lines: read back from the Axes they are drawn on."""

from __future__ import annotations

import numpy as np
import pytest
from figure_fixtures import THRESHOLDS, metrics

from microcredit_risk.figures import render_figures
from microcredit_risk.figures.peers import is_peer
from microcredit_risk.figures.style import LIMIT_COLOUR, PEER_COLOUR
from microcredit_risk.profile import Benchmark

NFRA = "国家金融监督管理总局《银行业保险业主要监管指标数据情况》"
# the fixture's year-ends are 2021, 2022, 2023 (the 2023 mid-year snapshot is not one of them)
BY_YEAR = {"npl_ratio": Benchmark(source=NFRA, by_year={2021: 0.0173, 2022: 0.0163, 2023: 0.0159}),
           "top10_customer_share": Benchmark(source="illustrative figure (示例数据)", value=0.08)}


def _peers(fig) -> list:  # type: ignore[no-untyped-def]
    return [line for ax in fig.axes for line in ax.get_lines() if is_peer(line)]


def _draw(names: list[str], benchmarks: dict[str, Benchmark] | None, lang: str = "zh") -> dict:  # type: ignore[type-arg]
    out = render_figures(metrics(), None, findings=None, lang=lang, thresholds=THRESHOLDS, only=names,
                         benchmarks=benchmarks)
    return {f.name: f.figure for f in out.figures}


def test_by_year_benchmark_is_a_line_at_the_year_ends_on_the_ratio_axis() -> None:
    fig = _draw(["npl_trend"], BY_YEAR)["npl_trend"]
    (line,) = _peers(fig)
    assert list(line.get_xdata()) == [0, 1, 2]                       # the bars' positions, 2021-2023
    assert list(line.get_ydata()) == [0.0173, 0.0163, 0.0159]
    assert NFRA in line.get_label().replace("\n", "") and line.get_label().startswith("同业不良贷款率：")
    ratio_axis = line.axes
    assert ratio_axis.get_ylabel() == "不良贷款率"                  # the twin NPL-ratio axis, not the amounts
    assert line.get_color() == PEER_COLOUR != LIMIT_COLOUR and line.get_linestyle() == "-."
    legend = fig.axes[0].get_legend()
    assert any(NFRA in t.get_text().replace("\n", "") for t in legend.get_texts())


def test_value_benchmark_is_a_horizontal_line_labelled_with_its_source() -> None:
    peer = {"npl_ratio": Benchmark(source="Illustrative figure", value=0.08)}
    fig = _draw(["projection"], peer, lang="en")["projection"]
    (line,) = _peers(fig)
    assert list(line.get_ydata()) == [0.08, 0.08]
    assert line.get_label() == "Peer NPL ratio: Illustrative figure"
    # the axis went to 6 % (stress) × 1.25 = 7.5 %; 8 % is above it, so the axis is widened to 8 % × 1.3
    assert line.axes.get_ylim()[1] == pytest.approx(0.08 * 1.3)


def test_benchmark_on_every_figure_that_plots_its_metric() -> None:
    figs = _draw(["npl_trend", "projection", "structure_industry", "concentration", "deviation"], BY_YEAR)
    drawn = {name: [list(line.get_xdata() if name.startswith("structure") else line.get_ydata())
                     for line in _peers(fig)] for name, fig in figs.items()}
    assert drawn["npl_trend"] == [[0.0173, 0.0163, 0.0159]]
    assert drawn["projection"] == [[0.0173, 0.0163, 0.0159]]
    assert drawn["structure_industry"] == [[0.0159, 0.0159]]     # vertical (x), at the chart's date (2023)
    assert drawn["concentration"] == [[0.08, 0.08]]              # top-10 share panel
    assert drawn["deviation"] == []                              # no benchmark for what it plots
    (vertical,) = _peers(figs["structure_industry"])
    assert vertical.axes.get_xlabel() == "不良贷款率"             # the NPL-ratio panel, not the shares


def test_no_benchmark_draws_nothing() -> None:
    for fig in [*_draw(["npl_trend", "projection", "structure_industry", "concentration"], None).values(),
                *_draw(["npl_trend"], {}).values()]:
        assert _peers(fig) == []
        assert not any("同业" in t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts())


def test_peer_label_stays_on_the_canvas() -> None:
    fig = _draw(["npl_trend"], BY_YEAR)["npl_trend"]
    fig.canvas.draw()
    box = fig.axes[0].get_legend().get_window_extent()
    width, height = fig.canvas.get_width_height()
    assert box.x0 >= 0 and box.x1 <= width and box.y1 <= height
    assert np.isfinite([box.x0, box.x1]).all()


def test_amount_benchmark_on_the_amount_axis_and_one_id_per_line() -> None:
    peers = {**BY_YEAR, "balance": Benchmark(source="illustrative figure (示例数据)", value=2.0e8)}
    fig = _draw(["npl_trend"], peers)["npl_trend"]
    lines = {line.get_gid(): line for line in _peers(fig)}
    assert set(lines) == {"peer-npl_ratio", "peer-balance"}        # one id per line (unique in the SVG)
    ratio, amount = lines["peer-npl_ratio"], lines["peer-balance"]
    assert list(amount.get_ydata()) == [2.0e8, 2.0e8] and amount.axes is fig.axes[0]   # the balance axis
    assert amount.axes.get_ylim()[1] == pytest.approx(2.0e8 * 1.3)   # above the 1.5e8 bars: widened
    assert ratio.axes is not amount.axes


def test_a_source_given_per_language_is_printed_in_the_figures_language(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from microcredit_risk.errors import ProfileError
    from microcredit_risk.profile import load_profile

    path = tmp_path / "bank.toml"
    path.write_text('[benchmarks.npl_ratio]\nsource = { zh = "示例数据", en = "illustrative figure" }\n'
                    'value = 0.08\n', encoding="utf-8")
    peer = load_profile(path).benchmarks
    assert (peer["npl_ratio"].source_in("en"), peer["npl_ratio"].source_in("zh")) == ("illustrative figure", "示例数据")
    (line,) = _peers(_draw(["projection"], peer, lang="en")["projection"])
    assert line.get_label() == "Peer NPL ratio: illustrative figure"
    (line,) = _peers(_draw(["projection"], peer, lang="zh")["projection"])
    assert line.get_label() == "同业不良贷款率：示例数据"
    assert Benchmark.from_json_obj(peer["npl_ratio"].to_json_obj()) == peer["npl_ratio"]   # run.json round trip
    path.write_text('[benchmarks.npl_ratio]\nsource = { fr = "chiffre" }\nvalue = 0.08\n', encoding="utf-8")
    with pytest.raises(ProfileError) as e:
        load_profile(path)
    assert e.value.code == "E211"
