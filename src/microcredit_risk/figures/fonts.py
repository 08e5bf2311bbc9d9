"""Chinese glyphs on any machine: the Noto Sans SC font shipped on PyPI, then system CJK fonts.

The bundled font comes first so that the same input gives the same pixels on every machine; system
fonts are only a fallback (e.g. when the font package is missing). A font file dropped into the
package's ``fonts/`` folder is registered too (a bank may want its house font).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from importlib import resources
from pathlib import Path

from matplotlib import font_manager

BUNDLED_FAMILY = "Noto Sans SC"
SYSTEM_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
                       "PingFang SC", "SimHei")
LATIN_FAMILY = "DejaVu Sans"  # ships with matplotlib


def noto_dir() -> Path | None:
    """The folder of the shipped Noto Sans SC / Noto Serif SC (pip package pylopdf-fonts-zh-cn), if installed."""
    spec = importlib.util.find_spec("pylopdf_fonts_zh_cn")  # Noto Sans/Serif SC (OFL 1.1), font files only
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent
    return folder if (folder / "NotoSansSC-Regular.otf").is_file() else None


def _bundled_font_files() -> list[Path]:
    files: list[Path] = []
    folder = noto_dir()
    if folder is not None:
        files.append(folder / "NotoSansSC-Regular.otf")
    try:
        own = resources.files("microcredit_risk").joinpath("fonts")
        files += sorted(Path(str(p)) for p in own.iterdir() if p.name.lower().endswith((".otf", ".ttf")))
    except (FileNotFoundError, NotADirectoryError):
        pass
    return files


@cache
def cjk_families() -> tuple[str, ...]:
    """Register the shipped CJK font once and name the CJK families available, preferred first."""
    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in _bundled_font_files():
        if str(path) not in known:
            font_manager.fontManager.addfont(str(path))
    names = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(n for n in (BUNDLED_FAMILY, *SYSTEM_CJK_FAMILIES) if n in names)


def font_families(lang: str) -> list[str]:
    """Family list for ``font.family``: matplotlib falls back along it glyph by glyph."""
    cjk = list(cjk_families())
    return [*cjk, LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, *cjk]
