"""Every package folder under src/ is listed in pyproject.toml, so a plain `pip install .` ships it.

The list is explicit (the templates live at reports/templates/ and are mapped in), so a new package
that is not added there works in an editable install and is missing from a real one.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    src = ROOT / "src"
    folders = {".".join(p.parent.relative_to(src).parts) for p in src.rglob("__init__.py")}
    assert folders - listed == set()
