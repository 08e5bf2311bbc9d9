"""A streamed ledger (engine/ingest.py) is the ledger load_ledger reads: same rows, values, warnings, errors.

The streamed path canonicalises one table at a time into DuckDB and runs the whole-ledger checks as
SQL (engine/checks_sql.py); here every observable of the in-memory reader is compared with it — the
canonical frame, the sources, every warning with its location and first rows, the one-line error of
each bad-input corpus file — and the batching of a big Parquet file keeps spreadsheet row numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_bad_input import CASES
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.engine.backends import DuckDBBackend
from microcredit_risk.engine.ingest import StoredLedger, ingest_ledger
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.ledger.problems import LedgerError
from microcredit_risk.sample.monthly import plan_monthly, write_monthly

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def _store(tmp: Path) -> DuckDBBackend:
    return DuckDBBackend(database=str(tmp / "ledger.duckdb"), temp_directory=str(tmp / "spill"))


def _issues(ledger) -> list[tuple]:
    return [(i.code, i.count, i.location, i.rows) for i in ledger.issues]


def _same(paths: list[Path], tmp: Path, **options) -> StoredLedger:
    memory = load_ledger(paths, **options)
    stored = ingest_ledger(paths, _store(tmp), **options)
    pd.testing.assert_frame_equal(stored.frame, memory.frame)
    assert _issues(stored) == _issues(memory)
    assert stored.sources == memory.sources and stored.matches == memory.matches
    assert stored.snapshots == memory.snapshots and stored.warning_rows == len(memory.frame)
    assert stored.annual_snapshots == memory.annual_snapshots
    assert stored.columns == memory.columns and stored.row_count == memory.row_count
    pd.testing.assert_frame_equal(stored.per_snapshot(), memory.per_snapshot(), check_dtype=False, rtol=1e-12)
    return stored


def test_shipped_workbook_streams_to_the_same_ledger(tmp_path: Path) -> None:
    stored = _same([SAMPLE / "village_bank.xlsx"], tmp_path)
    assert stored.has("industry") and not stored.has("no_such_column")
    latest = stored.at([stored.snapshots[-1]])
    assert set(latest["as_of"]) == {stored.snapshots[-1]} and len(latest) > 0


@pytest.fixture(scope="module")
def monthly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("monthly") / "book"
    write_monthly(plan_monthly("city_branch", seed=3, loans=150), out)
    return out


def test_partition_folder_streams_to_the_same_ledger(monthly: Path, tmp_path: Path) -> None:
    stored = _same([monthly], tmp_path)
    assert len(stored.snapshots) == 60
    codes = {i.code for i in stored.issues}
    assert "W107" in codes  # the sample grades some overdue loans better than their floor: counted in SQL


def _split_a_month(monthly: Path, out: Path, duplicate: bool = False) -> Path:
    """A copy of the monthly folder whose 2021-06-30 snapshot is two files, alternate rows in each (the
    two parts of one run, sorted together); ``duplicate``: the second file repeats a loan of the first."""
    import shutil

    shutil.copytree(monthly, out)
    folder = out / "as_of=2021-06-30"
    (only,) = folder.glob("*.parquet")
    month = pd.read_parquet(only)
    only.unlink()
    first, second = month.iloc[::2], month.iloc[1::2]
    if duplicate:
        second = pd.concat([second, first.iloc[[3]]])
    first.to_parquet(folder / "a.parquet")
    second.to_parquet(folder / "b.parquet")
    return out


def test_small_pieces_and_a_month_in_two_files_give_the_same_ledger(monthly: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import microcredit_risk.engine.ingest as ingest

    split = _split_a_month(monthly, tmp_path / "split")
    monkeypatch.setattr(ingest, "PIECE_ROWS", 500)   # ≈ 5 snapshots a piece: many pieces, one of two files
    stored = _same([split], tmp_path / "db")
    assert len(stored.sources) == 61 and len(stored.snapshots) == 60


def test_a_loan_twice_in_two_files_of_one_month_is_e005_streamed(monthly: Path, tmp_path: Path) -> None:
    split = _split_a_month(monthly, tmp_path / "split", duplicate=True)
    with pytest.raises(LedgerError) as memory:
        load_ledger([split])
    with pytest.raises(LedgerError) as stored:
        ingest_ledger([split], _store(tmp_path))
    assert stored.value.code == "E005" and str(stored.value) == str(memory.value)
    assert "b.parquet" in str(stored.value) and "a.parquet, row" in str(stored.value)


def test_a_big_parquet_file_is_read_in_batches_with_its_row_numbers(tmp_path: Path) -> None:
    frame = load_ledger(SAMPLE / "village_bank.xlsx").frame
    frame["five_category"] = frame["five_category"].astype(str)
    path = tmp_path / "book.parquet"
    frame.to_parquet(path, row_group_size=500)
    stored = ingest_ledger([path], _store(tmp_path / "a"), batch_rows=1000)
    assert len({s.file for s in stored.sources}) == 1 and len(stored.sources) == -(-len(frame) // 1000)
    pd.testing.assert_frame_equal(stored.frame, load_ledger(path).frame)
    bad = frame.copy()
    bad.loc[2345, "five_category"] = "未知"   # data row 2346 → spreadsheet row 2347 (header is row 1)
    bad.to_parquet(path, row_group_size=500)
    with pytest.raises(LedgerError) as info:
        ingest_ledger([path], _store(tmp_path / "b"), batch_rows=1000)
    assert info.value.code == "E007" and "row 2347" in str(info.value)
    with pytest.raises(LedgerError) as whole:
        load_ledger(path)
    assert str(whole.value) == str(info.value)


@pytest.mark.parametrize(("name", "code", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_the_same_line_streamed(corpus: Path, tmp_path: Path, name: str, code: str,
                                                fragments: list[str]) -> None:
    with pytest.raises(LedgerError) as memory:
        load_ledger(corpus / name)
    with pytest.raises(LedgerError) as stored:
        ingest_ledger([corpus / name], _store(tmp_path))
    assert stored.value.code == code and str(stored.value) == str(memory.value)


def test_append_keeps_an_all_missing_text_column_null_and_adds_new_columns(tmp_path: Path) -> None:
    b = _store(tmp_path)
    b.append("t", pd.DataFrame({"a": pd.array(["x", "y"], dtype="str"), "n": [1.0, 2.0]}))
    b.append("t", pd.DataFrame({"a": [np.nan], "n": [3.0], "extra": ["z"]}))   # pandas: all-NaN text is float
    got = b.query("SELECT a, n, extra FROM t ORDER BY n")
    assert got["a"].tolist()[:2] == ["x", "y"] and pd.isna(got["a"].iloc[2])
    assert got["n"].tolist() == [1.0, 2.0, 3.0]
    assert pd.isna(got["extra"].iloc[0]) and got["extra"].iloc[2] == "z"


def _cli(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stderr


def test_stream_and_memory_print_the_same_metrics(monthly: Path) -> None:
    a = CliRunner().invoke(app, ["metrics", str(monthly), "-f", "json", "--stream"])
    b = CliRunner().invoke(app, ["metrics", str(monthly), "-f", "json", "--no-stream"])
    assert a.exit_code == 0 and b.exit_code == 0
    assert a.stdout == b.stdout and '"metric": "npl_ratio"' in a.stdout


def test_ledger_rows_made_in_pieces_give_the_same_metrics_byte_for_byte(monthly: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import microcredit_risk.metrics.rows as rows

    whole = CliRunner().invoke(app, ["metrics", str(monthly), "-f", "json", "--stream"])
    monkeypatch.setattr(rows, "PIECE_ROWS", 400)   # ≈ 3 snapshots a piece, each made on every core
    pieced = CliRunner().invoke(app, ["metrics", str(monthly), "-f", "json", "--stream"])
    assert whole.exit_code == 0 and pieced.exit_code == 0
    assert pieced.stdout == whole.stdout


@pytest.mark.parametrize(("args", "line"), [
    (["--engine", "nope"], "mcr: error: --engine: 'nope' is not one of duckdb, spark [E602]"),
    (["--spark-conf", "spark.executor.memory"],
     "mcr: error: --spark-conf: takes KEY=VALUE (e.g. spark.executor.memory=8g), not 'spark.executor.memory' [E612]"),
    (["--stream", "--anonymize"],
     "mcr: error: --anonymize: not yet available for a ledger streamed into the engine (more rows than memory "
     "holds); pseudonymise the extract first, or run with --no-stream [E611]"),
])
def test_engine_options_refused_with_one_line(tmp_path: Path, args: list[str], line: str) -> None:
    code, err = _cli("analyze", SAMPLE / "village_bank.xlsx", "-o", tmp_path / "run", "--quiet", *args)
    assert code == 2 and err.strip().splitlines() == [line]
    assert not (tmp_path / "run").exists()


def test_a_database_table_streams_to_the_same_ledger_in_chunks(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from db_fixtures import write_duckdb

    from microcredit_risk.ledger import database

    duck = write_duckdb(tmp_path / "bank.duckdb")
    url = f"duckdb:///{duck}?table=loans"
    monkeypatch.setattr(database, "CHUNK_ROWS", 1000)   # several chunks: still one source, as load_ledger reads it
    monkeypatch.setattr(database, "BATCH_ROWS", 300)
    stored = _same([url], tmp_path / "store")   # type: ignore[list-item]
    assert len(stored.sources) == 1 and stored.sources[0].file == url


def _memory_setting(stored: StoredLedger) -> float:
    """DuckDB's memory limit as it reports it, in GiB."""
    text = str(stored.backend.query("SELECT current_setting('memory_limit') AS m")["m"].iloc[0])
    value, unit = text.split()
    return float(value) * {"MiB": 1 / 1024, "GiB": 1.0}[unit]


