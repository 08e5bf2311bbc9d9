"""LEDGER as a database table or query (ledger/database.py, ledger/drivers.py): DuckDB and SQLite files.

The same ledger as the workbook it came from (same frame, same metrics), every message naming the URL
and the row's position in the result, each database type parsed exactly, and one coded line for each
way a database source can be wrong. PostgreSQL: tests/test_postgres_source.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

import duckdb
import pandas as pd
import pytest
from db_fixtures import sample_frame, shuffled, sorted_sample, write_duckdb, write_sqlite
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.errors import LedgerError
from microcredit_risk.ledger import database
from microcredit_risk.ledger.database import has_order_by, mask_url, parse_source
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.ledger.sources import source_name
from microcredit_risk.metrics import compute_metrics

E032 = "the table or query returned no rows [E032]"
E031 = "the database could not run the read (the table, the query or an order= column): "


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def url(path: Path, tail: str = "table=loans", scheme: str = "duckdb") -> str:
    return f"{scheme}:///{path}?{tail}"   # an absolute path: four slashes in all


@pytest.fixture(scope="module")
def duck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_duckdb(tmp_path_factory.mktemp("duck") / "bank.duckdb")


def one_table(path: Path, sql: str) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute(sql)
    finally:
        con.close()
    return path


def test_a_duckdb_table_reads_as_the_workbook_it_came_from(duck: Path) -> None:
    book = load_ledger(url(duck))
    pd.testing.assert_frame_equal(book.frame, sample_frame())
    pd.testing.assert_frame_equal(compute_metrics(book).frame, compute_metrics(sample_frame()).frame)
    assert [(s.file, s.sheet, s.header_row, s.rows, s.as_of_from) for s in book.sources] == [
        (url(duck), None, 0, len(sample_frame()), "column")]
    assert not [i for i in book.issues if i.code == "W114"]


def test_a_duckdb_query_and_an_order_reads_the_same(duck: Path) -> None:
    query = "SELECT * FROM loans WHERE balance + 0 >= 0 ORDER BY as_of, loan_id"   # a + stays a plus
    for tail in (f"query={quote(query)}", f"query={query}", "table=loans&order=as_of,loan_id"):
        book = load_ledger(url(duck, tail))
        pd.testing.assert_frame_equal(book.frame, sample_frame())
        assert not [i for i in book.issues if i.code == "W114"], tail


def test_chunks_make_one_source_and_the_same_ledger(duck: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = load_ledger(url(duck))
    monkeypatch.setattr(database, "CHUNK_ROWS", 1000)
    monkeypatch.setattr(database, "BATCH_ROWS", 300)
    book = load_ledger(url(duck))
    pd.testing.assert_frame_equal(book.frame, whole.frame)
    assert book.sources == whole.sources
    assert [i.line() for i in book.issues] == [i.line() for i in whole.issues]
    assert len(book.conversions) == len(whole.conversions)


def test_a_bad_value_names_the_url_and_the_row_of_the_result(duck: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    frame = sorted_sample()
    frame.loc[4, "balance"] = -5.0   # the 5th row by (as_of, loan_id); stored shuffled
    path = write_duckdb(tmp_path / "bad.duckdb", shuffled(frame))
    line = f"mcr: error: {url(path)}, row 5, column 'balance': balance '-5.00' is not a non-negative number [E006]\n"
    assert invoke("validate", url(path)) == (1, "", line)
    monkeypatch.setattr(database, "CHUNK_ROWS", 2)   # in the third chunk: still row 5 of the result
    monkeypatch.setattr(database, "BATCH_ROWS", 1)
    with pytest.raises(LedgerError) as info:
        load_ledger(url(path))
    assert f"mcr: error: {info.value}\n" == line


def test_a_duplicate_loan_names_both_rows_of_the_result(tmp_path: Path) -> None:
    path = one_table(tmp_path / "dup.duckdb", """CREATE TABLE loans AS SELECT * FROM (VALUES
        (DATE '2023-12-31', 'L2', 'C2', 3.00, 'normal'), (DATE '2023-12-31', 'L1', 'C1', 1.00, 'normal'),
        (DATE '2023-12-31', 'L2', 'C9', 4.00, 'normal')) AS t(as_of, loan_id, customer_id, balance, five_category)""")
    assert invoke("validate", url(path)) == (1, "", (
        f"mcr: error: {url(path)}, row 3, column 'loan_id': duplicate loan 'L2' at 2023-12-31 (first seen at "
        f"{url(path)}, row 2) [E005]\n"))


def test_a_query_without_order_by_is_read_with_a_named_warning(duck: Path) -> None:
    book = load_ledger(url(duck, "query=SELECT * FROM loans"))
    pd.testing.assert_frame_equal(book.frame, sample_frame())
    assert [i.line() for i in book.issues if i.code == "W114"] == [
        f"{url(duck, 'query=SELECT * FROM loans')}: row numbers follow the order the database returns the rows "
        "in, which may change from run to run: the query has no ORDER BY [W114]"]


def test_order_by_is_looked_for_at_the_outer_level_only() -> None:
    assert has_order_by("select * from loans order  by as_of")
    assert has_order_by("SELECT * FROM (SELECT * FROM t ORDER BY a) q ORDER BY\nloan_id")
    assert not has_order_by("SELECT * FROM (SELECT * FROM t ORDER BY a) q")
    assert not has_order_by("SELECT 'order by' AS x, \"order by\" FROM t -- order by\n")
    assert not has_order_by("SELECT row_number() OVER (ORDER BY a) FROM t")


def test_each_database_type_reaches_the_parsers_exactly(tmp_path: Path) -> None:
    path = one_table(tmp_path / "types.duckdb", """CREATE TABLE loans AS SELECT * FROM (VALUES
        (DATE '2023-12-31', 9007199254740993::BIGINT, 'C1', 1234567.89::DECIMAL(18,2), '正常',
         0.102::DECIMAL(9,6), TIMESTAMP '2021-03-04 00:00:00', true, 12345678901234567890123::HUGEINT, 30::INTEGER),
        (DATE '2023-12-31', 9007199254740995::BIGINT, 'C2', 0.07::DECIMAL(18,2), '次级',
         NULL, NULL, false, NULL, NULL))
        AS t(as_of, loan_id, customer_id, "贷款余额", five_category, interest_rate, origination_date, renewal_flag,
             group_id, days_past_due)""")
    book = load_ledger(url(path), columns=None)
    f = book.frame
    assert list(f["loan_id"]) == ["9007199254740993", "9007199254740995"]   # a BIGINT id never passes a float
    assert list(f["balance"]) == [1234567.89, 0.07]                           # DECIMAL: every cent
    assert f["interest_rate"].iloc[0] == 0.102 and pd.isna(f["interest_rate"].iloc[1])
    assert list(f["as_of"]) == [pd.Timestamp("2023-12-31")] * 2 and f["as_of"].dtype == "datetime64[us]"
    assert f["origination_date"].iloc[0] == pd.Timestamp("2021-03-04")
    assert list(f["renewal_flag"]) == [True, False]
    assert f["group_id"].iloc[0] == "12345678901234567890123"
    assert f["days_past_due"].iloc[0] == 30.0


def test_a_table_without_key_columns_is_read_with_a_named_warning(tmp_path: Path) -> None:
    path = one_table(tmp_path / "nokey.duckdb", """CREATE TABLE t AS SELECT * FROM (VALUES
        ('K2', 'C2', 6.0, 'normal', [1, 2], MAP {'b': 2}, union_value(num := 2)),
        ('K1', 'C1', 5.0, 'normal', [3], MAP {'a': 1}, union_value(str := 'x')))
        AS t(contract, customer_id, balance, five_category, tags, attrs, kind)""")
    cmap = tmp_path / "map.toml"
    cmap.write_text('[derive]\nloan_id = "contract"\n', "utf-8")   # loan_id made, not found: no key to sort by
    book = load_ledger(url(path, "table=t"), columns=cmap, as_of="2023-12-31")
    assert [i.line() for i in book.issues] == [
        f"{url(path, 'table=t')}: row numbers follow the order the database returns the rows in, which may change "
        "from run to run: the table has no as_of or loan_id column to order by; add order=COLUMN,… to the URL [W114]"]
    assert list(book.frame["loan_id"]) == ["K1", "K2"]
    # lists, maps and unions arrive as their text (pandas can neither hash nor compare them)
    assert list(book.frame["tags"]) == ["[3]", "[1, 2]"] and list(book.frame["attrs"]) == ["[('a', 1)]", "[('b', 2)]"]
    assert list(book.frame["kind"].astype(str)) == ["x", "2"]
    assert not load_ledger(url(path, "table=t&order=contract"), columns=cmap, as_of="2023-12-31").issues


def test_chinese_headers_and_units_map_as_in_a_file(tmp_path: Path) -> None:
    path = one_table(tmp_path / "zh.duckdb", """CREATE TABLE 台账 AS SELECT * FROM (VALUES
        (DATE '2023-12-31', 'L1', 'C1', 1.23::DECIMAL(12,4), '关注'),
        (DATE '2023-12-31', 'L2', 'C2', 0.5::DECIMAL(12,4), '正常'))
        AS t("数据日期", "借据号", "客户号", "贷款余额(万元)", "五级分类")""")
    book = load_ledger(url(path, "table=台账"))
    assert list(book.frame["balance"]) == [12300.0, 5000.0]
    assert list(book.frame["five_category"].astype(str)) == ["special_mention", "normal"]
    assert source_name(url(path, "table=台账")) == "台账"


def test_exact_duplicates_across_a_chunk_boundary_are_dropped_as_in_one_file(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    rows = ", ".join(f"(DATE '2023-12-31', 'L{i}', 'C{i}', {i + 1}.00, 'normal')" for i in range(5))
    path = one_table(tmp_path / "dup.duckdb", f"""CREATE TABLE loans AS SELECT * FROM (VALUES {rows},
        (DATE '2023-12-31', 'L2', 'C2', 3.00, 'normal')) AS t(as_of, loan_id, customer_id, balance, five_category)""")
    cmap = tmp_path / "map.toml"
    cmap.write_text('[ledger]\ndedupe = "exact"\n', "utf-8")
    monkeypatch.setattr(database, "CHUNK_ROWS", 3)   # L0 L1 L2 | L2 L3 L4: the pair would straddle the cut
    monkeypatch.setattr(database, "BATCH_ROWS", 1)
    book = load_ledger(url(path), columns=cmap)
    assert list(book.frame["loan_id"]) == ["L0", "L1", "L2", "L3", "L4"]
    assert [(i.code, i.count, i.rows) for i in book.issues] == [("W113", 1, (4,))]


def test_a_chunk_without_balance_is_no_empty_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = ", ".join(f"(DATE '2023-12-31', 'L{i}', 'C{i}', {0 if i < 4 else 9}.00, 'normal')" for i in range(6))
    path = one_table(tmp_path / "zero.duckdb", f"CREATE TABLE loans AS SELECT * FROM (VALUES {rows}) "
                                                "AS t(as_of, loan_id, customer_id, balance, five_category)")
    monkeypatch.setattr(database, "CHUNK_ROWS", 2)
    monkeypatch.setattr(database, "BATCH_ROWS", 1)
    assert len(load_ledger(url(path)).frame) == 6
    with pytest.raises(LedgerError) as info:
        load_ledger(url(path, "query=SELECT * FROM loans WHERE balance = 0 ORDER BY loan_id"))
    assert info.value.code == "E017" and info.value.location.column == "balance"


def test_a_sqlite_table_reads_as_the_workbook(tmp_path: Path) -> None:
    path = write_sqlite(tmp_path / "bank.db")
    book = load_ledger(url(path, scheme="sqlite"))
    pd.testing.assert_frame_equal(book.frame, sample_frame())
    assert book.sources[0].file == url(path, scheme="sqlite")


def test_passwords_are_masked() -> None:
    assert mask_url("postgresql://risk:p%40ss:w@db.bank:5432/loans?table=t") == \
        "postgresql://risk:***@db.bank:5432/loans?table=t"
    assert mask_url("postgresql://risk@db/loans?password=abc&table=t") == "postgresql://risk@db/loans?password=***&table=t"
    source = parse_source("postgresql://risk:p%40ss@db/loans?table=public.loans&sslmode=require")
    assert (source.url, source.target, source.table) == (
        "postgresql://risk:***@db/loans?table=public.loans&sslmode=require",
        "postgresql://risk:p%40ss@db/loans?sslmode=require", "public.loans")
    assert "p%40ss" not in repr(source) and source.scrub("bad password p@ss\nmore") == "bad password ***"
    assert source.name == "loans"


# -- one coded line for each way a database source can be wrong ----------------------------------
@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("odd") / "odd.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE loans(as_of DATE, loan_id TEXT, customer_id TEXT, balance DECIMAL(18,2), "
                "five_category TEXT)")
    con.execute("CREATE TABLE notes(a TEXT, b TEXT)")
    con.execute("INSERT INTO notes VALUES ('x', 'y')")
    con.close()
    return path


def test_unknown_scheme(odd: Path) -> None:
    assert invoke("validate", "mysql://risk@db/bank?table=loans") == (1, "", (
        "mcr: error: mysql://risk@db/bank?table=loans: 'mysql://' is not a ledger source mcr reads: use a file, a "
        "folder, a glob, or a database URL duckdb:///file.duckdb?table=…, postgresql://user@host/db?table=…, "
        "sqlite:///file.db?table=… (docs/ledger.md) [E028]\n"))


@pytest.mark.parametrize(("tail", "detail"), [
    ("", "give exactly one of ?table=NAME or ?query=SELECT… (URL-encoded)"),
    ("table=loans&query=SELECT 1", "give exactly one of ?table=NAME or ?query=SELECT… (URL-encoded)"),
    ("table=loans&sheet=1", "unknown parameter 'sheet' (table=, query=, order=)"),
    ("table=loans&table=more", "table= is given twice"),
    ("table=", "table=, query= and order= need a value"),
    ("query=SELECT 1&order=a", "order= goes with table=; a query says ORDER BY itself"),
    ("table", "parameter 'table' has no value (write key=value)"),
])
def test_a_malformed_url(odd: Path, tail: str, detail: str) -> None:
    arg = f"duckdb:///{odd}" + (f"?{tail}" if tail else "")
    assert invoke("validate", arg) == (1, "", f"mcr: error: {arg}: database URL: {detail} [E029]\n")
    arg = f"duckdb://host/{odd.name}?table=loans"
    assert invoke("validate", arg) == (1, "", f"mcr: error: {arg}: database URL: a database file is written "
                                              "duckdb:///relative/path or duckdb:////absolute/path [E029]\n")


def test_an_unreadable_database(odd: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.duckdb"
    assert invoke("validate", url(missing)) == (
        1, "", f"mcr: error: {url(missing)}: cannot open the database: no such file: {missing} [E030]\n")
    three = f"duckdb://{odd}?table=loans"   # an absolute path written with three slashes
    assert invoke("validate", three) == (1, "", (
        f"mcr: error: {three}: cannot open the database: no such file: {str(odd)[1:]} (did you mean "
        f"duckdb:///{odd}? an absolute path takes four slashes) [E030]\n"))
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database", "utf-8")
    assert invoke("validate", url(junk)) == (1, "", (
        f"mcr: error: {url(junk)}: cannot open the database: IO Error: The file \"{junk}\" exists, but it is "
        "not a valid DuckDB database file! [E030]\n"))
    assert invoke("validate", url(junk, scheme="sqlite")) == (
        1, "", f"mcr: error: {url(junk, scheme='sqlite')}: cannot open the database: file is not a database [E030]\n")


@pytest.mark.parametrize(("tail", "detail"), [
    ("table=nope", "Catalog Error: Table with name nope does not exist!"),
    ("query=SELEC 1", 'Parser Error: syntax error at or near "SELEC"'),
    ("table=loans&order=zzz", 'Binder Error: Referenced column "zzz" not found in FROM clause!'),
])
def test_a_table_or_query_the_database_cannot_run(odd: Path, tail: str, detail: str) -> None:
    assert invoke("validate", url(odd, tail)) == (1, "", f"mcr: error: {url(odd, tail)}: {E031}{detail} [E031]\n")


def test_an_empty_result_and_a_result_that_is_no_ledger(odd: Path) -> None:
    for tail in ("table=loans", "query=SELECT * FROM loans ORDER BY loan_id"):
        assert invoke("validate", url(odd, tail)) == (1, "", f"mcr: error: {url(odd, tail)}: {E032}\n")
    assert invoke("validate", url(odd, "table=notes")) == (1, "", (
        f"mcr: error: {url(odd, 'table=notes')}: no recognisable header row (one naming at least two known "
        "columns); saw a, b; map your headers with --columns map.toml (`mcr schema` lists the column names) [E003]\n"))


def test_postgresql_without_its_connector_says_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "adbc_driver_postgresql", None)
    monkeypatch.setitem(sys.modules, "adbc_driver_postgresql.dbapi", None)
    arg = "postgresql://risk:secret@127.0.0.1:1/bank?table=loans"
    assert invoke("validate", arg) == (1, "", (
        "mcr: error: postgresql://risk:***@127.0.0.1:1/bank?table=loans: reading postgresql:// needs the optional "
        "connector adbc-driver-postgresql: pip install 'microcredit-risk[postgres]' [E033]\n"))
    assert invoke("validate", arg, "--lang", "zh")[2] == (
        "mcr: error: postgresql://risk:***@127.0.0.1:1/bank?table=loans：读取 postgresql:// 需要可选的数据库驱动 "
        "adbc-driver-postgresql：pip install 'microcredit-risk[postgres]' [E033]\n")


def test_analyze_names_its_folder_after_the_table(duck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert source_name(url(duck)) == "loans"
    assert source_name(url(duck, "query=SELECT 1")) == "bank"
    assert source_name(tmp_path / "ledger.xlsx") == "ledger"
