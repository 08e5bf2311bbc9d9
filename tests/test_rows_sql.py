"""``ledger_rows`` made in SQL from ``ledger`` (engine/rows_sql.py, metrics/rows.py): the domain rules on
hand-computed ledgers — segment labels of numeric and text columns, bucket edges, terms, the floor,
snapshot and period codes, the refusals — and the watchlist's segment names from the same SQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcredit_risk.engine import DuckDBBackend
from microcredit_risk.engine.aggregates import ROWS
from microcredit_risk.engine.rules_sql import floor_sql
from microcredit_risk.errors import AnalysisError
from microcredit_risk.ledger.floor import floor_codes
from microcredit_risk.metrics.prepare import Base, prepare
from microcredit_risk.metrics.rows import register_rows, segment_names, snapshot_segments
from microcredit_risk.profile import BankProfile

THRESHOLDS = BankProfile().thresholds   # floor days 1, 91, 271, 361


def ledger(n: int, **columns: object) -> pd.DataFrame:
    """``n`` loans at one year end, balance 1, graded normal, plus ``columns``."""
    base = {"as_of": ["2023-12-31"] * n, "loan_id": [f"L{i}" for i in range(n)],
            "customer_id": [f"C{i}" for i in range(n)], "balance": [1.0] * n, "five_category": ["normal"] * n}
    return pd.DataFrame({**base, **columns})


def rows_of(base: Base) -> pd.DataFrame:
    return base.backend.query(f"SELECT * FROM {ROWS} ORDER BY row")


def segments(base: Base, dim: str) -> tuple[list[str], list[int]]:
    return list(base.dims[dim].labels), rows_of(base)[f"seg_{dim}"].tolist()


def test_numeric_columns_sort_by_value_and_lose_a_trailing_zero() -> None:
    f = ledger(6, branch=pd.array([10, 9, 101, None, 9, 10], dtype="Int64"),
               region=[2.0, 10.5, 2.0, np.nan, 3.0, 10.5],
               loan_officer=pd.Series([7, 12, None, 7, 12, 3], dtype=object))   # numbers in an object column
    base = prepare(f, THRESHOLDS)
    assert segments(base, "branch") == (["9", "10", "101", "unknown"], [1, 0, 2, 3, 0, 1])
    assert segments(base, "region") == (["2", "3", "10.5", "unknown"], [0, 2, 0, 3, 1, 2])
    assert segments(base, "loan_officer") == (["3", "7", "12", "unknown"], [1, 2, 3, 1, 2, 0])
    for dim in ("branch", "region", "loan_officer"):   # pandas' factorize(sort=True): the same order
        codes, uniques = pd.factorize(f[dim], sort=True)
        assert segments(base, dim)[1] == [c if c >= 0 else len(uniques) for c in codes]


def test_text_sorts_by_code_point_and_a_value_named_unknown_is_reused_for_missing() -> None:
    f = ledger(7, industry=["b", "B", "甲", "a", None, "unknown", "乙"],
               product=["10", "9", "101", "9", None, "10", "9"])          # digits as text: text order
    base = prepare(f, THRESHOLDS)
    labels, codes = segments(base, "industry")
    assert labels == ["B", "a", "b", "unknown", "乙", "甲"] == sorted(labels)  # Python's str order is SQL's
    assert codes == [2, 0, 5, 1, 3, 3, 4]
    assert list(pd.factorize(f["industry"], sort=True)[1]) == [x for x in labels]
    assert segments(base, "product") == (["10", "101", "9", "unknown"], [0, 2, 1, 2, 3, 0, 2])


def test_vintage_is_the_origination_year_and_renewal_true_false() -> None:
    f = ledger(6, origination_date=["2019-03-01", "2020-01-01", None, "2019-12-31", "2021-06-30", "2020-05-05"],
               renewal_flag=[True, False, None, True, None, False])
    base = prepare(f, THRESHOLDS)
    assert segments(base, "vintage") == (["2019", "2020", "2021", "unknown"], [0, 1, 3, 0, 2, 1])
    assert segments(base, "renewal") == (["false", "true", "unknown"], [1, 0, 2, 1, 2, 0])
    got = rows_of(base)
    assert got["renewed"].tolist() == [True, False, pd.NA, True, pd.NA, False]


def test_size_buckets_are_right_closed_and_only_those_in_use_are_named() -> None:
    amount = [1_000_000.0, 1_000_000.01, 5_000_000.0, 10_000_000.0, 10_000_001.0, np.nan]
    f = ledger(6, amount=amount, balance=[1.0, 1.0, 1.0, 1.0, 1.0, 500.0])
    base = prepare(f, THRESHOLDS)
    assert segments(base, "size_bucket") == (["<=1m", "1m-5m", "5m-10m", ">10m"], [0, 1, 1, 2, 3, 0])
    assert rows_of(base)["size"].tolist() == [*amount[:5], 500.0]      # amount, else balance
    base = prepare(f.drop(index=3), THRESHOLDS)                      # nothing in 5m-10m
    assert segments(base, "size_bucket") == (["<=1m", "1m-5m", ">10m"], [0, 1, 1, 2, 0])


def test_term_counts_a_started_month_and_buckets_at_the_edges() -> None:
    f = ledger(7, origination_date=["2020-01-15"] * 5 + ["2021-01-31", "2021-02-28"],
               maturity_date=["2021-01-15", "2021-01-16", "2025-01-15", "2025-01-16", None, "2021-02-28",
                              "2021-03-31"])
    base = prepare(f, THRESHOLDS)
    got = rows_of(base)
    # 12 months exactly; a 13th started; 60; 61; no maturity; month end to month end: 1 and 2 (31 > 28)
    assert got["term_months"].fillna(-1).tolist() == [12, 13, 60, 61, -1, 1, 2]
    assert segments(base, "term_bucket") == (["short", "medium", "long", "unknown"], [0, 1, 1, 2, 3, 0, 0])


def test_the_floor_at_a_threshold_is_that_grade() -> None:
    days = [0.0, 1.0, 90.0, 91.0, 270.0, 271.0, 360.0, 361.0, np.nan]
    base = prepare(ledger(9, days_past_due=days), THRESHOLDS)
    assert rows_of(base)["floor"].tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 0]


def test_the_floor_sql_is_ledger_floor_even_when_thresholds_cross() -> None:
    days = np.arange(-1.0, 400.0)
    crossed = {**THRESHOLDS, "floor_days_doubtful": 50.0}   # the worst grade whose threshold is met wins
    engine = DuckDBBackend()
    engine.register("d", pd.DataFrame({"days_past_due": np.append(days, np.nan)}))
    for thresholds in (THRESHOLDS, crossed):
        got = engine.query(f"SELECT {floor_sql(thresholds, 'days_past_due')} AS f FROM d")["f"].to_numpy()
        assert (got == floor_codes(pd.Series(np.append(days, np.nan)), thresholds)).all()
    assert engine.query(f"SELECT {floor_sql(crossed, 'days_past_due')} AS f FROM d")["f"].iloc[61] == 3


def test_snapshot_and_period_codes_and_the_stock() -> None:
    f = pd.DataFrame({
        "as_of": pd.to_datetime(["2022-06-30", "2022-12-31", "2023-03-31 15:30", "2023-12-31", "2023-03-31",
                                 "2022-12-31"], format="ISO8601"),
        "loan_id": ["A", "A", "A", "A", "B", "B"],
        "customer_id": ["X", "X", "X", "X", None, "Y"],
        "balance": [5.0, 4.0, 0.0, np.nan, 2.0, 3.0],
        "five_category": ["normal", "loss", None, "doubtful", "special_mention", "substandard"],
    })
    base = prepare(f, THRESHOLDS)
    assert [d.strftime("%Y-%m-%d") for d in base.dates] == ["2022-06-30", "2022-12-31", "2023-03-31", "2023-12-31"]
    assert [d.strftime("%Y-%m-%d") for d in base.annual] == ["2022-12-31", "2023-12-31"]
    got = rows_of(base)
    assert got["date"].tolist() == [0, 1, 2, 3, 2, 1]          # 15:30 is the same day
    assert got["period"].tolist() == [0, 0, 1, 1, 1, 0]        # (t−1, t] of the year ends
    assert got["stock"].tolist() == [True, True, False, False, True, True]
    assert got["balance"].tolist() == [5.0, 4.0, 0.0, 0.0, 2.0, 3.0]
    assert got["grade"].tolist() == [0, 4, -1, 3, 1, 2]
    assert got["customer"].tolist()[4] == -1 and len(set(got["customer"]) - {-1}) == base.n_customers == 2
    assert base.n_loans == 2 and sorted(set(got["loan"])) == [0, 1]
    assert base.has("balance") and not base.has("days_past_due")


def test_inclusive_types_groups_and_guarantee_pools() -> None:
    f = ledger(5, customer_type=["micro_enterprise", "farmer", None, "small_enterprise", "state_owned"],
               group_id=["G2", None, "G1", "G2", None],
               guarantee_type=["credit", "mortgage", "guarantee", None, "other_x"])
    base = prepare(f, THRESHOLDS)
    got = rows_of(base)
    assert got["inclusive_type"].tolist() == [True, False, False, True, False]
    assert got["grp"].tolist()[1] == got["grp"].tolist()[4] == -1 and got["grp"][0] == got["grp"][3] != got["grp"][2]
    assert segments(base, "guarantee_type") == (["credit", "guarantee", "mortgage", "other_x", "unknown"],
                                                [0, 2, 1, 4, 3])
    assert segments(base, "guarantee_group") == (["unsecured", "secured", "other"], [0, 1, 0, 2, 2])


@pytest.mark.parametrize(("frame", "code"), [
    (ledger(2).assign(as_of=["2023-12-31", None]), "E711"),
    (ledger(2).assign(five_category=["normal", "great"]), "E709"),
    (ledger(0), "E710"),
    (ledger(2).drop(columns="balance"), "E708"),
])
def test_what_cannot_be_prepared_is_refused(frame: pd.DataFrame, code: str) -> None:
    with pytest.raises(AnalysisError) as e:
        prepare(frame, THRESHOLDS)
    assert e.value.code == code
    if code == "E709":
        assert "great" in str(e.value)


def test_segment_names_of_a_snapshot_for_the_watchlist() -> None:
    f = pd.concat([ledger(3, industry=["A", None, "B"]),
                   ledger(3, industry=["B", "A", None]).assign(as_of="2024-12-31", balance=[1.0, 0.0, 2.0])])
    base = prepare(f, THRESHOLDS)
    labels = {d: s.labels for d, s in base.dims.items()}
    got = segment_names(base.backend, labels, date=1)          # the stock of 2024-12-31: L0 and L2
    assert got["loan_id"].tolist() == ["L0", "L2"]
    assert got["industry"].tolist() == ["B", "unknown"]
    assert got["size_bucket"].tolist() == ["<=1m", "<=1m"]


def test_floor_and_segment_codes_and_another_backend() -> None:
    f = ledger(3, days_past_due=[0.0, 95.0, np.nan], industry=["B", "A", "B"])
    base = prepare(f, THRESHOLDS)
    got = base.backend.query(f"SELECT floor, seg_industry FROM {ROWS} ORDER BY row")
    assert got["floor"].tolist() == [0, 2, 0] and got["seg_industry"].tolist() == [1, 0, 1]
    assert base.dims["industry"].labels.tolist() == ["A", "B"]
    assert base.frame is base._source and len(base.frame) == 3
    other = DuckDBBackend()
    register_rows(base, other)
    pd.testing.assert_frame_equal(other.query(f"SELECT * FROM {ROWS} ORDER BY row"), rows_of(base))


def test_create_keeps_the_order_it_is_asked_for() -> None:
    engine = DuckDBBackend()
    engine.register("t", pd.DataFrame({"row": [0, 1, 2], "k": ["c", "a", "b"]}))
    engine.create("t2", "SELECT t.row, u.n FROM t JOIN (SELECT k, row AS n FROM t ORDER BY k) AS u USING (k) "
                        "ORDER BY u.n DESC", order_by="row")
    assert engine.query("SELECT row FROM t2")["row"].tolist() == [0, 1, 2]   # stored in row order
    engine.create("t", "SELECT 5 AS row")                                   # replaces a registered frame
    assert engine.query("SELECT * FROM t")["row"].tolist() == [5]


def test_snapshot_segments_of_some_dimensions_are_those_of_all() -> None:
    f = ledger(4, industry=["B", None, "A", "B"], guarantee_type=["credit", "pledge", None, "other_x"],
               amount=[10.0, 2e6, 6e6, 2e7])
    every = snapshot_segments(f, THRESHOLDS)
    some = snapshot_segments(f, THRESHOLDS, {"guarantee_group", "size_bucket", "region"})   # no region here
    assert list(some.columns) == ["loan_id", "size_bucket", "guarantee_group"]
    assert some["guarantee_group"].tolist() == ["unsecured", "secured", "other", "other"]
    assert some["size_bucket"].tolist() == ["<=1m", "1m-5m", "5m-10m", ">10m"]
    for dim in ("size_bucket", "guarantee_group"):
        assert some[dim].tolist() == every[dim].tolist()
    assert every["industry"].tolist() == ["B", "unknown", "A", "B"] and every["loan_id"].tolist() == list(f["loan_id"])
