import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stats_fixtures import rows

from microcredit_risk.ledger.contract import GRADES
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.stats.projection import project_npl, stress_matrix, transition_matrix

DIST = {"normal": 0.80, "special_mention": 0.10, "substandard": 0.05, "doubtful": 0.03, "loss": 0.02}
# transition_share rows (t0 grade → t1 grade or exited); the loss row is absent (a loss loan stays loss)
TRANSITIONS = {
    "normal":          {"normal": 0.70, "special_mention": 0.05, "substandard": 0.02, "doubtful": 0.01, "exited": 0.22},
    "special_mention": {"normal": 0.10, "special_mention": 0.50, "substandard": 0.20, "doubtful": 0.05,
                        "loss": 0.05, "exited": 0.10},
    "substandard":     {"normal": 0.02, "special_mention": 0.03, "substandard": 0.60, "doubtful": 0.20,
                        "loss": 0.05, "exited": 0.10},
    "doubtful":        {"substandard": 0.05, "doubtful": 0.60, "loss": 0.30, "exited": 0.05},
}


def _metrics(with_transitions: bool = True) -> Metrics:
    recs = [rows("category_share", "2023-12-31", v, segment=g) for g, v in DIST.items()]
    recs += [rows("category_share", "2022-12-31", 0.2, segment=g) for g in DIST]      # an older mix
    if with_transitions:
        recs += [rows("transition_share", "2023-12-31", v, dimension=a, segment=b)
                 for a, row in TRANSITIONS.items() for b, v in row.items()]
        recs += [rows("transition_share", "2022-12-31", 1.0, dimension=a, segment="loss") for a in TRANSITIONS]
    return Metrics.concat([pd.DataFrame(recs)])


def test_base_and_stress_projection_by_hand():
    out = project_npl(_metrics(), 1.5)
    # exited → normal. Matrix rows (normal, sm, sub, dbt, loss):
    #   normal [.92 .05 .02 .01 0], sm [.20 .50 .20 .05 .05], sub [.12 .03 .60 .20 .05],
    #   doubtful [.05 0 .05 .60 .30], loss [0 0 0 0 1]
    # base NPL = .80·(.02+.01) + .10·(.20+.05+.05) + .05·(.60+.20+.05) + .03·(.05+.60+.30) + .02·1
    base = 0.80 * 0.03 + 0.10 * 0.30 + 0.05 * 0.85 + 0.03 * 0.95 + 0.02
    assert base == pytest.approx(0.145)
    # stress ×1.5 on worse grades (no row exceeds its room, so no capping):
    #   normal: sm .075, sub .03, dbt .015 → NPL part .045
    #   sm: sub .30, dbt .075, loss .075 → NPL part .45 (diagonal 1 − .20 − .45 = .35)
    #   sub: dbt .30, loss .075, diagonal 1 − .15 − .375 = .475 → NPL part .85
    #   doubtful: loss .45, diagonal 1 − .10 − .45 = .45 → NPL part .05 + .45 + .45 = .95
    stress = 0.80 * 0.045 + 0.10 * 0.45 + 0.05 * 0.85 + 0.03 * 0.95 + 0.02
    assert stress == pytest.approx(0.172)
    assert out.get("projected_npl_ratio", segment="base") == pytest.approx(base, abs=1e-12)
    assert out.get("projected_npl_ratio", segment="stress") == pytest.approx(stress, abs=1e-12)
    assert out.frame["as_of"].unique().tolist() == [pd.Timestamp("2024-12-31")]
    assert set(out.frame["unit"]) == {"ratio"} and out.frame["dimension"].isna().all()


def test_stress_is_capped_at_what_the_row_leaves():
    m, end = transition_matrix(_metrics())
    assert end == pd.Timestamp("2023-12-31")
    s = stress_matrix(m, 3.0)
    # sm row: worse ×3 = .60 + .15 + .15 = .90 > room 1 − .20 = .80 → scaled by .8/.9; diagonal 0
    assert s[1] == pytest.approx([0.20, 0.0, 0.60 * 0.8 / 0.9, 0.15 * 0.8 / 0.9, 0.15 * 0.8 / 0.9])
    # normal row: worse ×3 = .15 + .06 + .03 = .24 ≤ 1 → diagonal .76
    assert s[0] == pytest.approx([0.76, 0.15, 0.06, 0.03, 0.0])
    assert s[4] == pytest.approx([0, 0, 0, 0, 1])


def test_projection_skipped_without_a_period():
    out = project_npl(_metrics(with_transitions=False), 1.5)
    assert out.frame.empty and out.skipped[0].what == "projected_npl_ratio"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=25, max_size=25), st.floats(1.0, 5.0))
def test_stress_matrix_is_stochastic_and_never_lowers_npl(cells, factor):
    m = np.array(cells).reshape(5, 5) + np.eye(5) * 1e-3
    m /= m.sum(axis=1, keepdims=True)
    s = stress_matrix(m, factor)
    assert np.allclose(s.sum(axis=1), 1.0) and (s >= -1e-12).all()
    npl = np.array([g in ("substandard", "doubtful", "loss") for g in GRADES])
    assert (s[:, npl].sum(axis=1) >= m[:, npl].sum(axis=1) - 1e-12).all()
    assert np.allclose(stress_matrix(m, 1.0), m)
