"""`mcr analyze --by` and `mcr compare`: each group equals a separate run on its filtered ledger;
the comparison reads the runs' numbers (never recomputes) and ranks them; coded errors."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.compare.numbers import ranks
from microcredit_risk.errors import LedgerError, Location, UsageError
from microcredit_risk.findings.export import findings_json
from microcredit_risk.grouped import analyze_by
from microcredit_risk.ledger.split import folder_names, safe_name
from microcredit_risk.output import is_compare_folder
from microcredit_risk.pipeline import Session
from microcredit_risk.sample.export import export_canonical_csv
from microcredit_risk.sample.simulate import simulate


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return simulate("village_bank", 3, loans=150).frame


@pytest.fixture(scope="module")
def by_branch(sample: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("by")
    ledger = export_canonical_csv(sample, tmp / "ledger.csv")
    analyze_by([ledger], "branch", tmp / "out", dpi=50, jobs=2, lang="en")
    return tmp, tmp / "out"


def _metrics(text: str) -> list[dict[str, object]]:
    return json.loads(text)["metrics"]


def test_each_group_equals_a_separate_run_on_its_filtered_ledger(sample: pd.DataFrame,
                                                                 by_branch: tuple[Path, Path]) -> None:
    tmp, out = by_branch
    branches = sorted(sample["branch"].dropna().unique())
    assert len(branches) == 3
    compare = json.loads((out / "compare.json").read_text("utf-8"))
    assert [u["folder"] for u in compare["units"]] == branches      # Chinese names kept as folder names
    for branch in branches:
        part = export_canonical_csv(sample[sample["branch"] == branch], tmp / f"{branch}.csv")
        alone = Session([part], lang="en")
        saved = out / branch
        assert _metrics(alone.metrics_json()) == _metrics((saved / "metrics.json").read_text("utf-8"))
        assert findings_json(alone.findings) == (saved / "findings.json").read_text("utf-8")


def test_the_comparison_reads_the_runs_numbers_and_ranks_them(by_branch: tuple[Path, Path]) -> None:
    _tmp, out = by_branch
    compare = json.loads((out / "compare.json").read_text("utf-8"))
    npl = next(h for h in compare["headline"] if h["metric"] == "npl_ratio")
    for unit, value in zip(compare["units"], npl["values"], strict=True):
        rows = json.loads((out / unit["folder"] / "metrics.json").read_text("utf-8"))["metrics"]
        saved = [r["value"] for r in rows if r["metric"] == "npl_ratio" and r["dimension"] is None
                 and r["as_of"] == unit["latest"]]
        assert saved == [value]
    order = sorted(range(3), key=lambda i: npl["values"][i])
    assert [npl["ranks"][i] for i in order] == [1, 2, 3]
    for name in ("compare.html", "compare.md", "compare.docx", "compare.xlsx", "figures/compare_trend.png",
                 "figures/compare_headline.png", "figures/compare_category_mix.png"):
        assert (out / name).is_file(), name


def test_mcr_compare_of_the_group_runs_is_byte_identical_twice(by_branch: tuple[Path, Path], tmp_path: Path) -> None:
    _tmp, out = by_branch
    runs = sorted(p for p in out.iterdir() if (p / "run.json").is_file())
    code, _, err = invoke("compare", *runs, "--labels", "A,B,C", "--dpi", "50", "--lang", "zh", "-o", tmp_path / "c1", "-q")
    assert (code, err) == (0, "")
    code, _, err = invoke("compare", *runs, "--labels", "A,B,C", "--dpi", "50", "--lang", "zh", "-o", tmp_path / "c1", "-q")
    assert (code, err) == (0, "")       # its own comparison folder is replaced
    invoke("compare", *runs, "--labels", "A,B,C", "--dpi", "50", "--lang", "zh", "-o", tmp_path / "c2", "-q")
    for name in ("compare.html", "compare.md", "compare.docx", "compare.xlsx", "compare.json",
                 "figures/compare_trend.png"):
        assert (tmp_path / "c1" / name).read_bytes() == (tmp_path / "c2" / name).read_bytes(), name
    md = (tmp_path / "c1" / "compare.md").read_text("utf-8")
    assert "主要指标与排名" in md and "| A | B | C |" in md.replace("\\", "")


def test_the_output_folder_is_recognised_as_ours(by_branch: tuple[Path, Path]) -> None:
    _tmp, out = by_branch
    assert is_compare_folder(out)          # a second --by run may replace it
    (out / "notes.txt").write_text("mine", "utf-8")
    try:
        assert not is_compare_folder(out)  # a file of the user's: refused (E502), never deleted
    finally:
        (out / "notes.txt").unlink()


def test_a_worker_error_reaches_the_parent_as_the_same_coded_error() -> None:
    err = pickle.loads(pickle.dumps(LedgerError("E012", Location(file="a.xlsx"))))
    assert type(err) is LedgerError
    assert err.line("en") == "a.xlsx: file not found [E012]"
    usage = pickle.loads(pickle.dumps(UsageError("E620", where="--labels", labels=1, runs=2)))
    assert usage.line("zh") == "--labels：给出了 1 个标签，但有 2 个运行文件夹；请每个文件夹给一个标签 [E620]"


def test_the_figures_do_not_depend_on_the_hash_seed(by_branch: tuple[Path, Path], tmp_path: Path) -> None:
    """The layout solver's last bits once followed PYTHONHASHSEED, and the SVG clip ids with them."""
    _tmp, out = by_branch
    runs = sorted(str(p) for p in out.iterdir() if (p / "run.json").is_file())
    script = ("import sys; from pathlib import Path; from microcredit_risk.compare import load_units, write_comparison; "
              f"write_comparison(load_units({runs!r}), Path(sys.argv[1]), lang='zh', dpi=50)")
    for seed in ("1", "4"):
        (tmp_path / seed).mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(tmp_path / seed)], check=True, env=env)
    for svg in sorted((tmp_path / "1" / "figures").glob("*.svg")):
        assert svg.read_bytes() == (tmp_path / "4" / "figures" / svg.name).read_bytes(), svg.name


