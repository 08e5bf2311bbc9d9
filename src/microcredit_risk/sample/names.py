"""Synthetic names built from the invented syllables in ``data/sample_vocab.toml``: every firm name
carries the marker 示例 ('example') and person names use placeholder characters (甲乙丙…), so no
name can be mistaken for a real borrower's."""

from __future__ import annotations

import numpy as np

from .kinds import vocab


def _pick(rng: np.random.Generator, words: list[str], n: int) -> np.ndarray:
    return np.asarray(words, dtype=object)[rng.integers(0, len(words), n)]


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    v = vocab()["names"]
    return _pick(rng, v["surnames"], n) + _pick(rng, v["given"], n) + _pick(rng, v["given"], n)


def firm_names(rng: np.random.Generator, sections: np.ndarray) -> np.ndarray:
    """Firm names whose trade word follows the firm's industry section (A → 农业 …)."""
    v = vocab()["names"]
    n = sections.size
    trade = _trade_words(sections, v["trade"])
    return (_pick(rng, v["firm_syllables"], n) + _pick(rng, v["firm_syllables"], n) + v["firm_marker"]
            + trade + v["firm_suffix"])


def _trade_words(sections: np.ndarray, table: dict[str, str]) -> np.ndarray:
    keys, inverse = np.unique(sections.astype(str), return_inverse=True)
    return np.array([table.get(k, "") for k in keys], dtype=object)[inverse]


def officer_names(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct person names for the loan officers."""
    v = vocab()["names"]
    s, g = v["surnames"], v["given"]
    space = len(s) * len(g) * len(g)
    picks = rng.choice(space, size=min(n, space), replace=False)
    return [s[k // (len(g) ** 2)] + g[(k // len(g)) % len(g)] + g[k % len(g)] for k in picks]
