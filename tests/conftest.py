"""Shared fixtures, and how the suite is split between pytest-xdist workers.

pyproject.toml runs the suite with ``-n auto --dist loadfile``: a test file is one worker's unit of
work, so its module-scoped fixtures (a whole ``mcr analyze`` run, a simulated ledger, the PostgreSQL
cluster of test_postgres_source.py) are made once, not once per worker that gets one of its tests.
Files named in ``SHARED_WORKER`` form one unit together: every test that starts a SparkSession runs
in one worker, one after another (two JVMs side by side have hung here). ``-n 0`` runs serially.

The grouping is done by this scheduler rather than by ``xdist_group`` marks and ``--dist loadgroup``:
with pytest 9.2 that mode silently stops grouping (it appends the group to ``item._nodeid``, which
pytest no longer reads: pytest-dev/pytest-xdist#1386).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).parent / "corpus"

# test file (rootdir-relative, as in the test ids) → the unit of work it shares with others
SHARED_WORKER = {
    "tests/test_engine_spark.py": "spark",
    "tests/test_model_sample.py": "spark",
}
FIRST = ("spark",)   # the longest unit, started first so that no worker waits on it at the end


@pytest.fixture
def corpus() -> Path:
    return CORPUS


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One SparkSession per module of the ``spark`` unit (tests/spark_session.py's conf), stopped after it."""
    from spark_session import spark_backend

    yield from spark_backend()


def unit_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return SHARED_WORKER.get(path, path)


@pytest.hookimpl(optionalhook=True)   # a hook of pytest-xdist: without it installed, never called
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFileScheduling(LoadFileScheduling):
        """``--dist loadfile`` with the files of ``SHARED_WORKER`` as one unit, ``FIRST`` handed out first."""

        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            for scope in reversed(FIRST):
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return SharedFileScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that starts Spark outside the ``spark`` unit would run beside it: refuse to run at all."""
    stray = [item.nodeid for item in items
             if "spark" in getattr(item, "fixturenames", ()) and unit_of(item.nodeid) != "spark"]
    if stray:
        raise pytest.UsageError(f"Spark tests outside tests/conftest.py SHARED_WORKER['spark'] files: {stray}")
