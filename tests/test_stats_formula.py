import pytest

from microcredit_risk.errors import AnalysisError
from microcredit_risk.stats.formula import Term, formula_text, parse_formula

COLS = ["guarantee_type", "amount", "term", "风险 分担", "a+b", "rate"]


def test_terms_and_quoting():
    terms = parse_formula("npl ~ 1 + C(guarantee_type) + log(amount) + np.log(rate) + term"
                          " + Q('风险 分担') + `a+b` + C(Q(\"a+b\")) + term", COLS)
    assert terms == [Term("factor", "guarantee_type"), Term("log", "amount"), Term("log", "rate"),
                     Term("value", "term"), Term("value", "风险 分担"), Term("value", "a+b"),
                     Term("factor", "a+b")]   # the repeated `term` is kept once
    assert formula_text(terms) == ('npl ~ C(guarantee_type) + log(amount) + log(rate) + term'
                                   ' + Q("风险 分担") + Q("a+b") + C(Q("a+b"))')


@pytest.mark.parametrize("formula", ["npl ~ C(guarantee_type, Treatment('credit'))", "npl ~ amount*rate",
                                     "npl ~ amount +", "npl ~ amount ~ rate", "npl ~ Q('nope')"])
def test_rejected_formulas(formula):
    with pytest.raises(AnalysisError):
        parse_formula(formula, COLS)
