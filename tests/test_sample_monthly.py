"""`mcr sample --monthly`: the annual sample's loan lives at every month-end, as Hive-style Parquet
partitions, byte-identical for a fixed seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.ledger.contract import CANONICAL_NAMES
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.sample import simulate
from microcredit_risk.sample.monthly import month_ends, plan_monthly

LOANS = 60


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def monthly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("monthly") / "sme"
    code, stdout, err = invoke("sample", "--kind", "sme_bank", "--loans", LOANS, "--seed", 5, "--monthly", "--out", out)
    assert (code, err) == (0, "")
    assert stdout.startswith(f"{out}  (60 partitions as_of=YYYY-MM-DD/part-0.parquet, ")
    return out


def test_month_ends_are_the_last_days_of_the_months() -> None:
    days = month_ends((2019, 2020)).astype("datetime64[D]").astype(str)
    assert list(days[:3]) == ["2019-01-31", "2019-02-28", "2019-03-31"]
    assert list(days[12:14]) == ["2020-01-31", "2020-02-29"]  # a leap year
    assert days[-1] == "2020-12-31" and len(days) == 24


def test_one_partition_per_month_end_and_the_profile(monthly: Path) -> None:
    written = sorted(files(monthly))
    assert len(written) == 61
    assert written[0] == "as_of=2019-01-31/part-0.parquet"
    assert written[1] == "as_of=2019-02-28/part-0.parquet"
    assert "as_of=2020-02-29/part-0.parquet" in written
    assert written[-2] == "as_of=2023-12-31/part-0.parquet"
    assert written[-1] == "sme_bank.toml"
    # the same loans as the annual sample: the same net capital, so the same profile
    annual = simulate("sme_bank", seed=5, loans=LOANS)
    assert (monthly / "sme_bank.toml").read_text("utf-8") == annual.profile_toml()


def test_partitions_hold_the_canonical_columns_without_as_of(monthly: Path) -> None:
    schema = pq.read_schema(monthly / "as_of=2021-06-30" / "part-0.parquet")
    assert tuple(schema.names) == tuple(c for c in CANONICAL_NAMES if c != "as_of")
    assert str(schema.field("origination_date").type) == "date32[day]"
    assert str(schema.field("days_past_due").type) == "int32"


def test_same_seed_same_bytes_other_seed_other_bytes(monthly: Path, tmp_path: Path) -> None:
    assert invoke("sample", "--kind", "sme_bank", "--loans", LOANS, "--seed", 5, "--monthly", "--out", tmp_path / "a")[0] == 0
    assert files(tmp_path / "a") == files(monthly)
    assert invoke("sample", "--kind", "sme_bank", "--loans", LOANS, "--seed", 6, "--monthly", "--out", tmp_path / "b")[0] == 0
    other = files(tmp_path / "b")
    assert other.keys() == files(monthly).keys() and other != files(monthly)


def test_year_ends_are_the_annual_samples_loans_and_write_offs(monthly: Path) -> None:
    book = load_ledger(monthly).frame
    assert len(book["as_of"].unique()) == 60
    annual = simulate("sme_bank", seed=5, loans=LOANS).frame
    plan = plan_monthly("sme_bank", seed=5, loans=LOANS)
    large = set(np.asarray(plan.customer_ids)[plan.cust.large])
    assert 0 < len(large) < 5
    for year in range(2019, 2024):
        end = pd.Timestamp(year, 12, 31)
        # on the book at the year-end: the same loans (a write-off shows in its month, not at the year-end)
        mine = book[(book["as_of"] == end) & (book["write_off"] == 0)].set_index("loan_id")
        theirs = annual[(annual["as_of"] == end) & (annual["write_off"] == 0)].set_index("loan_id")
        assert list(mine.index) == list(theirs.index)
        small = ~theirs["customer_id"].isin(large)  # the large customers are rescaled on loans, not rows
        np.testing.assert_allclose(mine.loc[small, "balance"], theirs.loc[small, "balance"], atol=0.011)
        in_year = book["as_of"].dt.year == year
        written_off = annual.loc[annual["as_of"] == end, "write_off"].sum()
        assert book.loc[in_year, "write_off"].sum() == pytest.approx(written_off, abs=0.05)


def test_a_write_off_is_shown_once_with_balance_zero_then_the_loan_is_gone(monthly: Path) -> None:
    book = load_ledger(monthly).frame
    gone = book[book["write_off"] > 0]
    assert len(gone) and (gone["balance"] == 0).all() and (gone["five_category"] == "loss").all()
    assert not gone["loan_id"].duplicated().any()
    last = book.groupby("loan_id")["as_of"].max()
    assert (last[gone["loan_id"]].to_numpy() == gone["as_of"].to_numpy()).all()


def test_format_does_not_apply_to_the_monthly_sample(tmp_path: Path) -> None:
    assert invoke("sample", "--monthly", "--format", "csv", "--out", tmp_path) == (
        2, "", "mcr: error: --format csv does not apply with --monthly: the monthly sample is written as "
               "Parquet partitions [E609]\n")
    assert not any(tmp_path.iterdir())
