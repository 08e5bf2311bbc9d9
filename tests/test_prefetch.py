"""``DuckDBBackend.prefetch``: aggregates run side by side on cursors give the answers ``query`` gives
alone, bit for bit, and ``compute_metrics`` prefetches exactly the queries its families take."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from microcredit_risk.engine.backends import DuckDBBackend
from microcredit_risk.errors import AnalysisError
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.metrics.compute import compute_metrics
from microcredit_risk.profile import load_profile

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _rows(backend: DuckDBBackend, n: int = 50_000) -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"row": np.arange(n), "g": rng.integers(0, 7, n),
                          "x": rng.lognormal(10, 2, n), "y": rng.normal(0, 1e6, n)})
    backend.register("ledger", frame)
    backend.create("ledger_rows", "SELECT * FROM ledger", order_by="row")


SUMS = ["SELECT g, SUM(x) AS sx, SUM(y * x) AS sxy FROM ledger_rows GROUP BY g ORDER BY g",
        "SELECT g, SUM(y) AS sy, COUNT(DISTINCT CAST(x AS BIGINT)) AS d FROM ledger_rows GROUP BY g ORDER BY g",
        "SELECT SUM(x) AS total FROM ledger_rows"]


def test_prefetched_answers_are_the_ones_query_gives_alone():
    alone = DuckDBBackend()
    _rows(alone)
    expected = [alone.query(sql) for sql in SUMS]
    side = DuckDBBackend(cores=2)
    _rows(side)
    side.prefetch([*SUMS, SUMS[0]])   # the same text twice: two answers, taken in turn
    got = [side.query(sql) for sql in SUMS] + [side.query(SUMS[0])]
    for e, g in zip([*expected, expected[0]], got, strict=True):
        pd.testing.assert_frame_equal(e, g, check_exact=True)
    assert side._ahead == {}
    alone.close()
    side.close()


def test_a_prefetched_error_is_raised_by_the_query_that_takes_it_and_an_unused_one_never():
    b = DuckDBBackend(cores=2)
    _rows(b)
    b.prefetch(["SELECT no_such_column FROM ledger_rows", "SELECT nothing FROM nowhere"])
    with pytest.raises(AnalysisError) as e:
        b.query("SELECT no_such_column FROM ledger_rows")
    assert e.value.code == "E716"
    b.register("ledger", pd.DataFrame({"row": [0], "g": [1], "x": [1.0], "y": [2.0]}))  # waits, then replaces
    b.close()   # the unused failing one is dropped unseen


def test_a_query_that_fails_side_by_side_is_run_again_alone():
    # a registered frame is the connection's own: a cursor cannot see it, the query alone can. So
    # side by side this fails (as a query short of memory beside another might), and alone it answers
    b = DuckDBBackend(cores=2)
    _rows(b)
    sql = "SELECT COUNT(*) AS n, SUM(g) AS sg FROM ledger"
    b.prefetch([sql])
    got = b.query(sql)
    assert got["n"].tolist() == [50_000] and b._ahead == {}
    b.close()


def test_close_drops_what_was_never_taken():
    b = DuckDBBackend(cores=2)
    _rows(b)
    b.prefetch(SUMS)
    b.close()
    assert b._ahead == {}


def test_one_core_prefetches_nothing():
    b = DuckDBBackend(cores=1)
    _rows(b)
    b.prefetch(SUMS)
    assert b._ahead == {}
    b.close()


def test_compute_metrics_takes_every_query_it_prefetched():
    # a query prefetched and never taken would be a family's SQL built two ways: wasted work
    profile = load_profile(SAMPLE / "village_bank.toml")
    ledger = load_ledger([SAMPLE / "village_bank.xlsx"], profile=profile)
    backend = DuckDBBackend(cores=2)
    compute_metrics(ledger, profile, backend=backend)
    assert backend._ahead == {}
    backend.close()


def test_a_streamed_ledger_gets_2gb_per_10m_rows_at_least_2gb_at_most_a_third_of_ram():
    import os

    from microcredit_risk.engine.options import stream_memory_limit

    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cap = max(2, int(ram_gib / 3))                      # 23.5 GiB machine: 7
    assert stream_memory_limit(3_000_000) == "2GB"      # the floor
    assert stream_memory_limit(10_000_000) == "2GB"     # 2GB per 10M rows
    assert stream_memory_limit(20_000_000) == f"{max(2, min(4, cap))}GB"
    assert stream_memory_limit(100_000_000) == f"{max(2, min(20, cap))}GB"
