"""Assignment 01_derivatives: references agree with finite differences; slips are caught."""

import numpy as np
import pytest
import sympy

from autograder import questions
from coursekit.gradcheck import numerical_gradient

A = "01_derivatives"
QUESTIONS = questions.load_assignment(A)


def _exercises():
    for name, (function, _, _) in QUESTIONS.RULE_EXERCISES.items():
        yield name, function, "x", ("x",)
    for name, (function, variable, symbols, _, _) in QUESTIONS.OTHER_EXERCISES.items():
        yield name, function, variable, symbols


@pytest.mark.parametrize("name, function, variable, symbols", list(_exercises()))
def test_symbolic_reference_matches_central_differences(name, function, variable, symbols):
    names = {s: sympy.Symbol(s) for s in symbols}
    f = sympy.lambdify(list(names.values()), sympy.sympify(function, locals=names), "numpy")
    derivative = sympy.lambdify(list(names.values()),
                                sympy.sympify(questions.get(f"{A}.{name}").reference({}), locals=names), "numpy")
    rng = np.random.default_rng(0)
    k = list(symbols).index(variable)
    for _ in range(5):
        point = rng.uniform(0.1, 0.45, size=len(symbols))   # inside every domain (asin(2x) needs |x| < 1/2)
        slope = numerical_gradient(lambda p: float(f(*p)), point.copy(), h=1e-6)[k]
        assert derivative(*point) == pytest.approx(slope, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name, right, wrong", [
    ("quotient", "(1 - 2*x - x**2)/(x**2 + 1)**2", "1/(2*x)"),
    ("exponential", "6*x*exp(3*x**2) + log(2)*2**x + 2*x/((x**2 + 1)*log(10))",
     "exp(3*x**2) + 2**x + 1/(x**2 + 1)"),
    ("reciprocal_trigonometric", "2*x*tan(x**2)/cos(x**2) - 3*(1 + cot(3*x)**2)",
     "sec(x**2)*tan(x**2) - csc(3*x)**2"),
    ("reciprocal_hyperbolic", "-2*csch(2*x)**2 + (1 - x*tanh(x))/cosh(x)", "-2*csch(2*x)**2 + sech(x)"),
    ("inverse_hyperbolic", "2*x/sqrt(x**4 + 1) + 1/(2*(1 - x**2/4))", "1/sqrt(1 + x**4) + 1/(1 - x**2)"),
    ("inverse_reciprocal_hyperbolic", "-2/(abs(x)*sqrt(1 + x**4)) - 1/(x*sqrt(1 - x**2))",
     "-1/(x**2*sqrt(1 + x**4)) - 1/(x*sqrt(1 - x**2))"),
    ("sigmoid", "1/(1 + exp(-x)) * (1 - 1/(1 + exp(-x)))", "-exp(-x)/(1 + exp(-x))**2"),
    ("neuron", "2*(1/(1+exp(-w*x-b)) - y)*exp(-w*x-b)/(1+exp(-w*x-b))**2*x",
     "2*(1/(1+exp(-w*x-b)) - y)*x"),
])
def test_equivalent_forms_pass_and_slips_fail(name, right, wrong, judge):
    assert judge(name, right).correct
    assert judge(name, wrong).score == 0


def test_exact_gradient_and_jacobian_match_numerical_ones():
    rng = np.random.default_rng(1)
    for _ in range(5):
        p = rng.uniform(-2, 2, size=2)
        f = lambda q: q[0] ** 2 * q[1] + np.sin(q[0] * q[1]) + np.exp(q[1])  # noqa: E731
        np.testing.assert_allclose(QUESTIONS.grad_f_exact(p), numerical_gradient(f, p.copy()), rtol=1e-6)
        polar = [lambda q: q[0] * np.cos(q[1]), lambda q: q[0] * np.sin(q[1])]
        rows = [numerical_gradient(F, p.copy()) for F in polar]
        np.testing.assert_allclose(QUESTIONS.jacobian_polar_exact(p), rows, rtol=1e-6, atol=1e-9)


