"""Apache Spark as a backend: the DuckDB-dialect aggregate SQL transpiled by SQLGlot to Spark SQL.

The session comes from Spark's own configuration first (``spark-submit`` / ``PYSPARK_SUBMIT_ARGS``,
``SPARK_HOME``, ``SPARK_CONF_DIR/spark-defaults.conf``), then from ``conf`` (a later
``--spark-conf key=value``); without a master anywhere it runs in local mode, ``local[2]``. Frames
go in and out through Arrow. The session time zone is UTC so that the ledger's naive timestamps
come back as they went in. pyspark is the optional extra ``[spark]``: it and a Java runtime are
looked for only when a SparkBackend is made, and their absence is the coded error E791.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlglot

from ..errors import AnalysisError

DEFAULT_MASTER = "local[2]"
# what the aggregates need whatever the cluster says (conf given by the caller still wins)
DEFAULT_CONF: dict[str, str] = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",  # a silent row-by-row fallback is 100x slower
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",      # Spark 4's default, set for 3.5: overflow raises instead of wrapping
}


def spark_missing() -> str | None:
    """Why Spark cannot start here (pyspark or Java absent), or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'microcredit-risk[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))) and not shutil.which("java"):
        return "no Java runtime (install a JRE 17 or set JAVA_HOME)"
    return None


def to_dialect(sql: str, dialect: str = "spark") -> str:
    """DuckDB SQL → another dialect (one statement). SQLGlot spells out what the engines do
    differently by default: DuckDB sorts NULLs last (Spark first), ``//`` is integer division."""
    return sqlglot.transpile(sql, read="duckdb", write=dialect)[0]


def _defaults_file() -> str | None:
    """Spark's ``spark-defaults.conf`` (``SPARK_CONF_DIR``, else ``SPARK_HOME/conf``), if there is one."""
    folder = os.environ.get("SPARK_CONF_DIR") or (
        os.path.join(os.environ["SPARK_HOME"], "conf") if "SPARK_HOME" in os.environ else None)
    path = os.path.join(folder, "spark-defaults.conf") if folder else None
    return path if path and os.path.isfile(path) else None


def _master_given(conf: dict[str, str]) -> bool:
    """True when something other than us names the master: the conf, ``PYSPARK_SUBMIT_ARGS``,
    ``spark-submit`` (which launched this Python and set the master) or ``spark-defaults.conf``."""
    if "spark.master" in conf or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        return True
    if "PYSPARK_GATEWAY_PORT" in os.environ:
        return True
    path = _defaults_file()
    if path:
        with open(path, encoding="utf-8") as fh:
            return any(line.split()[:1] == ["spark.master"] for line in fh)
    return False


def session(conf: dict[str, str] | None = None, app_name: str = "mcr") -> Any:
    """The active SparkSession or a new one from the environment plus ``conf``."""
    why = spark_missing()
    if why:
        raise AnalysisError("E791", engine="spark", detail=why)
    from pyspark.sql import SparkSession

    given = dict(conf or {})
    builder = SparkSession.builder.appName(app_name)
    if not _master_given(given):
        builder = builder.master(DEFAULT_MASTER)
    for key, value in {**DEFAULT_CONF, **given}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _arrow_table(frame: pd.DataFrame) -> Any:
    """The frame as one-chunk Arrow, categoricals as their labels (Spark has no enum type, so grades
    compare as strings on every engine). pyspark cannot take pandas 3's Arrow-backed ``str`` columns
    once they span several chunks (after a concat): it converts column by column and fails."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names).combine_chunks()


def _spark_frame(spark: Any, frame: pd.DataFrame) -> Any:
    """A Spark DataFrame from pandas through Arrow: Spark ≥ 4 takes the Arrow table as it is; 3.5 the
    table back in pandas with Python-object strings (its own per-column Arrow conversion)."""
    table = _arrow_table(frame)
    if int(spark.version.split(".")[0]) >= 4:
        return spark.createDataFrame(table)
    return spark.createDataFrame(table.to_pandas(types_mapper={}.get, strings_to_categorical=False)
                                 .astype({f.name: object for f in table.schema if str(f.type) == "string"}))


@dataclass
class SparkBackend:
    """The Backend protocol on a SparkSession: register pandas frames as temp views, query in DuckDB SQL."""

    conf: dict[str, str] = field(default_factory=dict)
    spark: Any = None   # an existing SparkSession (tests share one); made from ``conf`` when None
    name: str = "spark"
    dialect: str = "spark"
    _cached: dict[str, Any] = field(default_factory=dict, repr=False)   # name → the cached DataFrame of create()

    def __post_init__(self) -> None:
        if self.spark is None:
            self.spark = session(self.conf)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self._uncache(name)   # a table made by :meth:`create` under that name (as DuckDBBackend drops it)
        _spark_frame(self.spark, frame).createOrReplaceTempView(name)

    def register_parquet(self, name: str, path: str) -> None:
        """A Parquet file or folder (local, hdfs://, s3a://) read by the executors, never by the driver."""
        self._uncache(name)
        self.spark.read.parquet(path).createOrReplaceTempView(name)

    def translate(self, sql: str) -> str:
        return to_dialect(sql, self.dialect)

    def query(self, sql: str, order_free: bool = False) -> pd.DataFrame:
        """The answer through Arrow, in the order of the SQL's ORDER BY (toPandas keeps it).
        ``order_free`` changes nothing: Spark runs every query on all its executors."""
        out = self.spark.sql(self.translate(sql)).toPandas()
        return out.reset_index(drop=True)

    def prefetch(self, sqls: Sequence[str]) -> None:
        """Nothing: each query already runs on every executor, and its answer is not cached."""

    def create(self, name: str, sql: str, order_by: str | None = None, order_free: bool = False,
               pieces: Sequence[str] = ()) -> None:
        """A cached DataFrame as temp view ``name``. ``order_by``, ``order_free`` and ``pieces`` are ignored: Spark
        adds a sum per partition whatever the stored order, and a global sort of the ledger is a full
        shuffle.

        The table made earlier under ``name`` is uncached *before* the new one is cached. Spark keeps
        one cache entry per plan: the same SELECT over the same data (a Base registered again, a second
        ``prepare`` of the same ledger) is "already cached", so caching first and then unpersisting the
        old frame dropped the entry both share, and ``ledger_rows`` and every key table were left
        uncached. Each aggregate then re-derived them from the registered frame inside its own plan,
        and planning the segment counts ran the 1 GB test driver out of heap; the OutOfMemoryError
        killed Spark's serve-Arrow thread without answering, so ``toPandas`` waited forever.
        """
        frame = self.spark.sql(self.translate(sql))   # analysed now, against the tables as they are
        self._uncache(name)
        frame.cache()
        frame.createOrReplaceTempView(name)
        self._cached[name] = frame

    def _uncache(self, name: str) -> None:
        old = self._cached.pop(name, None)
        if old is not None:
            old.unpersist()

    def stop(self) -> None:
        self.spark.stop()
