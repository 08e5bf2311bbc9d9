"""The synthetic ledger simulator (`simulate`), its bank-style export and `mcr sample`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.errors import MCRError
from microcredit_risk.ledger.contract import CANONICAL_NAMES, GRADE_DTYPE, NPL_GRADES
from microcredit_risk.profile import profile_from_dict
from microcredit_risk.sample import export_bank_ledger, export_canonical_csv, kinds, simulate
from microcredit_risk.sample.kinds import vocab
from microcredit_risk.sample.snapshots import floor_grade

KINDS = kinds()
GUARANTEES = {"credit", "guarantee", "mortgage", "pledge", "joint_guarantee", "other"}
CUSTOMER_TYPES = {"small_enterprise", "micro_enterprise", "individual_business", "sme_owner", "farmer", "other"}


@pytest.fixture(scope="module", params=KINDS)
def sample(request):
    return simulate(request.param, seed=3, loans=800)


def npl_ratio_by_year(frame: pd.DataFrame, mask: pd.Series | None = None) -> pd.Series:
    f = frame if mask is None else frame[mask]
    npl = f["balance"].where(f["five_category"].astype(str).isin(NPL_GRADES), 0.0)
    g = f.assign(npl=npl).groupby(f["as_of"].dt.year)
    return g["npl"].sum() / g["balance"].sum()


def test_same_seed_same_frame_and_different_seed_differs():
    a, b = simulate("city_branch", seed=7, loans=300), simulate("city_branch", seed=7, loans=300)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.profile == b.profile
    c = simulate("city_branch", seed=8, loans=300)
    assert not a.frame["balance"].equals(c.frame["balance"])


def test_unknown_kind_is_refused_with_the_known_ones():
    with pytest.raises(MCRError, match="village_bank"):
        simulate("moon_bank")


def test_canonical_columns_dtypes_and_values(sample):
    f = sample.frame
    assert tuple(f.columns) == CANONICAL_NAMES
    assert f["five_category"].dtype == GRADE_DTYPE
    assert str(f["renewal_flag"].dtype) == "boolean"
    for col in ("as_of", "origination_date", "maturity_date"):
        assert pd.api.types.is_datetime64_any_dtype(f[col])
        assert (f[col] == f[col].dt.normalize()).all()
    for col in ("amount", "balance", "interest_rate", "days_past_due", "provision", "write_off", "risk_share_ratio"):
        assert f[col].dtype == np.float64
    for col in ("loan_id", "customer_id", "customer_name", "industry", "region", "product", "group_id"):
        assert pd.api.types.is_string_dtype(f[col])
    assert set(f["as_of"].dt.strftime("%m-%d")) == {"12-31"}
    assert set(f["as_of"].dt.year) == {2019, 2020, 2021, 2022, 2023}
    assert set(f["guarantee_type"]) <= GUARANTEES
    assert set(f["customer_type"]) <= CUSTOMER_TYPES
    assert f["industry"].str.fullmatch("[A-T]").all()
    assert f["interest_rate"].between(0.035, 0.15).all()
    assert f["risk_share_ratio"].between(0.0, 1.0).all()


def test_loan_lives_are_coherent(sample):
    f = sample.frame
    assert not f.duplicated(["as_of", "loan_id"]).any()
    assert (f["maturity_date"] > f["origination_date"]).all()
    assert (f["origination_date"] <= f["as_of"]).all()
    assert (f["balance"] <= f["amount"] + 0.01).all()
    assert (f["balance"] >= 0).all()
    gone = f["balance"] == 0  # only a write-off year shows a zero balance, with the written-off amount
    assert (f.loc[gone, "write_off"] > 0).all()
    assert (f.loc[~gone, "write_off"] == 0).all()
    assert (f["provision"] <= f["balance"] + 0.01).all()
    # a loan's balance never rises from one year-end to the next
    s = f.sort_values(["loan_id", "as_of"])
    rise = s.groupby("loan_id")["balance"].diff()
    assert (rise.dropna() <= 0.01).all()
    # each customer keeps one customer type; some customers hold several loans
    assert (f.groupby("customer_id")["customer_type"].nunique() == 1).all()
    assert (f.groupby("customer_id")["loan_id"].nunique() > 1).any()
    assert f["renewal_flag"].any()


def test_current_loans_are_mostly_normal(sample):
    f = sample.frame
    current = f[f["days_past_due"] == 0]
    assert (current["five_category"] == "normal").mean() > 0.9


def test_overdue_90_days_is_mostly_npl_except_the_lagging_village_bank():
    for kind in KINDS:
        f = simulate(kind, seed=1, loans=1500).frame
        over = f[(f["days_past_due"] > 90) & (f["balance"] > 0)]
        share = over["five_category"].astype(str).isin(NPL_GRADES).mean()
        if kind == "village_bank":
            assert share < 0.8, share  # grades lag overdue days: deviation ratio above 1
            assert over["balance"].sum() > f.loc[f["five_category"].astype(str).isin(NPL_GRADES), "balance"].sum()
        else:
            assert share > 0.7, (kind, share)


def test_village_bank_npl_ratio_rises_and_a_large_customer_breaches_5pct():
    s = simulate("village_bank", seed=0)
    ratio = npl_ratio_by_year(s.frame)
    assert ratio.iloc[-1] > ratio.iloc[0] + 0.015, ratio
    f = s.frame
    top = f.groupby([f["as_of"].dt.year, "customer_id"])["balance"].sum().groupby(level=0).max()
    capital = pd.Series(s.profile["bank"]["net_capital"])
    assert (top / capital > 0.05).all()


def test_policy_bank_risk_sharing_product_jumps_in_2020_2022():
    f = simulate("policy_bank", seed=0).frame
    shared = f["risk_share_ratio"] > 0
    assert f.loc[shared, "risk_share_ratio"].between(0.4, 0.5).all()
    assert f.loc[shared, "industry"].isin(["A", "C"]).all()
    ratio = npl_ratio_by_year(f, shared)
    assert ratio.loc[[2020, 2021, 2022]].min() > 2 * ratio.loc[2019], ratio


def test_sme_bank_grows_fast_with_a_wholesale_hotspot():
    f = simulate("sme_bank", seed=0).frame
    balance = f.groupby(f["as_of"].dt.year)["balance"].sum()
    assert balance.loc[2020] / balance.loc[2019] > 1.3
    last = f[f["as_of"].dt.year == 2023]
    npl = last["balance"].where(last["five_category"].astype(str).isin(NPL_GRADES), 0.0)
    by = last.assign(npl=npl).groupby("industry")[["npl", "balance"]].sum()
    assert by["npl"]["F"] / by["balance"]["F"] > npl.sum() / last["balance"].sum()
    assert "乡村振兴财富贷" in set(f["product"])


def test_postal_branch_keeps_renewed_overdue_loans_normal_and_is_lopsided():
    f = simulate("postal_branch", seed=0).frame
    masked = f["renewal_flag"] & (f["five_category"] == "normal") & (f["days_past_due"] > 0)
    assert masked.sum() > 0
    last = f[f["as_of"].dt.year == 2023]
    assert last.groupby("industry")["balance"].sum().max() / last["balance"].sum() > 0.5


def test_city_branch_has_joint_guarantees_renewals_and_a_heavy_top10():
    f = simulate("city_branch", seed=0).frame
    assert (f["guarantee_type"] == "joint_guarantee").mean() > 0.15
    assert f["renewal_flag"].mean() > 0.3
    last = f[f["as_of"].dt.year == 2023]
    top10 = last.groupby("customer_id")["balance"].sum().nlargest(10).sum()
    assert top10 / last["balance"].sum() > 0.25


def test_profile_is_a_valid_bank_profile(tmp_path: Path, sample):
    text = sample.profile_toml()
    data = tomllib.loads(text)
    assert data["bank"]["language"] == "zh"
    prof = profile_from_dict(data)
    assert set(prof.net_capital) == {2019, 2020, 2021, 2022, 2023}
    assert all(v > 0 for v in prof.net_capital.values())
    assert set(prof.total_npl_ratio) == set(prof.net_capital)


@settings(max_examples=8, deadline=None)
@given(dpd=st.lists(st.integers(0, 2000), min_size=1, max_size=30))
def test_floor_grade_follows_the_day_limits(dpd):
    got = floor_grade(np.array(dpd, dtype=float))
    want = [0 if d == 0 else 1 if d <= 90 else 2 if d <= 270 else 3 if d <= 360 else 4 for d in dpd]
    assert got.tolist() == want


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), kind=st.sampled_from(KINDS))
def test_invariants_hold_for_any_seed(seed, kind):
    f = simulate(kind, seed=seed, loans=60).frame
    assert not f.duplicated(["as_of", "loan_id"]).any()
    assert (f["balance"] <= f["amount"] + 0.01).all()
    assert (f["maturity_date"] > f["origination_date"]).all()


def _read_back(path: Path, per_year: bool) -> pd.DataFrame:
    """Read the bank export with pandas and map it back with the exporter's own vocabulary."""
    v = vocab()
    sheets = pd.read_excel(path, sheet_name=None, header=1, engine="calamine")
    parts = []
    for name, t in sheets.items():
        if per_year:
            t.insert(0, v["headers"]["as_of"], pd.Timestamp(f"{name[:4]}-12-31"))
        parts.append(t)
    t = pd.concat(parts, ignore_index=True).rename(columns={h: c for c, h in v["headers"].items()})
    for col in ("five_category", "customer_type", "guarantee_type"):
        t[col] = t[col].map({zh: en for en, zh in v[col].items()})
    names = {zh: letter for letter, zh in v["industry"].items()}
    t["industry"] = t["industry"].map(lambda x: names.get(x, str(x)[0]))
    t["renewal_flag"] = t["renewal_flag"].map({"是": True, "否": False})
    rate = t["interest_rate"].astype(str).str.rstrip("%").astype(float)
    t["interest_rate"] = rate / 100
    for col in ("amount", "balance", "provision", "write_off"):
        t[col] = t[col] * 1e4
    return t


