"""Fixed report text (data/report_text.toml): every title, header and sentence, in zh and en.

A leaf of the TOML is a table ``{ zh = "…", en = "…" }``; :meth:`Texts.get` takes a dotted key.
Sentences carry ``{placeholders}`` filled with already-formatted values by the context builder.
A sentence with a count has English forms ``en = { one = "…", other = "…" }``, chosen by the
parameter its ``count`` names (``count = "files"``; "count" when not given).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ..errors import LANGS, AnalysisError, MCRError, plural_form


@cache
def _data() -> dict[str, Any]:
    text = resources.files("microcredit_risk").joinpath("data/report_text.toml").read_text("utf-8")
    return tomllib.loads(text)


def _node(key: str) -> Any:
    node: Any = _data()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise AnalysisError("E705", key=key)
        node = node[part]
    return node


@dataclass(frozen=True)
class Texts:
    lang: str

    def get(self, key: str, **params: Any) -> str:
        node = _node(key)
        if not isinstance(node, dict) or self.lang not in node:
            raise AnalysisError("E706", key=key, lang=self.lang)
        text = plural_form(node[self.lang], params, str(node.get("count", "count")))
        return text.format(**params) if params else text

    def opt(self, key: str, default: str) -> str:
        """Text for an open list (e.g. a recommendation stage) that may have no entry."""
        try:
            return self.get(key)
        except MCRError:
            return default

    def keys(self, key: str) -> list[str]:
        node = _node(key)
        return list(node) if isinstance(node, dict) else []

    def setting(self, key: str) -> Any:
        """A language-independent layout setting (e.g. ``layout.max_segment_rows``)."""
        return _node(key)


def leaves(node: Any = None, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every translatable leaf (for the completeness test)."""
    node = _data() if node is None else node
    out: list[tuple[str, dict[str, Any]]] = []
    for k, v in node.items():
        if k == "layout" and not prefix:
            continue
        key = f"{prefix}{k}"
        if isinstance(v, dict) and any(lang in v for lang in LANGS):
            out.append((key, v))
        elif isinstance(v, dict):
            out.extend(leaves(v, key + "."))
    return out
