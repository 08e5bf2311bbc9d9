"""`mcr report RUN_DIR`: re-render from saved files, atomically, with one clear line on failure."""

from __future__ import annotations

from docx import Document
from report_sample import make_run
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.report.run_folder import save_run


def test_report_rerenders_a_run(tmp_path):
    run = make_run(tmp_path / "run")
    save_run(run, run.base_dir)
    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(app, ["report", str(run.base_dir), "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["figures", "report.docx", "report.html", "report.md"]
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["npl_trend.png", "vintage.png"]
    md = (out / "report.md").read_text("utf-8")
    assert md.startswith("# SME Loan Credit-Risk Case Study")
    assert "## 8 Problems, causes and recommendations" in md
    assert Document(str(out / "report.docx")).paragraphs[0].text == "SME Loan Credit-Risk Case Study"
    # no temporary folder is left beside the output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "run"]


def test_report_in_place_uses_the_run_language(tmp_path):
    run = make_run(tmp_path / "run")
    save_run(run, run.base_dir)
    result = CliRunner().invoke(app, ["report", str(run.base_dir), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert (run.base_dir / "report.md").read_text("utf-8").startswith("# 小微企业贷款信用风险分析报告")
    assert not (run.base_dir / "report.html").exists()


def test_report_on_a_folder_that_is_not_a_run_fails_in_one_line(tmp_path):
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "metrics.json: not found" in lines[0]


def test_report_rejects_an_unknown_format(tmp_path):
    run = make_run(tmp_path / "run")
    save_run(run, run.base_dir)
    result = CliRunner().invoke(app, ["report", str(run.base_dir), "--format", "odt"])
    assert result.exit_code == 2
    assert result.stderr == "mcr: error: --format: 'odt' is not one of html, md, docx, pdf [E602]\n"
