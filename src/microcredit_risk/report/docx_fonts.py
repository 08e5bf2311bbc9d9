"""Chinese in report.docx without Chinese system fonts: the shipped Noto SC fonts, subset and embedded.

The docx names 宋体 / 黑体 (what a thesis office expects) with Noto Serif SC / Noto Sans SC as their
``w:altName``. On a machine with neither (a fresh Linux, LibreOffice) every Chinese character was a
box. So the document carries the two Noto fonts cut down to the characters it uses (fontTools'
subsetter, as report/webfont.py does for the HTML) as embedded fonts (ECMA-376 Part 1 §17.8.1):

* ``word/fonts/fontN.odttf``: the font with its first 32 bytes XORed with the 16-byte font key
  (the GUID's hex digits read backwards), related from ``word/fontTable.xml``;
* on the 宋体 / 黑体 entries, ``w:embedRegular r:id=… w:fontKey={GUID}``;
* ``w:embedTrueTypeFonts`` and ``w:saveSubsetFonts`` in settings.xml.

The key is derived from the subset's bytes (not random) so the same report gives the same docx.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn

from ..figures.fonts import noto_dir
from .docx_xml import el
from .webfont import merge_characters, subset_font

OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
# shipped family → its file in pylopdf-fonts-zh-cn
FONT_FILES = {"Noto Serif SC": "NotoSerifSC-Regular.otf", "Noto Sans SC": "NotoSansSC-Regular.otf"}
# CT_Settings children that come before w:embedTrueTypeFonts
_BEFORE_EMBED = ("writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
                 "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
                 "printFractionalCharacterWidth", "printFormsData")


@dataclass(frozen=True)
class EmbeddedFont:
    name: str          # the font-table entry it is embedded under (宋体)
    data: bytes        # the subset font (plain sfnt)
    key: str           # "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}"


def font_key(data: bytes) -> str:
    """A GUID from the font's bytes: fixed for the same subset, so the docx stays byte-identical."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def _key_bytes(key: str) -> bytes:
    digits = key.strip("{}").replace("-", "")
    return bytes(int(digits[i:i + 2], 16) for i in range(30, -1, -2))  # last byte first (§17.8.1)


def obfuscate(data: bytes, key: str) -> bytes:
    """XOR the first 32 bytes with the key (twice over); the same call de-obfuscates."""
    k = _key_bytes(key)
    head = bytes(b ^ k[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def document_characters(doc: Any) -> str:
    """Every character of the document's text (body, headers, footers), sorted, without spaces."""
    # only defined headers/footers: touching an undefined one would add a part
    roots = [doc.element, *(p._element for s in doc.sections for p in (s.header, s.footer)
                            if not p.is_linked_to_previous)]
    chars = {c for root in roots for t in root.iter(qn("w:t"), qn("w:instrText")) for c in (t.text or "")}
    return "".join(sorted(c for c in chars if c.isprintable() and not c.isspace()))


def embedded_fonts(chars: str, fallbacks: dict[str, str]) -> list[EmbeddedFont]:
    """The Noto subsets for ``chars``, one per thesis font; none without Chinese text or font package."""
    folder = noto_dir()
    if folder is None or not any(ord(c) > 0x2E7F for c in chars):
        return []
    out = []
    for name, family in fallbacks.items():
        path = folder / FONT_FILES.get(family, "")
        if path.is_file():
            data = subset_font(path, chars, flavor=None)
            out.append(EmbeddedFont(name, data, font_key(data)))
    return out


def embed_fonts(doc: Any, fallbacks: dict[str, str], chars: str = "") -> list[EmbeddedFont]:
    """Embed, under each thesis font's entry (宋体 → Noto Serif SC subset), the shipped font cut to the text.

    Call after the text is final; ``chars`` adds characters (report.html's, to share its subset). The
    data goes on the entry the runs name (w:font w:name="宋体"): LibreOffice 7.4 registers an embedded
    font under its font-table name and does not follow w:altName, so a separate "Noto Serif SC" entry
    left the Chinese as boxes (tried).
    """
    fonts = embedded_fonts(merge_characters(document_characters(doc), chars), fallbacks)
    if not fonts:
        return fonts
    table = doc.part.part_related_by(RT.FONT_TABLE)
    blob = table.blob
    for i, f in enumerate(fonts, start=1):
        part = Part(PackURI(f"/word/fonts/font{i}.odttf"), OBFUSCATED_FONT, obfuscate(f.data, f.key), doc.part.package)
        rid = table.relate_to(part, RT.FONT)
        start = blob.index(f'<w:font w:name="{f.name}">'.encode())
        end = blob.index(b"</w:font>", start)
        embed = f'<w:embedRegular r:id="{rid}" w:fontKey="{f.key}"/>'.encode()
        blob = blob[:end] + embed + blob[end:]   # last child of CT_Font (after w:pitch/w:sig)
    table._blob = blob
    _settings_embed(doc.settings.element)
    return fonts


def _settings_embed(settings: Any) -> None:
    before = [c for c in settings if c.tag.rsplit("}", 1)[-1] in _BEFORE_EMBED]
    embed, subset_only = el("w:embedTrueTypeFonts"), el("w:saveSubsetFonts")
    if before:
        before[-1].addnext(embed)
    else:
        settings.insert(0, embed)
    embed.addnext(subset_only)