@pytest.mark.parametrize("kind", ["village_bank", "postal_branch", "policy_bank"])
def test_bank_export_round_trips(tmp_path: Path, kind: str):
    s = simulate(kind, seed=2, loans=120)
    path = export_bank_ledger(s, tmp_path / f"{kind}.xlsx")
    wb = pd.read_excel(path, sheet_name=None, header=None, engine="calamine", nrows=2)
    first = next(iter(wb.values()))
    assert first.iloc[0, 0] == s.title
    per_year = s.style["sheets"] == "per_year"
    if per_year:
        assert list(wb) == [f"{y}年末" for y in range(2019, 2024)]
    back = _read_back(path, per_year)
    f = s.frame
    assert len(back) == len(f)
    for col in ("loan_id", "customer_id", "customer_type", "guarantee_type", "industry", "product"):
        assert back[col].astype(str).tolist() == f[col].astype(str).tolist(), col
    assert back["five_category"].tolist() == f["five_category"].astype(str).tolist()
    assert back["renewal_flag"].tolist() == f["renewal_flag"].astype(bool).tolist()
    for col in ("amount", "balance", "provision", "write_off"):
        assert np.allclose(back[col], f[col], atol=50.0 + 1e-6), col  # 万元 to 2 decimals: ±50 yuan
    assert np.allclose(back["interest_rate"], f["interest_rate"], atol=5e-5)
    assert (pd.to_datetime(back["as_of"]).to_numpy() == f["as_of"].to_numpy()).all()
    assert (pd.to_datetime(back["maturity_date"]).to_numpy() == f["maturity_date"].to_numpy()).all()
    if s.style["industry"] == "code":
        assert pd.read_excel(path, header=1, engine="calamine")["所属行业"].str.fullmatch("[A-T][0-9]{2}").all()


