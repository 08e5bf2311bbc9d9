"""Ledger order without one big sort (engine/ledger_order.py): parts grouped into snapshot-disjoint runs,
runs put together into pieces. Hand-made parts with the expected groups written out, and properties."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from microcredit_risk.engine.ledger_order import Part, parts_sql, pieces, runs


def _part(name: str, seq: int, first: str, last: str, rows: int = 10) -> Part:
    return Part(name, 0, seq, rows, first, last, ("as_of", "loan_id", "_src", "_row"))


A = _part("a", 0, "2020-01-31", "2020-01-31")
B = _part("b", 10, "2020-03-31", "2020-03-31")
C = _part("c", 20, "2020-02-29", "2020-02-29")
D = _part("d", 30, "2020-02-29", "2020-03-31")   # overlaps both C and B: one run with them


def test_disjoint_parts_are_runs_of_one_in_as_of_order() -> None:
    assert [[p.file for p in r] for r in runs([A, B, C])] == [["a"], ["c"], ["b"]]


def test_overlapping_parts_share_a_run_in_reading_order() -> None:
    # C (Feb) and D (Feb–Mar) overlap, and D reaches B (Mar): one run, its parts in reading order
    assert [[p.file for p in r] for r in runs([A, B, C, D])] == [["a"], ["b", "c", "d"]]


def test_pieces_put_runs_together_up_to_the_limit() -> None:
    assert [[p.file for p in g] for g in pieces([A, B, C], max_rows=20)] == [["a", "c"], ["b"]]
    assert [[p.file for p in g] for g in pieces([A, B, C], max_rows=9)] == [["a"], ["c"], ["b"]]  # a run never splits
    assert [[p.file for p in g] for g in pieces([A, B, C, D], max_rows=15)] == [["a"], ["b", "c", "d"]]


def test_a_piece_lacking_a_column_reads_it_as_null_of_its_type() -> None:
    sql = parts_sql([A], "offsets", {"as_of": "TIMESTAMP", "loan_id": "VARCHAR", "amount": "DOUBLE",
                                     "_src": "INTEGER", "_seq": "BIGINT"})
    assert 'CAST(NULL AS DOUBLE) AS "amount"' in sql and "JOIN" not in sql   # one part: offsets as constants
    assert "CAST(p._lseq + 0 AS BIGINT) AS _seq" in sql


_days = st.dates(min_value=date(2019, 1, 1), max_value=date(2019, 12, 31))


@given(st.lists(st.tuples(_days, _days, st.integers(1, 50)), min_size=1, max_size=12), st.integers(1, 200))
def test_runs_cover_every_part_once_with_disjoint_ranges_in_order(spans, limit) -> None:
    parts = [_part(f"p{i}", i * 100, str(min(a, b)), str(max(a, b)), n) for i, (a, b, n) in enumerate(spans)]
    got = runs(parts)
    assert sorted(p.file for r in got for p in r) == sorted(p.file for p in parts)
    bounds = [(min(p.first for p in r), max(p.last for p in r)) for r in got]
    assert all(b[1] < c[0] for b, c in zip(bounds, bounds[1:], strict=False))   # disjoint, ascending
    assert all([p.seq_start for p in r] == sorted(p.seq_start for p in r) for r in got)
    grouped = pieces(parts, limit)
    assert [p.file for g in grouped for p in g] == [p.file for r in got for p in r]   # runs kept whole, in order
    assert all(sum(p.rows for p in g) <= limit or len(runs(g)) == 1 for g in grouped)


def test_ledger_rows_pieces_are_consecutive_snapshots_of_about_the_set_rows() -> None:
    from types import SimpleNamespace

    from microcredit_risk.metrics.rows import _pieces

    days = [(f"2020-{m:02d}-01", m - 1, 0) for m in range(1, 13)]
    # 12 snapshots of 10M rows: 2.4 snapshots make 2M rows → 2 a piece, 6 pieces (first, last day)
    got = SimpleNamespace(n_rows=10_000_000, plan=SimpleNamespace(days=days))
    assert _pieces(got) == [("2020-01-01", "2020-02-01"), ("2020-03-01", "2020-04-01"), ("2020-05-01", "2020-06-01"),
                            ("2020-07-01", "2020-08-01"), ("2020-09-01", "2020-10-01"), ("2020-11-01", "2020-12-01")]
    assert _pieces(SimpleNamespace(n_rows=4_000_000, plan=SimpleNamespace(days=days))) == []   # two pieces' worth: whole
