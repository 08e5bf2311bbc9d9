"""The cell parsers of ledger/values.py on Arrow-backed text (a CSV, a Parquet file) and on Python
objects (a workbook): the same values from both, and from the fast Arrow paths the same as the slow ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcredit_risk.ledger.values import (
    _plain_numbers,
    blank,
    parse_flags,
    parse_grades,
    parse_numbers,
    parse_text,
    parse_vocab,
)

DTYPES = ["str", "string[python]", object]


def _items(s: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v for v in s.tolist()]


def test_blank_on_arrow_text_equals_strip_for_every_code_point_below_u3100():
    chars = [chr(c) for c in range(0x3100)] + ["\u3000", "\ufeff", "\u200b", "\u2028", "\u205f"]
    cells = chars + [c * 3 for c in chars] + [" a", "a ", "", None, " \u3000 "]
    s = pd.Series(cells, dtype="str")
    old = s.isna() | s.str.strip().eq("").fillna(False).astype(bool)
    got = blank(s)
    assert got.dtype == bool and got.tolist() == old.tolist()
    assert int(got.sum()) == int(old.sum()) > 50          # the white-space characters and their triples


@pytest.mark.parametrize("dtype", DTYPES)
def test_blank_keeps_the_index(dtype):
    s = pd.Series(["a", None, "", " ", "\u3000", " b "], dtype=dtype, index=[5, 6, 7, 8, 9, 10])
    got = blank(s)
    assert got.tolist() == [False, True, True, True, True, False]
    assert list(got.index) == [5, 6, 7, 8, 9, 10]


@pytest.mark.parametrize("dtype", DTYPES)
def test_numbers_by_hand(dtype):
    s = pd.Series(["1,234.50", "1.2万", "5.5%", "abc", None, " 7 ", "3"], dtype=dtype)
    values, bad = parse_numbers(s)
    assert values.tolist()[:3] == [1234.5, 12000.0, 0.055]
    assert np.isnan(values[3]) and np.isnan(values[4])
    assert values.tolist()[5:] == [7.0, 3.0]
    assert bad.tolist() == [False, False, False, True, False, False, False]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
                          st.integers(-10**12, 10**12).map(str),
                          st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
                          st.sampled_from(["nan", "inf", "-inf", "", None])), min_size=1, max_size=40))
def test_arrow_cast_gives_the_doubles_to_numeric_gives(cells):
    """The C++ cast is taken only when every cell parses; then each double equals pandas' own."""
    s = pd.Series(cells, dtype="str")
    fast = _plain_numbers(s).to_numpy()
    slow = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").astype("float64").to_numpy()
    assert np.array_equal(fast, slow, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_grades_flags_and_vocabularies_by_hand(dtype):
    grades, bad = parse_grades(pd.Series(["正常", "关注", " 次级 ", None, "", "5", "oops"], dtype=dtype))
    assert _items(grades) == [
        "normal", "special_mention", "substandard", None, None, "loss", None]
    assert bad.tolist() == [False, False, False, False, False, False, True]
    flags, bad = parse_flags(pd.Series(["是", "否", "Y", None, "", "maybe"], dtype=dtype))
    assert flags.dtype == "boolean"
    assert flags.tolist() == [True, False, True, pd.NA, False, pd.NA]   # blank means not renewed (vocabulary)
    assert bad.tolist() == [False, False, False, False, False, True]
    kinds, bad = parse_vocab(pd.Series(["信用", "保证", "抵押+保证", None, "xx"], dtype=dtype),
                             "guarantee_type", default="other")
    assert str(kinds.dtype) == "str"
    assert _items(kinds) == ["credit", "guarantee", "mortgage", None, "other"]
    assert bad.tolist() == [False, False, False, False, True]


def test_text_from_workbook_objects():
    got = parse_text(pd.Series([" a1 ", 12.0, 1.5, None, "", True], dtype=object))
    assert _items(got) == ["a1", "12", "1.5", None, None, "True"]