def test_csv_export_and_canonical_csv(tmp_path: Path):
    s = simulate("city_branch", seed=4, loans=80)
    bank = export_bank_ledger(s, tmp_path / "l.csv")
    t = pd.read_csv(bank, encoding="utf-8-sig")
    assert list(t.columns) == list(vocab()["headers"].values())
    assert t["执行利率"].str.endswith("%").all()  # this bank writes its rates as text
    canon = pd.read_csv(export_canonical_csv(s.frame, tmp_path / "c.csv"))
    assert tuple(canon.columns) == CANONICAL_NAMES
    assert np.allclose(canon["balance"], s.frame["balance"])
    assert sorted(tmp_path.iterdir()) == [tmp_path / "c.csv", tmp_path / "l.csv"]  # no temporary files left


def test_cli_sample_writes_ledger_and_profile(tmp_path: Path):
    res = CliRunner().invoke(app, ["sample", "--kind", "sme_bank", "--seed", "1", "--loans", "50",
                                   "--out", str(tmp_path), "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "sme_bank.csv").exists() and (tmp_path / "sme_bank.toml").exists()
    assert "sme_bank.csv" in res.output
    bad = CliRunner().invoke(app, ["sample", "--kind", "moon_bank", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and bad.stderr.startswith("mcr: error: --kind: 'moon_bank' is not one of village_bank, ")


def test_size_follows_the_loans_asked_for():
    """About ``loans`` loans on the book at each of five year-ends (speed is measured in benchmarks/)."""
    f = simulate("sme_bank", loans=20_000).frame
    assert 60_000 < len(f) < 130_000
