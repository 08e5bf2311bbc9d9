"""The one SparkSession configuration of the Spark tests (tests/test_engine_spark.py, test_model_sample.py).

Local mode on the ledgers of the tests (a few thousand rows at most): Spark's time goes to planning and
to compiling each stage's generated Java, not to the rows. So the tests run Spark's interpreted
evaluation (``spark.sql.codegen.factoryMode=NO_CODEGEN``, the mode Spark's own test suites run beside
code generation: the same expressions, the same answers) on one shuffle partition without adaptive
replanning. Measured on the sme_bank sample's ``compute_metrics`` (2026-12-02, 2 cores): 99.8 s → 69.3 s
for the session's first call, 69.0 s → 44.2 s for the next. A cluster job keeps Spark's defaults
(docs/engines.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from microcredit_risk.engine.spark import SparkBackend, spark_missing

TEST_CONF = {
    "spark.driver.memory": "1g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


def spark_backend() -> Iterator[SparkBackend]:
    """A module fixture's body: the session for the module (skipped without pyspark or Java), stopped after."""
    why = spark_missing()
    if why:
        pytest.skip(f"Spark tests need pyspark and Java: {why}")
    backend = SparkBackend(conf=dict(TEST_CONF))
    yield backend
    backend.stop()