def _central(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def _jacobian_by_columns(F, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    return np.column_stack([(F(x + h * e) - F(x - h * e)) / (2 * h) for e in np.eye(x.size)])


def test_independent_implementations_score_full_marks_including_hidden_edge_cases(judge):
    for name, answer in (("central_difference", _central), ("numerical_jacobian", _jacobian_by_columns),
                         ("grad_f", QUESTIONS.grad_f_exact), ("jacobian_polar", QUESTIONS.jacobian_polar_exact)):
        assert judge(name, answer).correct, name
        assert judge(f"{name}_hidden", answer).correct, name


def test_forward_differences_and_transposed_jacobians_are_diagnosed(judge):
    assert judge("central_difference", lambda f, x, h=1e-5: (f(x + h) - f(x)) / h).mistake == "forward"
    transposed = judge("numerical_jacobian", lambda F, x, h=1e-6: _jacobian_by_columns(F, x, h).T)
    assert transposed.score == 0 and transposed.mistake == "transposed"
    assert judge("numerical_jacobian_hidden", _jacobian_with_zeros_like).score == 0


def _jacobian_with_zeros_like(F, x, h=1e-6):
    # np.zeros_like of an integer point is an integer array: e[j] = h truncates to 0
    columns = []
    for j in range(len(x)):
        e = np.zeros_like(x)
        e[j] = h
        columns.append((F(x + e) - F(x - e)) / (2 * h))
    return np.column_stack(columns)


def test_the_inverse_secant_rules_hold_on_the_branches_the_notebook_names():
    from pathlib import Path

    import nbformat

    x, h = np.array([-3.0, -1.5, 1.5, 3.0]), 1e-6
    principal = lambda t: np.arccos(1 / t)                          # sec⁻¹ with values in [0, π]
    other = lambda t: np.where(t < 0, 2 * np.pi - np.arccos(1 / t), np.arccos(1 / t))   # [π, 3π/2) for x ≤ −1
    slope = lambda f: (f(x + h) - f(x - h)) / (2 * h)
    np.testing.assert_allclose(slope(principal), 1 / (np.abs(x) * np.sqrt(x**2 - 1)), rtol=1e-6)
    np.testing.assert_allclose(slope(other), 1 / (x * np.sqrt(x**2 - 1)), rtol=1e-6)
    nb = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / A / f"{A}.ipynb", as_version=4)
    table = next(c.source for c in nb.cells if c.get("id") == "cell-012")
    assert "principal branches" in table and r"[\pi, 3\pi/2)" in table
    assert r"(\sin^{-1} x)' = \frac{1}{\sqrt{1-x^2}}$, $\lvert x\rvert < 1$" in table


@pytest.mark.parametrize("name, tag, slide_row", [
    ("reciprocal_hyperbolic", "slide_coth", ("coth", "-csch(u)")),
    ("inverse_reciprocal_hyperbolic", "slide_acsch", ("acsch", "-1/(u*sqrt(1 - u**2))")),
])
def test_answers_built_on_the_slides_wrong_rows_are_named_with_the_errata(name, tag, slide_row, judge):
    # the declared wrong answer is what the slide's row gives, applied with the chain rule (sympy's diff
    # with the slide's derivative substituted for the corrected one), so the tag names the real slip
    function, _, mistakes = QUESTIONS.RULE_EXERCISES[name]
    x, u = sympy.Symbol("x", positive=True), sympy.Symbol("u")
    outer, slide = slide_row
    f = sympy.sympify(function, locals={"x": x})
    inner = next(a.args[0] for a in sympy.preorder_traversal(f) if type(a).__name__ == outer)
    slide_derivative = sympy.sympify(slide, locals={"u": u}).subs(u, inner) * sympy.diff(inner, x)
    rest = f - getattr(sympy, outer)(inner)
    wrong = sympy.sympify(mistakes[tag][0], locals={"x": x})
    difference = wrong - (slide_derivative + sympy.diff(rest, x))
    assert all(abs(float(difference.subs(x, p))) < 1e-9 for p in (0.2, 0.5, 0.8))
    result = judge(name, mistakes[tag][0])
    assert result.score == 0 and result.mistake == tag and "errata" in result.hint


def test_the_drills_exercise_every_reciprocal_and_inverse_hyperbolic_row():
    x = sympy.Symbol("x")
    used = set()
    for name, (function, _, _) in QUESTIONS.RULE_EXERCISES.items():
        if name == "sigmoid":   # the chain-rule section's exercise, not a drill
            continue
        used |= {type(a).__name__ for a in sympy.preorder_traversal(sympy.sympify(function, locals={"x": x}))}
    assert {"sec", "cot", "coth", "sech", "asinh", "atanh", "acsch", "asech"} <= used
    assert not {"sin", "cos"} & used, "the easy rows are left to the later exercises"
