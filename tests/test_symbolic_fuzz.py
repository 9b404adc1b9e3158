"""Any text at all: the parser answers with an expression or a ParseError, never anything else."""
import string

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursekit.symbolic import ParseError, check_derivative, parse

_PIECES = ["x", "y", "e", "pi", "sin", "cos", "ln", "log", "sqrt", "abs", "arcsin", "sech", "^",
           "**", "*", "/", "+", "-", "(", ")", "|", ",", "2", "0", "0.5", "10", " ", ".", "_",
           "__", "'", "[", "]", "π", "²", "−", "х"]

formula_like = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
ascii_text = st.text(alphabet=string.printable, max_size=80)


def _parse_or_refuse(text):
    try:
        expr = parse(text, symbols=("x", "y"))
    except ParseError as error:
        assert str(error)
        return None
    assert isinstance(expr, sympy.Expr)
    return expr


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(formula_like, any_text, ascii_text))
def test_parse_returns_an_expression_or_raises_parse_error(text):
    _parse_or_refuse(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula_like)
def test_check_derivative_gives_a_verdict_for_any_answer(text):
    verdict = check_derivative("x^2 sin(x)", text, timeout=0.5)
    assert isinstance(verdict.correct, bool) and verdict.feedback
