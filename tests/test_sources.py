"""LEDGER as a folder, a glob or Hive-style partitions (ledger/sources.py): the same ledger as one file,
and every message still names the one file and row it is about."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from metrics_fixture import ledger_frame
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.errors import LedgerError
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.ledger.schema import load_column_map
from microcredit_risk.ledger.sources import expand_sources

SNAPSHOTS = ("2021-12-31", "2022-06-30", "2022-12-31", "2023-12-31")
E026 = ("no ledger file (.xlsx, .xlsm, .xls, .ods, .csv, .tsv, .parquet) found: a folder is searched "
        "recursively, a pattern is matched as written; hidden files and names starting with _ or ~$ are skipped "
        "[E026]")


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def by_snapshot() -> dict[str, pd.DataFrame]:
    frame = ledger_frame()
    return {d: frame[frame["as_of"] == pd.Timestamp(d)].reset_index(drop=True) for d in SNAPSHOTS}


def write_hive(root: Path, parts: dict[str, pd.DataFrame] | None = None, keep_as_of: bool = False) -> Path:
    """``root/as_of=D/part-0.parquet`` per snapshot, without the as_of column (as Spark writes them)."""
    for d, part in (parts or by_snapshot()).items():
        folder = root / f"as_of={d}"
        folder.mkdir(parents=True)
        (part if keep_as_of else part.drop(columns="as_of")).to_parquet(folder / "part-0.parquet")
    return root


@pytest.fixture(scope="module")
def one_file(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("one") / "ledger.parquet"
    ledger_frame().to_parquet(path)
    return load_ledger(path).frame


def test_a_folder_of_monthly_files_reads_as_the_one_file(one_file: pd.DataFrame, tmp_path: Path) -> None:
    for d, part in by_snapshot().items():
        part.to_parquet(tmp_path / f"ledger_{d}.parquet")
    book = load_ledger(tmp_path)
    pd.testing.assert_frame_equal(book.frame, one_file)
    assert [Path(s.file).name for s in book.sources] == [f"ledger_{d}.parquet" for d in SNAPSHOTS]
    assert {s.as_of_from for s in book.sources} == {"column"}


def test_hive_partitions_date_the_files_below_them(one_file: pd.DataFrame, tmp_path: Path) -> None:
    book = load_ledger(write_hive(tmp_path / "ledger"))
    pd.testing.assert_frame_equal(book.frame, one_file)
    assert [s.file for s in book.sources] == [str(tmp_path / "ledger" / f"as_of={d}" / "part-0.parquet")
                                             for d in SNAPSHOTS]
    assert {s.as_of_from for s in book.sources} == {"partition folder"}


def test_a_glob_reads_as_the_one_file(one_file: pd.DataFrame, tmp_path: Path) -> None:
    write_hive(tmp_path / "ledger")
    pd.testing.assert_frame_equal(load_ledger(str(tmp_path / "ledger" / "*" / "*.parquet")).frame, one_file)
    pd.testing.assert_frame_equal(load_ledger(str(tmp_path / "**" / "part-*.parquet")).frame, one_file)
    # a pattern matching partition folders reads what is inside them
    only_2022 = load_ledger(str(tmp_path / "ledger" / "as_of=2022-*"))
    assert only_2022.snapshots == [pd.Timestamp("2022-06-30"), pd.Timestamp("2022-12-31")]


def test_folders_mix_formats_sorted_and_skip_bookkeeping(tmp_path: Path) -> None:
    parts = by_snapshot()
    (tmp_path / "b").mkdir()
    parts["2021-12-31"].to_parquet(tmp_path / "b" / "x.parquet")
    parts["2022-06-30"].to_csv(tmp_path / "a.csv", index=False)
    for junk in ("_SUCCESS", ".part-0.parquet.crc", "README.txt", "~$a.xlsx", "notes.md"):
        (tmp_path / junk).write_text("not a ledger", "utf-8")
    (tmp_path / "_temporary").mkdir()
    (tmp_path / "_temporary" / "y.parquet").write_text("half-written", "utf-8")
    files = expand_sources([tmp_path], load_column_map(None))
    assert [f.path for f in files] == [tmp_path / "a.csv", tmp_path / "b" / "x.parquet"]
    assert load_ledger(tmp_path).snapshots == [pd.Timestamp("2021-12-31"), pd.Timestamp("2022-06-30")]


def test_a_bad_balance_in_the_third_partition_names_its_file_and_row(tmp_path: Path) -> None:
    parts = by_snapshot()
    parts["2022-12-31"].loc[1, "balance"] = -5.0  # second data row: row 3 under the header
    root = write_hive(tmp_path / "ledger", parts)
    bad = root / "as_of=2022-12-31" / "part-0.parquet"
    code, out, err = invoke("validate", root)
    assert (code, out) == (1, "")
    assert err == f"mcr: error: {bad}, row 3, column 'balance': balance -5.0 is not a non-negative number [E006]\n"


def test_an_as_of_column_that_disagrees_with_its_partition_is_refused(tmp_path: Path) -> None:
    parts = by_snapshot()
    parts["2022-12-31"].loc[2, "as_of"] = pd.Timestamp("2022-06-30")  # row 4
    root = write_hive(tmp_path / "ledger", parts, keep_as_of=True)
    bad = root / "as_of=2022-12-31" / "part-0.parquet"
    with pytest.raises(LedgerError) as info:
        load_ledger(root)
    assert info.value.code == "E027"
    assert str(info.value) == (f"{bad}, row 4, column 'as_of': as_of 2022-06-30 disagrees with the partition "
                               "folder as_of=2022-12-31 the file sits in [E027]")
    # agreeing columns are fine
    assert len(load_ledger(write_hive(tmp_path / "ok", keep_as_of=True)).frame) == len(ledger_frame())


def test_nested_partitions_that_disagree_and_a_partition_that_is_no_date(tmp_path: Path) -> None:
    part = by_snapshot()["2021-12-31"].drop(columns="as_of")
    nested = tmp_path / "as_of=2021-12-31" / "as_of=2022-12-31"
    nested.mkdir(parents=True)
    part.to_parquet(nested / "p.parquet")
    assert invoke("validate", nested / "p.parquet")[2] == (
        f"mcr: error: {nested / 'p.parquet'}: as_of 2021-12-31 disagrees with the partition folder "
        "as_of=2022-12-31 the file sits in [E027]\n")
    odd = tmp_path / "as_of=soon"
    odd.mkdir()
    part.to_parquet(odd / "p.parquet")
    assert invoke("validate", odd) == (
        1, "", f"mcr: error: {odd / 'p.parquet'}: snapshot date 'as_of=soon' cannot be parsed [E008]\n")


def test_an_alias_names_the_partition_and_it_wins_over_as_of_option(tmp_path: Path) -> None:
    part = by_snapshot()["2023-12-31"].drop(columns="as_of")
    folder = tmp_path / "数据日期=2023-12-31"
    folder.mkdir()
    part.to_parquet(folder / "p.parquet")
    assert load_ledger(tmp_path, as_of="2020-12-31").snapshots == [pd.Timestamp("2023-12-31")]
    # Hive's habitual dt=… is no alias: the column map names it
    spark = tmp_path.parent / f"{tmp_path.name}_spark"
    (spark / "dt=2022-12-31").mkdir(parents=True)
    part.to_parquet(spark / "dt=2022-12-31" / "p.parquet")
    with pytest.raises(LedgerError, match=r"\[E009\]"):
        load_ledger(spark)
    cmap = tmp_path.parent / f"{tmp_path.name}_map.toml"
    cmap.write_text('[columns]\n"dt" = "as_of"\n', "utf-8")
    assert load_ledger(spark, columns=cmap).snapshots == [pd.Timestamp("2022-12-31")]


def test_an_empty_folder_and_a_pattern_matching_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("monthly files go here", "utf-8")
    assert invoke("validate", empty) == (1, "", f"mcr: error: {empty}: {E026}\n")
    pattern = tmp_path / "*.parquet"
    assert invoke("analyze", pattern, "--out", tmp_path / "run") == (1, "", f"mcr: error: {pattern}: {E026}\n")
    assert invoke("validate", empty, "--lang", "zh")[2] == (
        f"mcr: error: {empty}：没有找到台账文件（.xlsx、.xlsm、.xls、.ods、.csv、.tsv、.parquet）：文件夹会递归查找，"
        "通配模式按原样匹配；隐藏文件及以 _ 或 ~$ 开头的文件不计 [E026]\n")


def test_validate_shows_every_file_read(tmp_path: Path) -> None:
    root = write_hive(tmp_path / "ledger")
    result = CliRunner().invoke(app, ["validate", str(root)], env={"COLUMNS": "400"})  # no wrapped cells
    code, out, err = result.exit_code, result.stdout, result.stderr
    assert (code, err) == (0, "")
    assert "19 rows from 4 table(s) in 4 file(s)" in out
    for d in SNAPSHOTS:
        assert str(root / f"as_of={d}" / "part-0.parquet") in out
    assert out.count("partition folder") == 4


def test_a_parquet_file_with_a_stored_index_keeps_its_rows_and_a_named_index(tmp_path: Path) -> None:
    part = by_snapshot()["2022-12-31"]
    part.index = part.index + 100  # a slice of a bigger frame keeps its labels when written
    part.to_parquet(tmp_path / "slice.parquet")
    assert len(load_ledger(tmp_path / "slice.parquet").frame) == len(part)
    part.set_index("loan_id").to_parquet(tmp_path / "indexed.parquet")
    assert sorted(load_ledger(tmp_path / "indexed.parquet").frame["loan_id"]) == sorted(part["loan_id"])


def test_a_warning_counted_across_partitions_says_how_many_files(tmp_path: Path) -> None:
    parts = by_snapshot()
    for d in ("2022-12-31", "2023-12-31"):   # one zero balance in each of two partitions
        parts[d].loc[0, "balance"] = 0.0
    book = load_ledger(write_hive(tmp_path, parts))
    w = next(i for i in book.issues if i.code == "W102")
    first = tmp_path / "as_of=2022-12-31" / "part-0.parquet"
    assert w.count == 3   # the two set here and the fixture's own zero balance (2022-12-31, row 5)
    assert w.rows == (2, 5, 2)
    assert w.line() == (f"{first}, and 1 other file or sheet, column 'balance': 3 loan rows with balance 0 "
                        "kept but excluded from stock metrics [W102]")
    assert w.line("zh").startswith(f"{first}，及另外 1 个文件或工作表，列“balance”")
