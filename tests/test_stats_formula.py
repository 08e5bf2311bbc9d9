import pytest
from stats_fixtures import single_snapshot

from microcredit_risk.errors import AnalysisError
from microcredit_risk.stats.drivers import fit_driver_model
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


@pytest.mark.parametrize("formula, line", [
    ("log(amount)", "the formula must read 'npl ~ term + term …' (one '~'), got 'log(amount)' [E401]"),
    ("npl ~ amount ~ rate", "the formula must read 'npl ~ term + term …' (one '~'), got 'npl ~ amount ~ rate' [E401]"),
    ("default ~ amount", "the left side of the formula must be 'npl' (NPL at t1), got 'default' [E402]"),
    ("npl ~ log(amount", "the formula has an unclosed quote or parenthesis: 'npl ~ log(amount' [E403]"),
    ("npl ~ amount + ", "the formula has an empty term (a '+' with nothing beside it): 'npl ~ amount +' [E404]"),
    ("npl ~ amount*rate", "unsupported term 'amount*rate' in the formula "
                          "(supported: C(col), log(col), col, Q(\"col name\")) [E405]"),
    ("npl ~ C(guarantee_type, Treatment('credit'))",
     "unsupported term \"C(guarantee_type, Treatment('credit'))\": C() takes exactly one column [E406]"),
    ("npl ~ log(amount, 10)", "unsupported term 'log(amount, 10)': log() takes exactly one column [E406]"),
    ("npl ~ term + Q('risk_share')", "the formula names unknown column 'risk_share'; available columns: "
                                     "guarantee_type, amount, term, 风险 分担, a+b, rate [E407]"),
])
def test_formula_errors_name_the_term_and_carry_their_code(formula, line):
    with pytest.raises(AnalysisError) as info:
        parse_formula(formula, COLS)
    assert str(info.value) == line


def test_formula_error_in_chinese():
    with pytest.raises(AnalysisError) as info:
        parse_formula("npl ~ risk_share", COLS)
    assert info.value.line("zh") == ("公式中的列 'risk_share' 不存在；可用的列：guarantee_type, amount, term, 风险 分担, "
                                     "a+b, rate [E407]")


def test_log_of_a_text_column_names_it():
    frame = single_snapshot(["normal"] * 30 + ["substandard"] * 30)
    with pytest.raises(AnalysisError) as info:
        fit_driver_model(frame, "npl ~ log(guarantee_type)")
    assert str(info.value) == "log(guarantee_type) needs a numeric column; 'guarantee_type' holds text [E408]"


def test_a_ledger_without_grades_names_the_column():
    frame = single_snapshot(["normal"] * 30).drop(columns=["five_category"])
    with pytest.raises(AnalysisError) as info:
        fit_driver_model(frame, "npl ~ log(amount)")
    assert str(info.value) == "the driver model needs column 'five_category' [E409]"
