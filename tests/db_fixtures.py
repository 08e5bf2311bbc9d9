"""The shipped sample as a database table: DuckDB, SQLite and PostgreSQL copies for the database-source tests.

The table holds the sample's canonical rows (read from data/sample/village_bank.xlsx by load_ledger) in
the database's own types: DATE dates, DECIMAL(18,2) amounts, BOOLEAN flags, INTEGER days, TEXT the rest
(the rate stays DOUBLE: 10.2 % read from the workbook is the float 0.10200000000000001, not a decimal).
The rows are stored shuffled, so only the reader's ORDER BY makes row k the k-th by (as_of, loan_id).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pandas as pd

from microcredit_risk.ledger.load import load_ledger

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "village_bank.xlsx"
MONEY = ("amount", "balance", "provision", "write_off")
DATES = ("as_of", "origination_date", "maturity_date")


@cache
def sample_frame() -> pd.DataFrame:
    return load_ledger(SAMPLE).frame


def sorted_sample() -> pd.DataFrame:
    """The sample in the order a ``table=`` source is read: by as_of, then loan_id."""
    return sample_frame().sort_values(["as_of", "loan_id"], kind="stable").reset_index(drop=True)


def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows out of order, five_category as text (what a database column holds)."""
    out = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    return out.assign(five_category=out["five_category"].astype("str"))


def typed_select(source: str, frame: pd.DataFrame, money: str = "DECIMAL(18,2)") -> str:
    """``SELECT`` of ``source`` casting each column to the type a bank's database gives it."""
    cols = []
    for c in frame.columns:
        if c in DATES:
            cols.append(f"CAST({c} AS DATE) AS {c}")
        elif c in MONEY:
            cols.append(f"CAST({c} AS {money}) AS {c}")
        elif c == "days_past_due":
            cols.append(f"CAST({c} AS INTEGER) AS {c}")
        elif c == "renewal_flag":
            cols.append(f"CAST({c} AS BOOLEAN) AS {c}")
        elif c in ("interest_rate", "risk_share_ratio"):
            cols.append(f"CAST({c} AS DOUBLE PRECISION) AS {c}")
        else:
            cols.append(f"CAST({c} AS TEXT) AS {c}")
    return f"SELECT {', '.join(cols)} FROM {source}"


def write_duckdb(path: Path, frame: pd.DataFrame | None = None, table: str = "loans") -> Path:
    import duckdb

    frame = shuffled(sample_frame()) if frame is None else frame
    con = duckdb.connect(str(path))
    try:
        con.register("frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {typed_select('frame', frame)}")
    finally:
        con.close()
    return path


def write_sqlite(path: Path, frame: pd.DataFrame | None = None, table: str = "loans") -> Path:
    """SQLite has no DATE or DECIMAL: dates are ISO text, amounts REAL, flags 0/1 (as SQLite apps store them)."""
    import sqlite3

    frame = shuffled(sample_frame()) if frame is None else frame
    out = frame.copy()
    for c in DATES:
        out[c] = out[c].dt.strftime("%Y-%m-%d")
    out["renewal_flag"] = out["renewal_flag"].astype("Int64")
    con = sqlite3.connect(path)
    try:
        out.astype(object).where(out.notna(), None).to_sql(table, con, index=False)
    finally:
        con.close()
    return path


# -- a throwaway PostgreSQL cluster ------------------------------------------------------------------
PG_USER, PG_PASSWORD = "mcr", "s3cret-Pa55"


def pg_bin(name: str) -> str | None:
    """initdb / pg_ctl on PATH, else in Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).is_file():
            return str(folder / name)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_cluster() -> Iterator[tuple[str, int]]:
    """Start a cluster on a free loopback port; yield (socket folder, port); stop and delete it after.

    PostgreSQL refuses to run as root: as root the cluster runs as ``nobody`` in a folder of its own
    under the system temp folder (pytest's tmp_path sits in a folder only root may enter).
    TCP logins need the password (scram-sha-256), the Unix socket trusts (to load the table).
    """
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    assert initdb and pg_ctl
    root = Path(tempfile.mkdtemp(prefix="mcr-pg-"))
    as_root = os.geteuid() == 0
    user: dict[str, str] = {"user": "nobody", "group": "nogroup"} if as_root else {}
    if as_root:
        shutil.chown(root, "nobody", "nogroup")
    port = free_port()
    data, pwfile = root / "data", root / "pw"
    pwfile.write_text(PG_PASSWORD + "\n", "utf-8")
    if as_root:
        shutil.chown(pwfile, "nobody", "nogroup")
    run = {"check": True, "capture_output": True, "timeout": 120, **user}
    try:
        subprocess.run([initdb, "-D", str(data), "-U", PG_USER, "--pwfile", str(pwfile), "--auth-local=trust",
                        "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"], **run)  # type: ignore[call-overload]
        subprocess.run([pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60", "-o",
                        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"], **run)  # type: ignore[call-overload]
        yield str(root), port
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60, **user)  # type: ignore[call-overload]
        shutil.rmtree(root, ignore_errors=True)


def write_postgres(socket_dir: str, port: int, frame: pd.DataFrame | None = None, table: str = "loans",
                   money: str = "NUMERIC(18,2)") -> None:
    """The sample as a typed table (over the trusted Unix socket), loaded with ADBC's bulk ingest."""
    import adbc_driver_postgresql.dbapi as pg
    import pyarrow as pa

    frame = shuffled(sample_frame()) if frame is None else frame
    with pg.connect(f"postgresql://{PG_USER}@/postgres?host={socket_dir}&port={port}", autocommit=True) as con, \
            con.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS staging_{table}")
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.adbc_ingest(f"staging_{table}", pa.Table.from_pandas(frame, preserve_index=False), mode="create")
        cur.execute(f"CREATE TABLE {table} AS {typed_select(f'staging_{table}', frame, money)}")
        cur.execute(f"DROP TABLE staging_{table}")
