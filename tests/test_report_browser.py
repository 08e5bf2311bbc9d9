"""Open report.html in headless Chromium: every embedded image decodes (skipped without /usr/bin/chromium)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from report_sample import make_catalogue, make_run

from microcredit_risk.report.render import render_report

CHROMIUM = Path("/usr/bin/chromium")
PROBE = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images", ok + "/" + imgs.length);
});
</script>"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")
def test_every_image_loads_in_a_browser(tmp_path):
    run = make_run(tmp_path / "run")
    (html,) = render_report(run, tmp_path / "out", lang="zh", formats=("html",), catalogue=make_catalogue())
    probe = tmp_path / "probe.html"
    # The probe script is added by the test only: the report itself carries no script.
    probe.write_text(html.read_text("utf-8").replace("</body>", PROBE + "</body>"), "utf-8")
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
           "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    assert re.search(r'data-images="2/2"', dom), dom[-500:]
    assert "<script>alert(1)</script>" not in dom.replace(PROBE, "")