def test_ranks_by_hand() -> None:
    assert ranks([0.05, 0.02, None, 0.02], "low") == [3, 1, None, 1]
    assert ranks([0.05, 0.02, None, 0.02], "high") == [1, 2, None, 2]
    assert ranks([1.0, 2.0], "none") == [None, None]


def test_folder_names_are_safe_readable_and_distinct() -> None:
    assert safe_name("QJ村镇银行河西支行") == "QJ村镇银行河西支行"
    assert safe_name("../etc/passwd") == "etc_passwd"
    assert safe_name(" a b ") == "a_b"
    assert safe_name("CON") == "_CON"
    assert safe_name(None) == "_none"
    assert folder_names(["A/B", "A_B", "a_b", None]) == ["A_B", "A_B-2", "a_b-3", "_none"]


def test_labels_must_match_the_folders(by_branch: tuple[Path, Path], tmp_path: Path) -> None:
    _tmp, out = by_branch
    runs = sorted(p for p in out.iterdir() if (p / "run.json").is_file())
    assert invoke("compare", *runs, "--labels", "A,B") == (
        2, "", "mcr: error: --labels: labels given: 2, run folders: 3; give one label per folder [E620]\n")
    assert invoke("compare", *runs, "--labels", "A,B,A") == (
        2, "", "mcr: error: --labels: label 'A' is given twice; each unit needs its own label [E621]\n")
    assert invoke("compare", runs[0]) == (
        2, "", "mcr: error: RUN_DIR: give at least two run folders to compare (got 1) [E622]\n")
    assert invoke("compare", runs[0], tmp_path / "nope") == (
        1, "", f"mcr: error: {tmp_path / 'nope'}: not a folder [E506]\n")


def test_runs_of_different_currencies_are_refused(by_branch: tuple[Path, Path], tmp_path: Path) -> None:
    _tmp, out = by_branch
    import shutil

    runs = sorted(p for p in out.iterdir() if (p / "run.json").is_file())
    usd = tmp_path / "usd"
    shutil.copytree(runs[0], usd)
    validation = json.loads((usd / "validation.json").read_text("utf-8"))
    validation["currency"] = "USD"
    (usd / "validation.json").write_text(json.dumps(validation), "utf-8")
    (usd / "watchlist.csv").unlink()   # its money column is headed in CNY: a real USD run heads it in USD
    assert invoke("compare", runs[1], usd, "-o", tmp_path / "c") == (
        1, "", "mcr: error: the runs hold amounts in different currencies (CNY, USD); compare runs of one "
               "currency [E530]\n")
    assert not (tmp_path / "c").exists()


def test_by_a_column_the_ledger_lacks(tmp_path: Path, sample: pd.DataFrame) -> None:
    ledger = export_canonical_csv(sample.drop(columns=["product"]), tmp_path / "ledger.csv")
    assert invoke("analyze", ledger, "--by", "product", "-o", tmp_path / "out") == (
        1, "", "mcr: error: --by: the ledger has no product column to split by; `mcr validate` shows the columns "
               "found [E730]\n")
    assert not (tmp_path / "out").exists()
    assert invoke("analyze", ledger, "--by", "officer", "-o", tmp_path / "out") == (
        2, "", "mcr: error: --by: 'officer' is not one of branch, region, product [E602]\n")
