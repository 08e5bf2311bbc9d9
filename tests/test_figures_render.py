"""Every figure renders in zh and en with every glyph found; the same input gives the same bytes."""

from __future__ import annotations

import hashlib
import logging
import warnings

import pandas as pd
import pytest
from figure_fixtures import THRESHOLDS, Y23, findings, metrics, r, records, statistics

from microcredit_risk.figures import FIGURES, render_figures, save_figures
from microcredit_risk.figures.fonts import BUNDLED_FAMILY, cjk_families
from microcredit_risk.metrics.table import Metrics


def full_metrics() -> Metrics:
    """The fixture table plus the structure dimensions the fixture leaves out (Chinese segment names)."""
    extra = []
    for dim, segs in (("guarantee_type", ("credit", "mortgage", "joint_guarantee")),
                      ("product", ("经营贷", "农户小额贷", "创业担保贷")),
                      ("region", ("城关镇", "滨江街道", "柳林镇"))):
        for k, seg in enumerate(segs):
            extra += [r("balance_share", Y23, 0.5 - 0.15 * k, dim, seg), r("npl_ratio", Y23, 0.02 + 0.03 * k, dim, seg)]
    return Metrics.concat([pd.DataFrame(records() + extra)])


def test_the_bundled_cjk_font_is_registered():
    assert cjk_families()[0] == BUNDLED_FAMILY


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_renders_without_missing_glyphs(lang, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="matplotlib")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rendered = render_figures(full_metrics(), statistics(), findings=findings(), lang=lang, thresholds=THRESHOLDS)
        written = save_figures(rendered, tmp_path, formats=("png", "svg", "pdf"), dpi=72)
    assert rendered.names() == list(FIGURES) and not rendered.skipped
    assert set(written) == set(FIGURES)
    assert all(p.stat().st_size > 1000 for paths in written.values() for p in paths.values())
    glyph = [str(w.message) for w in caught if "glyph" in str(w.message).lower()
             or "missing from font" in str(w.message).lower()]
    assert glyph == []
    assert [m for m in caplog.messages if "findfont" in m or "Glyph" in m] == []


def _digests(folder) -> dict[str, str]:
    rendered = render_figures(metrics(), statistics(), findings=findings(), lang="zh", thresholds=THRESHOLDS,
                              only=["npl_trend", "migration_heatmap", "officer_funnel"])
    written = save_figures(rendered, folder, formats=("png", "svg", "pdf"), dpi=100)
    return {f"{n}.{fmt}": hashlib.sha256(p.read_bytes()).hexdigest()
            for n, paths in written.items() for fmt, p in paths.items()}


def test_two_runs_give_byte_identical_files(tmp_path):
    first = _digests(tmp_path / "a")
    second = _digests(tmp_path / "b")
    assert len(first) == 9
    assert first == second
    svg = (tmp_path / "a" / "npl_trend.svg").read_text("utf-8")
    assert "<dc:date>" not in svg
    assert b"CreationDate" not in (tmp_path / "a" / "npl_trend.pdf").read_bytes()