def test_a_streamed_run_gives_duckdb_memory_back_once_the_aggregates_are_made(monthly: Path) -> None:
    from microcredit_risk.engine.options import EngineOptions
    from microcredit_risk.pipeline import Session

    session = Session([monthly], engine=EngineOptions(stream=True))
    _ = session.metrics
    stored = session.ledger
    assert isinstance(stored, StoredLedger) and stored.backend.memory_limit == "2GB"   # the floor, while aggregating
    stored.backend.set_memory_limit("3GB")   # as a bigger ledger's default would be
    assert 2.7 <= _memory_setting(stored) <= 2.8   # 3 GB = 2.79 GiB, shown as "2.7 GiB"
    _ = session.findings
    assert stored.backend.memory_limit == "2GB" and 1.8 <= _memory_setting(stored) <= 1.87   # 2 GB = 1.86 GiB
    assert stored._per_snapshot is not None   # validation's whole-ledger counts made before
    chosen = Session([monthly], engine=EngineOptions(stream=True, memory_limit="3GB"))
    _ = chosen.findings
    assert chosen.ledger.backend.memory_limit == "3GB"   # the user's --memory-limit is kept


def test_a_few_columns_of_a_snapshot_are_the_same_streamed(monthly: Path, tmp_path: Path) -> None:
    memory = load_ledger([monthly])
    stored = ingest_ledger([monthly], _store(tmp_path))
    days = memory.annual_snapshots[-2:]
    wanted = ["loan_id", "five_category", "balance", "no_such_column"]
    got = stored.at(days, columns=wanted)
    assert list(got.columns) == ["loan_id", "five_category", "balance"]
    pd.testing.assert_frame_equal(got, memory.at(days, columns=wanted))
    assert len(got) == int(memory.frame["as_of"].isin(days).sum())
