"""Run the probe aggregate on whatever Spark this is launched on, from a Parquet ledger.

Only ``segment_stock`` since the migration probe became the product's aggregate: that reads
``ledger_rows``, which is built in pandas on the driver until the row table moves into SQL (issue 14,
stage 2); the migration join comes back here then.

Local mode:  ``PYTHONPATH=src spark-submit --master 'local[2]' benchmarks/spark_submit_probe.py loans.parquet``
Cluster:     ``spark-submit --master yarn --deploy-mode client --py-files mcr.zip benchmarks/spark_submit_probe.py
              s3a://bucket/ledger/`` (untested here: see docs/engines.md). The Parquet is read by the executors;
only the small aggregated answers come back to the driver. Prints the master, the conf that matters
and each answer's size and time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # tests/engine_probes.py
from engine_probes import segment_stock

from microcredit_risk.engine.spark import SparkBackend

KEYS = ("spark.master", "spark.submit.deployMode", "spark.driver.memory", "spark.executor.memory",
        "spark.sql.shuffle.partitions", "spark.sql.execution.arrow.pyspark.enabled", "spark.sql.session.timeZone")


def main(path: str) -> None:
    t = time.perf_counter()
    backend = SparkBackend()
    conf = backend.spark.sparkContext.getConf()
    print(f"session in {time.perf_counter() - t:.1f} s, Spark {backend.spark.version}")
    for key in KEYS:
        print(f"  {key} = {conf.get(key, backend.spark.conf.get(key, '(default)'))}")
    backend.register_parquet("loans", path)
    for name, sql in (("segment_stock", segment_stock()),):
        t = time.perf_counter()
        out = backend.query(sql)
        print(f"{name}: {len(out)} rows in {time.perf_counter() - t:.1f} s; Σ balance/opening = "
              f"{out.iloc[:, 4].sum():.2f}")
    backend.stop()


if __name__ == "__main__":
    main(sys.argv[1])
