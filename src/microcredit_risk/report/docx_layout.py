"""Column widths for the Word tables, measured so that no number breaks across lines.

Tables with a column per year-end (10–11 columns) wrapped "34,104.31" into "34,104." / "31" at 9 pt
on the 15 cm text width, because widths were shared out by character counts. Here each cell is
measured with the advance widths of the shipped Noto Serif SC (fontTools' ``hmtx``; its digits are
0.56 em against Times New Roman's 0.5 em, so the estimate errs on the wide side), and a table is
laid out at the first of these that fits:

1. 五号 (10.5 pt), portrait;   2. 小五 (9 pt), portrait;   3. 小五 on a landscape page (its own
   section). Nothing smaller: 小五 is the least a thesis office accepts in a table.

"Fits" means every short body cell (≤ 8 em, no space: "34,104.31", "1—30天") on one line (it also
gets ``w:noWrap``) and no longer cell narrower than the longest number in it (see _min_width).
Spare width goes to the columns whose text would like more (headers, long labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..figures.fonts import noto_dir

TABLE_SIZES = (10.5, 9.0)         # 五号, 小五: the sizes a thesis allows for tables
CELL_MARGIN_PT = 2.85             # left and right cell margin (0.1 cm = 57 twips)
NOWRAP_EM = 8.0                   # text cells up to this width stay on one line
WANT_CAP_EM = 8.0                 # a column never asks for more than this
BOLD = 1.06                       # bold header text is a little wider
SLACK = 1.06                      # LibreOffice sets "—" wider than Noto does: "181—360天" wrapped at 1.0
_DIGIT, _SPACE = re.compile(r"[0-9]"), re.compile(r"\s")
_TOKEN = re.compile(r"[^\s\u2e80-\u9fff\uff00-\uffef]+|[\u2e80-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class TableLayout:
    size_pt: float
    widths_pt: list[float]
    landscape: bool
    nowrap: list[list[bool]]      # per body row and column


@lru_cache(maxsize=1)
def _advances() -> tuple[dict[int, float], float]:
    """Advance widths in em per code point from the shipped Noto Serif SC (empty without it)."""
    folder = noto_dir()
    if folder is None:
        return {}, 1.0
    from fontTools.ttLib import TTFont

    font = TTFont(str(folder / "NotoSerifSC-Regular.otf"), lazy=True)
    upm = float(font["head"].unitsPerEm)
    hmtx = font["hmtx"].metrics
    return {cp: hmtx[g][0] / upm for cp, g in font.getBestCmap().items()}, upm


def text_width(text: str, size_pt: float) -> float:
    """Printed width of ``text`` in points at ``size_pt`` (Noto advances; 1 em CJK, 0.6 em Latin if unknown)."""
    adv, _ = _advances()
    em = sum(adv.get(ord(c), 1.0 if ord(c) > 0x2E7F else 0.6) for c in text)
    return em * size_pt * SLACK


def _min_width(text: str, size: float, *, header: bool = False) -> tuple[float, bool]:
    """The narrowest a cell may be, and whether it must stay on one line.

    A short body cell without spaces ("34,104.31", "1—30天", "河西乡") stays whole; a header or
    a cell with spaces ("18.08% (石桥镇)") may wrap, at its spaces for a number. Otherwise it may wrap between
    words, but never inside a word with a digit (a number), nor narrower than 4 em of text, nor
    (for long words such as ``renewed_normal_overdue_balance``) narrower than 6 em.
    """
    full = text_width(text, size)
    if not header and not _SPACE.search(text.strip()) and full <= NOWRAP_EM * size:
        return full, True
    words = _TOKEN.findall(text)
    chunks = words if header else text.split()      # a header's "2019年12月31日" may wrap at 年/月
    numbers = max((text_width(w, size) for w in chunks if _DIGIT.search(w) and len(w) < 16), default=0.0)
    longest = max((text_width(w, size) for w in words), default=0.0)
    return max(numbers, min(longest, 6 * size), min(full, 4 * size)), False


def _try(headers: list[str], rows: list[list[str]], size: float,
         available: float) -> tuple[list[float], list[list[bool]]] | None:
    n = len(headers)
    pad = 2 * CELL_MARGIN_PT
    need = [_min_width(h, size, header=True)[0] * BOLD + pad for h in headers]
    want = [min(text_width(h, size) * BOLD, WANT_CAP_EM * size) + pad for h in headers]
    nowrap = []
    for row in rows:
        flags = []
        for c in range(n):
            text = row[c] if c < len(row) else ""
            least, keep = _min_width(text, size)
            flags.append(keep)
            need[c] = max(need[c], least + pad)
            want[c] = max(want[c], min(text_width(text, size), WANT_CAP_EM * size) + pad)
        nowrap.append(flags)
    want = [max(w, m) for w, m in zip(want, need, strict=True)]
    if sum(need) > available:
        return None
    if sum(want) <= available:
        scale = available / sum(want)
        return [w * scale for w in want], nowrap
    extra = [w - m for w, m in zip(want, need, strict=True)]
    share = (available - sum(need)) / sum(extra)
    return [m + e * share for m, e in zip(need, extra, strict=True)], nowrap


def plan_table(headers: list[str], rows: list[list[str]],
               portrait_pt: float, landscape_pt: float) -> TableLayout:
    """The first layout (font size, page orientation) in which no number or short cell breaks."""
    for size in TABLE_SIZES:
        found = _try(headers, rows, size, portrait_pt)
        if found is not None:
            return TableLayout(size, found[0], False, found[1])
    size = TABLE_SIZES[-1]
    found = _try(headers, rows, size, landscape_pt)
    if found is not None:
        return TableLayout(size, found[0], True, found[1])
    # not even that: widths by need, scaled down to the landscape page (a long word may break)
    widths, nowrap = _try(headers, rows, size, 1e9) or ([1.0] * len(headers), [])
    scale = landscape_pt / sum(widths)
    return TableLayout(size, [w * scale for w in widths], True, nowrap)
