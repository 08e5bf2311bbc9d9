"""The one error catalogue: every code raised exists, speaks both languages, and is documented."""

from __future__ import annotations

import importlib.util
import re
import string
from pathlib import Path

import pytest

from microcredit_risk.errors import PLURAL_FORMS, LedgerError, Location, MCRError, ProfileError, catalogue

SRC = Path(__file__).resolve().parents[1] / "src" / "microcredit_risk"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gen_errors_doc.py"
CODE = re.compile(r"""["']([EW]\d{3})["']""")


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_code_in_the_source_is_in_the_catalogue() -> None:
    used = {c for p in SRC.rglob("*.py") for c in CODE.findall(p.read_text("utf-8"))}
    assert used, "the source raises coded errors"
    assert sorted(used - set(catalogue())) == []


def test_each_entry_has_both_languages_with_the_same_placeholders() -> None:
    for code, t in catalogue().items():
        forms = [t.en] if isinstance(t.en, str) else [t.en[f] for f in PLURAL_FORMS]
        assert t.zh.strip() and all(f.strip() for f in forms), code
        assert all(_fields(f) == _fields(t.zh) for f in forms), code
        assert t.level in {"error", "warning", "usage"}, code
        assert (t.level == "warning") == code.startswith("W"), code


def test_codes_and_names_are_unique() -> None:
    names = [t.name for t in catalogue().values()]
    assert len(names) == len(set(names))


def test_the_line_names_the_place_first_then_the_code() -> None:
    err = LedgerError("E006", Location(file="a.xlsx", sheet="2023年末", row=12, column="贷款余额(万元)"), value="-3.5")
    assert err.line("en") == ("a.xlsx, sheet '2023年末', row 12, column '贷款余额(万元)': "
                              "balance '-3.5' is not a non-negative number [E006]")
    assert err.line("zh") == "a.xlsx，工作表“2023年末”，第 12 行，列“贷款余额(万元)”：贷款余额 '-3.5' 不是非负数 [E006]"
    assert str(err) == err.line("en")


def test_where_stands_in_for_a_location() -> None:
    err = ProfileError("E206", where="bank.toml", name="npl_ratio_max", value="high")
    assert err.line() == "bank.toml: [thresholds] npl_ratio_max = 'high' is not a number [E206]"


def test_a_code_that_is_not_catalogued_is_never_raised_silently() -> None:
    err = MCRError("something went wrong")
    assert err.code == "E999" and err.line() == "something went wrong [E999]"


def test_no_error_is_raised_with_free_text() -> None:
    kinds = "MCRError|LedgerError|ProfileError|AnalysisError|OutputError|UsageError"
    free = re.compile(rf"raise ({kinds})\(f?[\"'](?![EW]\d{{3}}[\"'])")
    offenders = [f"{p.relative_to(SRC)}:{i}" for p in SRC.rglob("*.py")
                 for i, line in enumerate(p.read_text("utf-8").splitlines(), 1)
                 if free.search(line)]
    assert offenders == []


@pytest.mark.parametrize("check", [True, False])
def test_the_doc_is_up_to_date(check: bool) -> None:
    spec = importlib.util.spec_from_file_location("gen_errors_doc", SCRIPT)
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    if check:
        assert gen.main(["--check"]) == 0, "run: PYTHONPATH=src python scripts/gen_errors_doc.py"
    else:
        text = gen.render()
        assert all(f"| {code} |" in text for code in catalogue() if code != "E999")
