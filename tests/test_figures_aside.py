"""The figure worker (figures/aside.py): the same files as saving here, its errors raised here, and
no worker left behind whether the run succeeds or fails."""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path

import pytest
from figure_fixtures import THRESHOLDS, findings, metrics, statistics

from microcredit_risk.errors import UsageError
from microcredit_risk.figures import render_figures, save_figures
from microcredit_risk.figures.aside import FigureWorker


def _rendered(lang: str = "zh"):
    return render_figures(metrics(), statistics(), findings=findings(), lang=lang, thresholds=THRESHOLDS)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _gone(pid: int) -> bool:
    return not os.path.exists(f"/proc/{pid}")


needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the figures are saved inline")


@needs_two_cores
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_worker_writes_the_same_bytes_as_saving_here(lang, tmp_path):
    rendered = _rendered(lang)
    assert len(rendered.figures) >= 8
    here = save_figures(rendered, tmp_path / "here", formats=("png", "svg"), dpi=60)
    with closing(FigureWorker()) as worker:
        assert worker._proc is not None   # a real worker process, not the inline path
        worker.save(_rendered(lang), tmp_path / "there", formats=("png", "svg"), dpi=60)
        worker.wait("png")
        assert sorted(p.name for p in (tmp_path / "there").glob("*.png")) == sorted(f"{n}.png" for n in rendered.names())
        there = worker.result()
    assert _files(tmp_path / "there") == _files(tmp_path / "here")
    assert len(_files(tmp_path / "here")) == 2 * len(rendered.figures)
    assert {n: {f: p.name for f, p in d.items()} for n, d in there.items()} == \
        {n: {f: p.name for f, p in d.items()} for n, d in here.items()}


@needs_two_cores
def test_an_error_in_the_worker_is_raised_here(tmp_path):
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder")
    with closing(FigureWorker()) as worker, pytest.raises(FileExistsError):
        worker.save(_rendered(), blocked, formats=("png",), dpi=50)
        worker.result()


def test_a_bad_format_fails_before_any_work(tmp_path):
    with closing(FigureWorker()) as worker, pytest.raises(UsageError) as e:
        worker.save(_rendered(), tmp_path / "f", formats=("png", "bmp"), dpi=50)
    assert e.value.code == "E714"
    assert not (tmp_path / "f").exists()


@needs_two_cores
def test_a_worker_given_no_work_is_ended_at_once_and_closing_twice_is_nothing():
    worker = FigureWorker()
    pid = worker._proc.pid
    worker.close()
    assert _gone(pid)
    worker.close()


@needs_two_cores
def test_a_worker_that_answered_ends_by_itself(tmp_path):
    worker = FigureWorker()
    pid = worker._proc.pid
    rendered = _rendered()
    worker.save(rendered, tmp_path, formats=("png",), dpi=50)
    assert list(worker.result()) == rendered.names()
    worker.close()
    assert _gone(pid)


def test_with_one_core_the_figures_are_saved_here_with_the_same_bytes(tmp_path, monkeypatch):
    here = save_figures(_rendered(), tmp_path / "here", formats=("png", "svg"), dpi=50)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    with closing(FigureWorker()) as worker:
        assert worker._proc is None
        worker.save(_rendered(), tmp_path / "inline", formats=("png", "svg"), dpi=50)
        worker.wait("png")
        assert set(worker.result()) == set(here)
    assert _files(tmp_path / "inline") == _files(tmp_path / "here")
