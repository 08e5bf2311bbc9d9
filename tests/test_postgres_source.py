"""LEDGER as a PostgreSQL table or query, on a throwaway cluster started for these tests (db_fixtures.py).

Skipped only where the PostgreSQL server programs (initdb, pg_ctl) are not installed; the connector
(adbc-driver-postgresql) is in the test extra, so a missing one fails here rather than skipping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from db_fixtures import (
    PG_PASSWORD,
    PG_USER,
    pg_bin,
    postgres_cluster,
    sample_frame,
    shuffled,
    sorted_sample,
    write_postgres,
)
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.errors import LedgerError
from microcredit_risk.ledger import database
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.metrics import compute_metrics

pytestmark = pytest.mark.skipif(not (pg_bin("initdb") and pg_bin("pg_ctl")),
                                reason="PostgreSQL server programs (initdb, pg_ctl) not installed")


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


class PG:
    def __init__(self, socket_dir: str, port: int) -> None:
        self.socket_dir, self.port = socket_dir, port

    def url(self, tail: str = "table=loans", password: bool = True) -> str:
        user = f"{PG_USER}:{PG_PASSWORD}" if password else PG_USER
        return f"postgresql://{user}@127.0.0.1:{self.port}/postgres?{tail}"

    def shown(self, tail: str = "table=loans") -> str:
        return f"postgresql://{PG_USER}:***@127.0.0.1:{self.port}/postgres?{tail}"

    def sql(self, *statements: str) -> None:
        import adbc_driver_postgresql.dbapi as pg

        with pg.connect(f"postgresql://{PG_USER}@/postgres?host={self.socket_dir}&port={self.port}",
                        autocommit=True) as con, con.cursor() as cur:
            for s in statements:
                cur.execute(s)


@pytest.fixture(scope="module")
def pg() -> Iterator[PG]:
    for socket_dir, port in postgres_cluster():
        db = PG(socket_dir, port)
        write_postgres(socket_dir, port)
        yield db


@pytest.fixture(autouse=True)
def no_libpq_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No PGPASSWORD or ~/.pgpass of the machine's reaches these tests."""
    for name in ("PGPASSWORD", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no.pgpass"))


def test_a_postgres_table_reads_as_the_workbook_it_came_from(pg: PG) -> None:
    book = load_ledger(pg.url())
    pd.testing.assert_frame_equal(book.frame, sample_frame())
    pd.testing.assert_frame_equal(compute_metrics(book).frame, compute_metrics(sample_frame()).frame)
    assert [(s.file, s.rows, s.as_of_from) for s in book.sources] == [(pg.shown(), len(sample_frame()), "column")]
    assert all(PG_PASSWORD not in i.line() for i in book.issues)


def test_in_chunks_and_by_query_it_is_the_same_ledger(pg: PG, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "CHUNK_ROWS", 2500)
    book = load_ledger(pg.url())
    pd.testing.assert_frame_equal(book.frame, sample_frame())
    assert len(book.sources) == 1
    query = load_ledger(pg.url("query=SELECT * FROM public.loans ORDER BY as_of, loan_id"))
    pd.testing.assert_frame_equal(query.frame, sample_frame())


def test_the_password_may_come_from_pgpassword_or_pgpass(pg: PG, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    bare = pg.url(password=False)
    assert invoke("validate", bare)[2].startswith(f"mcr: error: {bare}: cannot open the database: ")
    monkeypatch.setenv("PGPASSWORD", PG_PASSWORD)
    assert len(load_ledger(bare).frame) == len(sample_frame())
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg.port}:postgres:{PG_USER}:{PG_PASSWORD}\n", "utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert len(load_ledger(bare).frame) == len(sample_frame())


def test_a_bad_value_names_the_masked_url_and_the_row(pg: PG) -> None:
    frame = sorted_sample()
    frame.loc[6, "balance"] = -5.0   # the 7th row by (as_of, loan_id)
    write_postgres(pg.socket_dir, pg.port, shuffled(frame), table="bad")
    assert invoke("validate", pg.url("table=bad")) == (1, "", (
        f"mcr: error: {pg.shown('table=bad')}, row 7, column 'balance': balance '-5.00' is not a non-negative "
        "number [E006]\n"))


def test_each_postgres_type_reaches_the_parsers_exactly(pg: PG) -> None:
    pg.sql("ALTER DATABASE postgres SET TimeZone = 'Asia/Shanghai'",
           "DROP TABLE IF EXISTS types",
           """CREATE TABLE types AS SELECT * FROM (VALUES
              (TIMESTAMPTZ '2023-12-31 00:00:00+08', 9007199254740993::bigint, 'C1', 1234567.89::numeric(18,2),
               '关注', 0.102::numeric(9,6), DATE '2021-03-04', true),
              (TIMESTAMPTZ '2023-12-31 00:00:00+08', 9007199254740995::bigint, 'C2', 0.07::numeric, '正常', NULL,
               NULL, false))
              AS t(as_of, loan_id, customer_id, balance, five_category, interest_rate, origination_date,
                   renewal_flag)""")
    try:
        f = load_ledger(pg.url("table=types")).frame
    finally:
        pg.sql("ALTER DATABASE postgres RESET TimeZone")
    assert list(f["as_of"]) == [pd.Timestamp("2023-12-31")] * 2   # the date Shanghai sees, not UTC's 30th
    assert list(f["loan_id"]) == ["9007199254740993", "9007199254740995"]
    assert list(f["balance"]) == [1234567.89, 0.07]
    assert f["interest_rate"].iloc[0] == 0.102 and pd.isna(f["interest_rate"].iloc[1])
    assert f["origination_date"].iloc[0] == pd.Timestamp("2021-03-04")
    assert list(f["renewal_flag"]) == [True, False]
    assert list(f["five_category"].astype(str)) == ["special_mention", "normal"]


def test_a_numeric_nan_is_refused_by_name(pg: PG) -> None:
    pg.sql("DROP TABLE IF EXISTS nan",
           "CREATE TABLE nan AS SELECT DATE '2023-12-31' AS as_of, 'L1' AS loan_id, 'C1' AS customer_id, "
           "'NaN'::numeric AS balance, 'normal' AS five_category")
    with pytest.raises(LedgerError) as info:
        load_ledger(pg.url("table=nan"))
    assert info.value.code == "E018" and info.value.location.row == 1


def test_errors_name_the_masked_url(pg: PG) -> None:
    refused = f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:1/postgres?table=loans"
    assert invoke("validate", refused) == (1, "", (
        f"mcr: error: postgresql://{PG_USER}:***@127.0.0.1:1/postgres?table=loans: cannot open the database: IO: "
        '[libpq] Failed to connect: connection to server at "127.0.0.1", port 1 failed: Connection refused [E030]\n'))
    assert invoke("validate", pg.url("table=nope")) == (1, "", (
        f"mcr: error: {pg.shown('table=nope')}: the database could not run the read (the table, the query or an "
        'order= column): NOT_FOUND: Failed to prepare query: ERROR:  relation "nope" does not exist [E031]\n'))
    pg.sql("DROP TABLE IF EXISTS empty", "CREATE TABLE empty AS SELECT * FROM loans LIMIT 0")
    assert invoke("validate", pg.url("table=empty")) == (
        1, "", f"mcr: error: {pg.shown('table=empty')}: the table or query returned no rows [E032]\n")


def test_nothing_is_ever_written_to_the_database(pg: PG) -> None:
    tail = "query=DELETE FROM loans RETURNING *"
    code, out, err = invoke("validate", pg.url(tail))
    assert (code, out) == (1, "")
    assert err.endswith("cannot execute DELETE in a read-only transaction [E031]\n")
    assert len(load_ledger(pg.url()).frame) == len(sample_frame())


def test_no_output_file_holds_the_password(pg: PG, tmp_path: Path) -> None:
    code, out, err = invoke("analyze", pg.url(), "--out", tmp_path / "run", "--dpi", "50", "--lang", "en")
    assert code == 0, err
    assert PG_PASSWORD not in out + err
    files = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    assert files and [p.name for p in files if PG_PASSWORD.encode() in p.read_bytes()] == []
    assert pg.shown() in (tmp_path / "run" / "validation.json").read_text("utf-8")
