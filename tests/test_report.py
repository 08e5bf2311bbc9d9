"""The report: golden Markdown, self-contained safe HTML, docx with the same headings, load_run round trip."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from jinja2 import TemplateNotFound
from report_sample import EVIL, make_catalogue, make_run

from microcredit_risk.report.context import build_context
from microcredit_risk.report.docx import write_docx
from microcredit_risk.report.render import render_report, render_text
from microcredit_risk.report.run_folder import load_run, save_run
from microcredit_risk.report.templates import environment

GOLDEN = Path(__file__).parent / "golden"
SECTION_IDS = ["sec-summary", "sec-data", "sec-quality", "sec-structure", "sec-concentration", "sec-migration",
               "sec-statistics", "sec-findings", "sec-method", "sec-appendix"]


@pytest.fixture
def run(tmp_path):
    return make_run(tmp_path / "run")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markdown_matches_golden(run, tmp_path, lang):
    out = tmp_path / "out"
    render_report(run, out, lang=lang, formats=("md",), catalogue=make_catalogue())
    text = (out / "report.md").read_text("utf-8")
    golden = GOLDEN / f"report_{lang}.md"
    if os.environ.get("MCR_UPDATE_GOLDEN") == "1":
        golden.write_text(text, "utf-8")
    assert text == golden.read_text("utf-8")
    # the Markdown's figure links are relative and resolve inside the output folder
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links == ["figures/npl_trend.png", "figures/vintage.png"]
    assert all((out / link).is_file() for link in links)


def test_markdown_escapes_data(run):
    text = render_text(build_context(run, "zh", make_catalogue()), "md")
    assert EVIL not in text
    assert r"\<script\>alert(1)\</script\>" in text


def test_html_is_self_contained_and_escaped(run, tmp_path):
    (path,) = render_report(run, tmp_path / "out", lang="zh", formats=("html",), catalogue=make_catalogue())
    html = path.read_text("utf-8")
    assert '<html lang="zh-CN">' in html
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in html and f'href="#{sid}"' in html
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 2 and all(src.startswith("data:image/png;base64,") for src in images)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # every internal link points at an anchor that exists
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert {h[1:] for h in re.findall(r'href="(#[^"]+)"', html)} <= ids
    assert 'class="badge badge-high"' in html


def test_recommendations_by_stage_answer_causes_and_link_their_findings(run):
    ctx = build_context(run, "en", make_catalogue())
    findings = next(s for s in ctx.sections if s.id == "sec-findings")
    stages = [b.title for b in findings.blocks if b.kind == "heading" and b.id.startswith("stage-")]
    assert stages == ["Before the loan", "After the loan"]
    headings = [b.id for b in findings.blocks if b.kind == "heading"]
    at = headings.index("stage-pre_loan")
    bullets = [b for b in findings.blocks if b.kind == "bullets"]
    pre, post = bullets[-2].items, bullets[-1].items
    assert [x.text for x in pre] == ["对 <script>alert(1)</script> 实行差异化准入", "设定并执行集中度限额"]
    assert [r.href for r in pre[0].refs] == ["#finding-2"] and [r.href for r in pre[1].refs] == ["#finding-3"]
    assert [x.text for x in post] == ["(If confirmed) 建立贷后预警清单"]   # its cause is untested
    assert headings[:at].count("sec-findings-causes") == 1 and "sec-findings-verify" in headings[:at]


def test_causes_section_shows_supported_causes_and_how_to_verify_the_others(run):
    ctx = build_context(run, "zh", make_catalogue())
    findings = next(s for s in ctx.sections if s.id == "sec-findings")
    texts = [b.text for b in findings.blocks if b.kind == "paragraph"]
    assert "风险集中于特定行业。" in texts and "信贷投向过度集中。" in texts
    verify = [i.text for b in findings.blocks if b.kind == "bullets" for i in b.items if "核实方法" in i.text]
    assert verify == ["小微企业自身经营脆弱。核实方法：抽查不良客户的财务报表。", "贷后管理未能及早发现风险信号。核实方法：查阅贷后检查记录。"]
    method = next(s for s in ctx.sections if s.id == "sec-method")
    ruled = [i.text for b in method.blocks if b.kind == "bullets" for i in b.items]
    assert ruled and ruled[0].startswith("部分客户经理的能力或激励存在问题：已排除（依据：")
    summary = next(s for s in ctx.sections if s.id == "sec-summary")
    assert any(b.kind == "paragraph" and b.text.startswith("综合来看，台账数据支持以下成因：风险集中于特定行业、信贷投向过度集中。")
               for b in summary.blocks)


def _md_section_titles(md: str) -> list[str]:
    titles = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    return titles[1:]  # the first is the table of contents


def test_docx_has_the_same_sections_and_is_deterministic(run, tmp_path):
    ctx = build_context(run, "zh", make_catalogue())
    a, b = write_docx(ctx, tmp_path / "a.docx"), write_docx(ctx, tmp_path / "b.docx")
    assert a.read_bytes() == b.read_bytes()
    doc = Document(str(a))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == _md_section_titles(render_text(ctx, "md"))
    assert len(doc.inline_shapes) == 2
    assert len(doc.tables) == sum(1 for s in ctx.sections for blk in s.blocks if blk.kind == "table")
    assert doc.core_properties.created.year == 2000
    styles = zipfile.ZipFile(a).read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="宋体"' in styles


def test_load_run_round_trip_renders_the_same(run, tmp_path):
    before = render_text(build_context(run, "zh", make_catalogue()), "md")
    save_run(run, run.base_dir)
    again = load_run(run.base_dir)
    assert [f.name for f in again.figures] == ["npl_trend", "vintage"]
    assert again.thresholds == run.thresholds and again.bank == run.bank
    assert render_text(build_context(again, "zh", make_catalogue()), "md") == before


def test_load_run_without_figure_list_reads_png_titles(run, tmp_path):
    save_run(run, run.base_dir)
    meta = (run.base_dir / "run.json").read_text("utf-8")
    (run.base_dir / "run.json").write_text(re.sub(r'"figures": \[.*\]', '"figures": []', meta, flags=re.S), "utf-8")
    again = load_run(run.base_dir)
    assert [(f.name, f.title, f.path) for f in again.figures] == [
        ("npl_trend", "NPL ratio", "figures/npl_trend.png"), ("vintage", "Vintages", "figures/vintage.png")]


def test_user_templates_come_first_and_names_stay_flat(run, tmp_path):
    mine = tmp_path / "tpl"
    mine.mkdir()
    (mine / "report.md.j2").write_text("MINE {{ ctx.title }}\n{% include '_line.md.j2' with context %}", "utf-8")
    env = environment("md", mine)
    assert env.get_template("report.md.j2").render(
        ctx=build_context(run, "en", make_catalogue()), line={"badge": None, "text": "x", "refs": []}
    ).startswith("MINE SME Loan")
    for bad in ("../report.md.j2", "sub/report.md.j2", "..", "/etc/passwd", "a\\b.j2"):
        with pytest.raises(TemplateNotFound):
            env.get_template(bad)


def test_missing_figure_file_is_reported_not_fatal(run):
    (run.base_dir / "figures" / "vintage.png").unlink()
    text = render_text(build_context(run, "en", make_catalogue()), "md")
    assert "The file of figure 'vintage' is missing" in text
    assert "figures/vintage.png" not in text
