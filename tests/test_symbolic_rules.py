"""Every rule of the lecture's derivative table (lecture 000), checked three ways.

For each rule: sympy's derivative equals the lecture's formula on the rule's
domain (independent truth: sympy and the slide); a correct answer written in a
different form from sympy's is accepted; a typical wrong answer is refused
with the expected mistake tag.
"""
import math

import numpy as np
import pytest
import sympy

from coursekit.symbolic import MISTAKES, check_derivative, parse

# section, rule, f, the lecture's f', domain intervals for x, a correct answer in another form,
# a wrong answer, its mistake tag.
RULES = [
    ("basic", "constant", "7", "0", [(-4, 4)],
     "sin(x)^2 + cos(x)^2 - 1", "7", "constant_kept"),
    ("basic", "constant multiple", "4x^3", "4*3*x^2", [(-4, 4)],
     "12x^2 (sin(x)^2 + cos(x)^2)", "3x^2", "constant_factor"),
    ("basic", "power", "x^5", "5x^4", [(-4, 4)],
     "5(x^2 + 1)(x^2 - 1) + 5", "5x^5", "power_not_lowered"),
    ("basic", "sum", "x^3 + sin(x) + 4", "3x^2 + cos(x)", [(-4, 4)],
     "3x^2 + 1 - 2sin(x/2)^2", "3x^2 + cos(x) + 4", "constant_kept"),
    ("basic", "difference", "x^3 - cos(x)", "3x^2 - (-sin(x))", [(-4, 4)],
     "3x^2 + 2sin(x/2)cos(x/2)", "3x^2 - sin(x)", "sign"),
    ("basic", "product", "x^2 sin(x)", "x^2 cos(x) + sin(x) 2x", [(-4, 4)],
     "x (2sin(x) + x cos(x))", "2x cos(x)", "product_rule"),
    ("basic", "quotient", "sin(x)/x", "(x cos(x) - sin(x))/x^2", [(-4, -0.1), (0.1, 4)],
     "(x cos(x) - sin(x))/x^2", "(sin(x) - x cos(x))/x^2", "quotient_rule_swapped"),
    ("basic", "chain", "sin(x^2)", "cos(x^2) 2x", [(-4, 4)],
     "2x (1 - 2sin(x^2/2)^2)", "cos(x^2)", "chain_rule"),
    ("exponential", "e^x", "e^x", "e^x", [(-4, 4)],
     "cosh(x) + sinh(x)", "x e^(x - 1)", "exponential_as_power"),
    ("exponential", "a^x", "3^x", "3^x ln(3)", [(-4, 4)],
     "exp(x ln(3)) ln(3)", "3^x", "constant_factor"),
    ("exponential", "a^x, symbolic a", "a^x", "a^x ln(a)", [(-4, 4)],
     "exp(x ln(a)) ln(a)", "x a^(x-1)", "exponential_as_power"),
    ("exponential", "e^g(x)", "e^(x^2)", "e^(x^2) 2x", [(-3, 3)],
     "2x (cosh(x^2) + sinh(x^2))", "e^(x^2)", "chain_rule"),
    ("exponential", "a^g(x)", "2^(x^2)", "ln(2) 2^(x^2) 2x", [(-3, 3)],
     "x ln(4) exp(x^2 ln(2))", "2^(x^2) ln(2)", "chain_rule"),
    ("logarithmic", "ln x", "ln(x)", "1/x", [(0.05, 5)],
     "1/abs(x)", "x ln(x) - x", "antiderivative"),
    ("logarithmic", "ln g(x)", "ln(x^2 + 1)", "2x/(x^2 + 1)", [(-4, 4)],
     "2/(x + 1/x)", "1/(x^2 + 1)", "chain_rule"),
    ("logarithmic", "log_a x", "log(x, 2)", "1/(x ln(2))", [(0.05, 5)],
     "1/ln(2^x)", "1/x", "constant_factor"),
    ("logarithmic", "log_a g(x)", "log_3(x^2 + 1)", "2x/((x^2 + 1) ln(3))", [(-4, 4)],
     "2/((x + 1/x) ln(3))", "1/((x^2 + 1) ln(3))", "chain_rule"),
    ("trigonometric", "sin", "sin(x)", "cos(x)", [(-4, 4)],
     "1 - 2sin(x/2)^2", "-cos(x)", "sign"),
    ("trigonometric", "cos", "cos(x)", "-sin(x)", [(-4, 4)],
     "-2sin(x/2)cos(x/2)", "sin(x)", "sign"),
    ("trigonometric", "tan", "tan(x)", "sec(x)^2", [(-1.5, 1.5)],
     "1/cos(x)^2", "-sec(x)^2", "sign"),
    ("trigonometric", "csc", "csc(x)", "-csc(x) cot(x)", [(0.1, 3)],
     "-cos(x)/sin(x)^2", "csc(x) cot(x)", "sign"),
    ("trigonometric", "sec", "sec(x)", "sec(x) tan(x)", [(-1.5, 1.5)],
     "sin(x)/cos(x)^2", "sec(x)", "function_itself"),
    ("trigonometric", "cot", "cot(x)", "-csc(x)^2", [(0.1, 3)],
     "-1/sin(x)^2", "ln(sin(x))", "antiderivative"),
    ("inverse trigonometric", "arcsin", "arcsin(x)", "1/sqrt(1 - x^2)", [(-0.99, 0.99)],
     "1/sqrt((1 - x)(1 + x))", "-1/sqrt(1 - x^2)", "sign"),
    ("inverse trigonometric", "arccos", "arccos(x)", "-1/sqrt(1 - x^2)", [(-0.99, 0.99)],
     "-1/(sqrt(1 - x) sqrt(1 + x))", "1/sqrt(1 - x^2)", "sign"),
    ("inverse trigonometric", "arctan", "arctan(x)", "1/(1 + x^2)", [(-4, 4)],
     "(1/x)/(x + 1/x)", "x arctan(x) - ln(1 + x^2)/2", "antiderivative"),
    ("inverse trigonometric", "arccot", "arccot(x)", "-1/(1 + x^2)", [(-4, 4)],
     "-x^(-2)/(1 + x^(-2))", "1/(1 + x^2)", "sign"),
    # The slide's 1/(x sqrt(x^2 - 1)) holds for x > 1; for x < -1 the factor is |x|.
    ("inverse trigonometric", "arcsec", "arcsec(x)", "1/(x sqrt(x^2 - 1))", [(1.01, 5)],
     "1/(abs(x) sqrt(x^2 - 1))", "-1/(abs(x) sqrt(x^2 - 1))", "sign"),
    ("inverse trigonometric", "arccsc", "arccsc(x)", "-1/(x sqrt(x^2 - 1))", [(1.01, 5)],
     "-1/(abs(x) sqrt(x^2 - 1))", "1/(abs(x) sqrt(x^2 - 1))", "sign"),
    ("hyperbolic", "sinh", "sinh(x)", "cosh(x)", [(-4, 4)],
     "(e^x + e^(-x))/2", "sinh(x)", "function_itself"),
    ("hyperbolic", "cosh", "cosh(x)", "sinh(x)", [(-4, 4)],
     "(e^x - e^(-x))/2", "-sinh(x)", "sign"),
    ("hyperbolic", "tanh", "tanh(x)", "sech(x)^2", [(-4, 4)],
     "1/cosh(x)^2", "ln(cosh(x))", "antiderivative"),
    ("hyperbolic", "csch", "csch(x)", "-csch(x) coth(x)", [(-4, -0.1), (0.1, 4)],
     "-cosh(x)/sinh(x)^2", "csch(x) coth(x)", "sign"),
    ("hyperbolic", "sech", "sech(x)", "-sech(x) tanh(x)", [(-4, 4)],
     "-sinh(x)/cosh(x)^2", "sech(x) tanh(x)", "sign"),
    # The slide prints -csch x; the derivative of coth is -csch^2 x.
    ("hyperbolic", "coth", "coth(x)", "-csch(x)^2", [(-4, -0.1), (0.1, 4)],
     "1 - coth(x)^2", "csch(x)^2", "sign"),
    ("inverse hyperbolic", "arsinh", "arsinh(x)", "1/sqrt(1 + x^2)", [(-4, 4)],
     "(1 + x/sqrt(x^2 + 1))/(x + sqrt(x^2 + 1))", "x arsinh(x) - sqrt(x^2 + 1)",
     "antiderivative"),
    ("inverse hyperbolic", "arcosh", "arcosh(x)", "1/sqrt(x^2 - 1)", [(1.01, 5)],
     "1/sqrt(x^2 - 1)", "-1/sqrt(x^2 - 1)", "sign"),
    ("inverse hyperbolic", "artanh", "artanh(x)", "1/(1 - x^2)", [(-0.99, 0.99)],
     "1/((1 - x)(1 + x))", "artanh(x)", "function_itself"),
    # The slide prints sqrt(1 - x^2); the derivative of arcsch has sqrt(1 + x^2).
    ("inverse hyperbolic", "arcsch", "arcsch(x)", "-1/(abs(x) sqrt(1 + x^2))",
     [(-4, -0.1), (0.1, 4)], "-1/(abs(x) sqrt(1 + x^2))", "1/(abs(x) sqrt(1 + x^2))", "sign"),
    ("inverse hyperbolic", "arsech", "arsech(x)", "-1/(x sqrt(1 - x^2))", [(0.01, 0.99)],
     "-1/(x^2 sqrt(1/x^2 - 1))", "1/(x sqrt(1 - x^2))", "sign"),
    ("inverse hyperbolic", "arcoth", "arcoth(x)", "1/(1 - x^2)", [(-5, -1.01), (1.01, 5)],
     "-1/((x - 1)(x + 1))", "arcoth(x)", "function_itself"),
]
IDS = [f"{section}: {rule}" for section, rule, *_ in RULES]
SECTIONS = {"basic", "exponential", "logarithmic", "trigonometric", "inverse trigonometric",
            "hyperbolic", "inverse hyperbolic"}


