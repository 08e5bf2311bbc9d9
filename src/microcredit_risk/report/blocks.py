"""The report context: sections made of display-ready blocks (every string already formatted).

Templates (HTML, Markdown) and the docx writer walk the same blocks, so the three formats say the
same thing. Each block has a ``kind`` the templates switch on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Ref:
    """A link to an anchor in the report (a table, a figure, a finding)."""

    label: str
    href: str          # "#tab-3-1"


@dataclass
class Line:
    """One line of text, optionally with a severity badge and links to where its numbers are."""

    text: str
    refs: list[Ref] = field(default_factory=list)
    badge: str | None = None        # display label, e.g. "高"
    badge_class: str | None = None  # "high" | "medium" | "low"


@dataclass
class Paragraph:
    text: str
    kind: str = field(default="paragraph", init=False)


@dataclass
class Bullets:
    items: list[Line]
    kind: str = field(default="bullets", init=False)


@dataclass
class Heading:
    id: str
    title: str
    level: int = 3      # 3 = a subsection of a numbered section
    kind: str = field(default="heading", init=False)


@dataclass
class Table:
    id: str
    caption: str        # "表3-1 资产质量" — numbered
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # right-align this column
    note: str | None = None
    kind: str = field(default="table", init=False)


@dataclass
class Figure:
    id: str
    name: str
    caption: str        # "图3-1 …" — numbered
    path: str           # relative, "figures/<name>.png" (Markdown)
    data_uri: str       # "data:image/png;base64,…" (HTML)
    file: Path | None = None   # on disk (docx); not used by templates
    kind: str = field(default="figure", init=False)


@dataclass
class FindingCard:
    """One problem with its evidence and causes (section 8)."""

    id: str
    title: str
    badge: str
    badge_class: str
    scope: str                  # "2023年12月31日 · 行业 C" — when and where
    evidence_title: str
    evidence: list[Line]
    causes_title: str
    causes: list[str]
    kind: str = field(default="finding", init=False)


Block = Paragraph | Bullets | Heading | Table | Figure | FindingCard


@dataclass
class Section:
    id: str             # anchor, "sec-summary"
    number: int
    title: str          # "1 问题概要" — numbered
    intro: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class ReportContext:
    lang: str
    title: str
    subtitle: str
    facts: list[tuple[str, str]]      # label, value pairs under the title
    toc_title: str
    sections: list[Section]
    footer: str
