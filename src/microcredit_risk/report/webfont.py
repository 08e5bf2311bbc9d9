"""Chinese in report.html without Chinese system fonts: a subset of the shipped Noto SC fonts, embedded.

Headless Chromium on a fresh Linux shows boxes for every Chinese character. The report therefore
carries, as base64 WOFF ``@font-face`` rules, the shipped Noto Serif SC (body) and Noto Sans SC
(headings, tables) cut down to the characters the report uses: a few hundred glyphs, 0.1–0.15 MB
each instead of 8–12 MB. WOFF (zlib) rather than WOFF2: 10 % larger, but saving it takes 0.15 s instead
of 1.1 s per font and needs no Brotli package. The subsetter's output is deterministic (the ``head`` timestamp is not renewed),
so the same report gives the same bytes.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..figures.fonts import noto_dir

# family names the stylesheet puts before the system CJK fonts (so every machine uses the same glyphs)
SERIF_FAMILY, SANS_FAMILY = "mcr Noto Serif SC", "mcr Noto Sans SC"
FONT_FILES = {SERIF_FAMILY: "NotoSerifSC-Regular.otf", SANS_FAMILY: "NotoSansSC-Regular.otf"}
_TAG = re.compile(r"<[^>]*>")
_HIDDEN = re.compile(r"<(style|script|title)\b.*?</\1>", re.S | re.I)


@dataclass(frozen=True)
class WebFont:
    family: str
    woff: bytes


def text_characters(page: str) -> str:
    """The characters a browser draws for ``page`` (tags, styles and data URIs left out), sorted."""
    body = _TAG.sub(" ", _HIDDEN.sub(" ", page))
    chars = {c for c in html.unescape(body) if c.isprintable() and not c.isspace()}
    return "".join(sorted(chars))


def merge_characters(*texts: str) -> str:
    """The characters of all ``texts``, sorted, once each: one font subset serves report.html and
    report.docx (subsetting a CJK font costs about a second; the union is a few glyphs more)."""
    return "".join(sorted(set().union(*texts)))


def _options(flavor: str | None) -> Any:
    from fontTools import subset

    options = subset.Options()
    options.flavor = flavor
    options.hinting = False          # CFF hints do nothing for a screen at these sizes
    options.desubroutinize = True    # smaller after compression
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # keep the licence-relevant names (copyright, family, version)
    options.notdef_outline = True
    return options


@lru_cache(maxsize=4)
def _subset(font: Path, chars: str) -> Any:
    """The font cut down to ``chars``, kept to be saved in either flavour (saving twice gives the same
    bytes as two separate subsets: checked in tests/test_webfont.py)."""
    from fontTools import subset

    options = _options(None)
    loaded = subset.load_font(str(font), options, dontLoadGlyphNames=True)
    loaded.recalcTimestamp = False   # else head.modified is "now" and the bytes differ on every run
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(loaded)
    return loaded


@lru_cache(maxsize=8)
def subset_font(font: Path, chars: str, flavor: str | None = "woff") -> bytes:
    """``font`` cut down to ``chars`` (plus .notdef), as WOFF (the HTML) or, with ``flavor=None``, a plain
    OpenType file (the fonts embedded in report.docx); same input, same bytes."""
    from fontTools import subset

    buf = io.BytesIO()
    subset.save_font(_subset(font, chars), buf, _options(flavor))
    return buf.getvalue()


def web_fonts(chars: str) -> list[WebFont]:
    """The embedded fonts for ``chars``; empty when the font package is not installed."""
    folder = noto_dir()
    if folder is None or not chars:
        return []
    return [WebFont(family, subset_font(folder / name, chars)) for family, name in FONT_FILES.items()
            if (folder / name).is_file()]


def font_face_css(fonts: list[WebFont]) -> str:
    """``@font-face`` rules with the fonts as data URIs."""
    rules = []
    for f in fonts:
        data = base64.b64encode(f.woff).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{f.family}"; font-style: normal; font-weight: 400; '
                     f'font-display: block; src: url(data:font/woff;base64,{data}) format("woff"); }}')
    return "\n".join(rules)