def _domain_points(intervals, n=25):
    rng = np.random.default_rng(0)
    return [float(rng.uniform(*intervals[i % len(intervals)])) for i in range(n)]


def test_the_table_covers_every_section_of_the_lecture():
    assert {section for section, *_ in RULES} == SECTIONS
    assert len(RULES) >= 40


@pytest.mark.parametrize("section, rule, function, lecture, domain, correct, wrong, tag", RULES, ids=IDS)
def test_sympy_derivative_matches_the_lecture_on_the_rules_domain(
        section, rule, function, lecture, domain, correct, wrong, tag):
    f = parse(function, symbols=("x", "a"))
    x, a = sympy.Symbol("x", real=True), sympy.Symbol("a", real=True)
    derivative = sympy.diff(f, x)
    formula = parse(lecture, symbols=("x", "a"))
    for point in _domain_points(domain):
        at = {x: sympy.Float(point, 30), a: sympy.Float(2.5, 30)}
        expected = complex(formula.evalf(30, subs=at))
        got = complex(derivative.evalf(30, subs=at))
        assert abs(expected.imag) < 1e-20, f"{lecture} is not real at x={point}"
        assert math.isclose(got.real, expected.real, rel_tol=1e-12, abs_tol=1e-12), (rule, point)


@pytest.mark.parametrize("section, rule, function, lecture, domain, correct, wrong, tag", RULES, ids=IDS)
def test_a_correct_answer_in_another_form_is_accepted(
        section, rule, function, lecture, domain, correct, wrong, tag):
    f = parse(function, symbols=("x", "a"))
    assert parse(correct, symbols=("x", "a")) != sympy.diff(f, sympy.Symbol("x", real=True))
    verdict = check_derivative(function, correct)
    assert verdict.correct, verdict.feedback
    assert verdict.mistake is None


@pytest.mark.parametrize("section, rule, function, lecture, domain, correct, wrong, tag", RULES, ids=IDS)
def test_a_typical_wrong_answer_gets_its_mistake_tag(
        section, rule, function, lecture, domain, correct, wrong, tag):
    verdict = check_derivative(function, wrong)
    assert not verdict.correct
    assert verdict.mistake == tag, verdict.feedback
    assert tag in MISTAKES


@pytest.mark.parametrize("section, rule, function, lecture, domain, correct, wrong, tag", RULES, ids=IDS)
def test_sympys_own_form_is_accepted(section, rule, function, lecture, domain, correct, wrong, tag):
    derivative = sympy.diff(parse(function, symbols=("x", "a")), sympy.Symbol("x", real=True))
    assert check_derivative(function, derivative).correct


def test_the_slides_printed_coth_and_arcsch_formulas_are_refused():
    # Slips on the slide: d/dx coth x = -csch^2 x (not -csch x), and arcsch has sqrt(1 + x^2).
    assert not check_derivative("coth(x)", "-csch(x)").correct
    assert not check_derivative("arcsch(x)", "-1/(abs(x) sqrt(1 - x^2))").correct
