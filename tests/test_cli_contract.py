"""Every command that reads a ledger, run through the same cases (csvkit-style shared mixin).

Each case asserts the exact stderr line and the exit status: the same option gives the same answer
whatever the command. Bad values fail before any ledger is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from metrics_fixture import ledger_frame
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.sample.export import export_canonical_csv


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_canonical_csv(ledger_frame(), tmp_path_factory.mktemp("contract") / "ledger.csv")


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


class LedgerCommandCases:
    """The cases every ledger-reading command must pass. ``extra``: arguments the command needs."""

    command: ClassVar[str]
    extra: ClassVar[tuple[str, ...]] = ()

    def run(self, ledger: Path, *args: object, tmp: Path | None = None) -> tuple[int, str, str]:
        extra = [a.replace("{tmp}", str(tmp)) for a in self.extra] if tmp else list(self.extra)
        return invoke(self.command, ledger, *extra, *args)

    def test_good_run_with_every_common_option(self, ledger: Path, tmp_path: Path) -> None:
        profile = tmp_path / "bank.toml"
        profile.write_text('[bank]\nname = "Test"\nlanguage = "en"\n', "utf-8")
        columns = tmp_path / "map.toml"
        columns.write_text('[columns]\n"balance" = "balance"\n', "utf-8")
        code, _, err = self.run(ledger, "--profile", profile, "--columns", columns, "--lang", "en", "--quiet",
                                tmp=tmp_path)
        assert (code, err) == (0, "")

    def test_bad_language_exits_2(self, ledger: Path, tmp_path: Path) -> None:
        assert self.run(ledger, "--lang", "fr", tmp=tmp_path) == (
            2, "", "mcr: error: --lang: 'fr' is not one of zh, en [E602]\n")

    def test_bad_as_of_exits_2(self, ledger: Path, tmp_path: Path) -> None:
        assert self.run(ledger, "--as-of", "2021-13-45", tmp=tmp_path) == (
            2, "", "mcr: error: --as-of: '2021-13-45' is not a date (YYYY-MM-DD) [E703]\n")

    def test_bad_snapshots_value_exits_2(self, ledger: Path, tmp_path: Path) -> None:
        assert self.run(ledger, "--snapshots", "monthly", tmp=tmp_path) == (
            2, "", "mcr: error: --snapshots: 'monthly' is not one of annual [E602]\n")

    def test_unknown_option_exits_2(self, ledger: Path, tmp_path: Path) -> None:
        assert self.run(ledger, "--frobnicate", tmp=tmp_path) == (
            2, "", "mcr: error: no such option --frobnicate [E601]\n")
        assert self.run(ledger, "--profil", "x", tmp=tmp_path) == (
            2, "", "mcr: error: no such option --profil; did you mean --profile? [E601]\n")

    def test_missing_profile_exits_1(self, ledger: Path, tmp_path: Path) -> None:
        missing = tmp_path / "nope.toml"
        assert self.run(ledger, "--profile", missing, tmp=tmp_path) == (
            1, "", f"mcr: error: {missing}: bank profile not found [E201]\n")

    def test_profile_error_in_chinese_with_lang_zh(self, ledger: Path, tmp_path: Path) -> None:
        missing = tmp_path / "nope.toml"
        assert self.run(ledger, "--profile", missing, "--lang", "zh", tmp=tmp_path) == (
            1, "", f"mcr: error: {missing}：找不到银行概况文件 [E201]\n")

    def test_bad_profile_value(self, ledger: Path, tmp_path: Path) -> None:
        profile = tmp_path / "bank.toml"
        profile.write_text('[bank]\nkind = "moon_bank"\n', "utf-8")
        code, out, err = self.run(ledger, "--profile", profile, tmp=tmp_path)
        assert (code, out) == (1, "")
        assert err == (f"mcr: error: {profile}: bank.kind = 'moon_bank' is not one of village_bank, "
                       "rural_commercial, city_commercial, joint_stock, state_owned, policy, postal [E203]\n")

    def test_unknown_threshold_in_profile(self, ledger: Path, tmp_path: Path) -> None:
        profile = tmp_path / "bank.toml"
        profile.write_text("[thresholds]\nnpl_ratio_maximum = 0.05\n", "utf-8")
        assert self.run(ledger, "--profile", profile, tmp=tmp_path) == (
            1, "", f"mcr: error: {profile}: [thresholds] npl_ratio_maximum is not a known threshold "
                   "(docs/findings.md lists them) [E205]\n")

    def test_missing_ledger_exits_1(self, tmp_path: Path) -> None:
        missing = tmp_path / "ledger.xlsx"
        extra = [a.replace("{tmp}", str(tmp_path)) for a in self.extra]
        assert invoke(self.command, missing, *extra) == (1, "", f"mcr: error: {missing}: file not found [E012]\n")

    def test_missing_ledger_in_chinese(self, tmp_path: Path) -> None:
        missing = tmp_path / "ledger.xlsx"
        extra = [a.replace("{tmp}", str(tmp_path)) for a in self.extra]
        assert invoke(self.command, missing, *extra, "--lang", "zh") == (
            1, "", f"mcr: error: {missing}：文件不存在 [E012]\n")

    def test_a_folder_without_ledger_files_exits_1(self, tmp_path: Path) -> None:
        empty = tmp_path / "ledger"
        empty.mkdir()
        extra = [a.replace("{tmp}", str(tmp_path)) for a in self.extra]
        assert invoke(self.command, empty, *extra) == (
            1, "", f"mcr: error: {empty}: no ledger file (.xlsx, .xlsm, .xls, .ods, .csv, .tsv, .parquet) found: a "
                   "folder is searched recursively, a pattern is matched as written; hidden files and names starting "
                   "with _ or ~$ are skipped [E026]\n")

    def test_a_folder_reads_as_its_file(self, ledger: Path, tmp_path: Path) -> None:
        folder = tmp_path / "ledger"
        (folder / "as_of=2099-12-31" / "_SUCCESS").parent.mkdir(parents=True)
        (folder / "as_of=2099-12-31" / "_SUCCESS").write_text("", "utf-8")
        (folder / "2023.csv").write_bytes(ledger.read_bytes())
        code, _, err = self.run(ledger, tmp=tmp_path)
        # the same status and lines; warnings name the file the folder held
        assert self.run(folder, tmp=tmp_path)[::2] == (code, err.replace(str(ledger), str(folder / "2023.csv")))

    def test_no_ledger_argument_exits_2(self, tmp_path: Path) -> None:
        extra = [a.replace("{tmp}", str(tmp_path)) for a in self.extra]
        assert invoke(self.command, *extra) == (2, "", "mcr: error: missing argument LEDGER [E603]\n")


class TestAnalyze(LedgerCommandCases):
    command = "analyze"
    extra = ("--out", "{tmp}/run", "--dpi", "50")

    def test_bad_fail_on(self, ledger: Path, tmp_path: Path) -> None:
        assert self.run(ledger, "--fail-on", "severe", tmp=tmp_path) == (
            2, "", "mcr: error: --fail-on: 'severe' is not one of low, medium, high [E602]\n")


class TestAnalyzeBy(LedgerCommandCases):
    """``--by`` refuses a ledger without the column; every shared case still holds before it gets there."""

    command = "analyze"
    extra = ("--out", "{tmp}/run", "--dpi", "50", "--by", "branch")

    def test_good_run_with_every_common_option(self, ledger: Path, tmp_path: Path) -> None:
        # the contract ledger has no branch column: the coded refusal, nothing written
        assert self.run(ledger, "--quiet", tmp=tmp_path) == (
            1, "", "mcr: error: --by: the ledger has no branch column to split by; `mcr validate` shows the "
                   "columns found [E730]\n")
        assert not (tmp_path / "run").exists()

    def test_bad_by(self, ledger: Path, tmp_path: Path) -> None:
        assert invoke("analyze", ledger, "--by", "industry", "--out", tmp_path / "run") == (
            2, "", "mcr: error: --by: 'industry' is not one of branch, region, product [E602]\n")


class TestValidate(LedgerCommandCases):
    command = "validate"

    def test_bad_format(self, ledger: Path) -> None:
        assert self.run(ledger, "--format", "xml") == (
            2, "", "mcr: error: --format: 'xml' is not one of text, json [E602]\n")


class TestMetrics(LedgerCommandCases):
    command = "metrics"
    extra = ("--format", "csv")

    def test_bad_format(self, ledger: Path) -> None:
        assert invoke("metrics", ledger, "--format", "xml") == (
            2, "", "mcr: error: --format: 'xml' is not one of table, json, csv, xlsx [E602]\n")


class TestFigures(LedgerCommandCases):
    command = "figures"
    extra = ("--out", "{tmp}/figs", "--dpi", "50", "--only", "npl_trend")

    def test_bad_format(self, ledger: Path, tmp_path: Path) -> None:
        assert invoke("figures", ledger, "--out", tmp_path, "--format", "gif") == (
            2, "", "mcr: error: --format: unknown figure format gif; choose from png, svg, pdf [E714]\n")
        assert not any(tmp_path.iterdir())


class TestModel(LedgerCommandCases):
    command = "model"

    def test_bad_format(self, ledger: Path) -> None:
        assert self.run(ledger, "--format", "xml") == (
            2, "", "mcr: error: --format: 'xml' is not one of text, json [E602]\n")


@pytest.mark.parametrize(("args", "line"), [
    (["schema", "--format", "xml"], "mcr: error: --format: 'xml' is not one of text, json [E602]"),
    (["sample", "--kind", "moon"], "mcr: error: --kind: 'moon' is not one of village_bank, sme_bank, policy_bank, "
                                   "postal_branch, city_branch [E602]"),
    (["sample", "--format", "ods"], "mcr: error: --format: 'ods' is not one of xlsx, csv [E602]"),
    (["report", "somewhere", "--lang", "fr"], "mcr: error: --lang: 'fr' is not one of zh, en [E602]"),
    (["nonsense"], "mcr: error: No such command 'nonsense'. [E605]"),
    (["compare", "a", "b", "--lang", "fr"], "mcr: error: --lang: 'fr' is not one of zh, en [E602]"),
    (["compare", "a", "b", "--labels", "x"], "mcr: error: --labels: labels given: 1, run folders: 2; give one label "
                                             "per folder [E620]"),
    (["compare"], "mcr: error: missing argument RUN_DIRS [E603]"),
])
def test_usage_errors_of_the_other_commands(args: list[str], line: str) -> None:
    assert invoke(*args) == (2, "", line + "\n")


def test_report_on_a_missing_folder(tmp_path: Path) -> None:
    assert invoke("report", tmp_path / "nope") == (1, "", f"mcr: error: {tmp_path / 'nope'}: not a folder [E506]\n")
