"""The one writer: whole files and folders or nothing, ordinary permissions, own runs known by content."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from microcredit_risk.errors import OutputError
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.metrics.xlsx import metrics_xlsx_bytes
from microcredit_risk.output import atomic_folder, is_run_folder, write_file


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _own_run(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"schema": "mcr.run/1", "generator": "mcr"}), "utf-8")
    (folder / "report.md").write_text("old", "utf-8")


def test_a_file_gets_ordinary_permissions_and_no_temporary_is_left(tmp_path: Path) -> None:
    target = write_file(tmp_path / "a" / "m.json", "{}")
    assert target.read_text("utf-8") == "{}"
    assert (target.stat().st_mode & 0o777) == 0o666 & ~_umask()
    assert [p.name for p in target.parent.iterdir()] == ["m.json"]


def test_a_run_folder_gets_ordinary_permissions(tmp_path: Path) -> None:
    with atomic_folder(tmp_path / "run") as tmp:
        (tmp / "report.md").write_text("x", "utf-8")
    assert ((tmp_path / "run").stat().st_mode & 0o777) == 0o777 & ~_umask()


def test_an_own_run_is_replaced_and_a_users_old_folder_is_kept(tmp_path: Path) -> None:
    _own_run(tmp_path / "run")
    mine = tmp_path / ".run.old"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", "utf-8")
    with atomic_folder(tmp_path / "run") as tmp:
        (tmp / "report.md").write_text("new", "utf-8")
    assert (tmp_path / "run" / "report.md").read_text("utf-8") == "new"
    assert (mine / "notes.txt").read_text("utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".run.old", "run"]


def test_a_file_called_run_json_does_not_make_a_folder_ours(tmp_path: Path) -> None:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "run.json").write_text('{"my": "data"}', "utf-8")
    (folder / "chapter3.docx").write_text("years of work", "utf-8")
    assert not is_run_folder(folder)
    with pytest.raises(OutputError) as info, atomic_folder(folder):
        pass
    assert info.value.line() == (f"{folder}: folder is not empty and is not an earlier mcr run; choose another "
                                 "--out (mcr only replaces its own run folders) [E502]")
    assert (folder / "chapter3.docx").exists()


def test_an_own_run_with_a_users_file_in_it_is_refused(tmp_path: Path) -> None:
    _own_run(tmp_path / "run")
    (tmp_path / "run" / "my_notes.txt").write_text("mine", "utf-8")
    assert not is_run_folder(tmp_path / "run")


def test_a_symlinked_target_stays_a_symlink(tmp_path: Path) -> None:
    _own_run(tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with atomic_folder(tmp_path / "link") as tmp:
        (tmp / "report.md").write_text("new", "utf-8")
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "link" / "report.md").read_text("utf-8") == "new"


def test_a_failure_leaves_the_old_run_and_no_temporary(tmp_path: Path) -> None:
    _own_run(tmp_path / "run")
    with pytest.raises(RuntimeError), atomic_folder(tmp_path / "run") as tmp:
        (tmp / "report.md").write_text("half", "utf-8")
        raise RuntimeError("stage failed")
    assert (tmp_path / "run" / "report.md").read_text("utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_sigterm_during_a_write_removes_the_temporary_folder(tmp_path: Path) -> None:
    script = (
        "import os, signal, sys, time\n"
        "from microcredit_risk.output import atomic_folder\n"
        "with atomic_folder(sys.argv[1]) as tmp:\n"
        "    (tmp / 'report.md').write_text('x')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "run")], capture_output=True, timeout=60)
    assert done.returncode != 0 and done.returncode != -signal.SIGTERM  # it ran its clean-up, then failed
    assert list(tmp_path.iterdir()) == []


def test_formula_like_text_in_a_workbook_is_stored_as_text(tmp_path: Path) -> None:
    texts = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]
    frame = pd.DataFrame({"metric": "balance", "as_of": pd.Timestamp("2023-12-31"), "dimension": "product",
                          "segment": texts, "value": [1.0, 2.0, 3.0, 4.0], "unit": "yuan"})
    shares = frame.assign(metric="balance_share", value=[0.1, 0.2, 0.3, 0.4], unit="ratio")
    path = tmp_path / "m.xlsx"
    earlier = frame.assign(as_of=pd.Timestamp("2022-12-31"))     # not in the report's table: the appendix
    path.write_bytes(metrics_xlsx_bytes(Metrics.concat([frame, shares, earlier]), "en"))
    wb = load_workbook(path)
    assert wb.sheetnames == ["Credit structure by product", "Appendix - Portfolio"]  # the table, then the rest
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value in texts]
    assert sorted(c.value for c in cells) == sorted(texts * 2)   # a segment of the table and of the appendix
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
