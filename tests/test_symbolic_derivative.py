"""check_derivative beyond the rules table: partials, gradients, the verdict, and diagnosis."""
import pytest
import sympy

from coursekit.symbolic import MISTAKES, DerivativeVerdict, ParseError, check_derivative
from coursekit.symbolic.diagnosis import _Slip, rule_derivative

x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)


def test_the_example_from_the_issue():
    verdict = check_derivative("sin(x^2)", "2*x*cos(x^2)")
    assert verdict == DerivativeVerdict(True, verdict.feedback, None)
    assert verdict and "Correct" in verdict.feedback


def test_the_verdicts_have_names_of_their_own_beside_the_graders_verdict():
    import coursekit.symbolic as symbolic

    assert type(check_derivative("x^2", "2x")) is DerivativeVerdict
    assert type(symbolic.equivalent("x", "x")) is symbolic.EquivalenceVerdict
    assert not hasattr(symbolic, "Verdict") and not hasattr(symbolic, "Equivalence")


def test_the_lectures_exercise_in_beta():
    assert check_derivative("5β^2 - 3β + 2", "10β - 3", wrt="beta").correct
    assert check_derivative("5 beta^2 - 3 beta + 2", "10 beta", wrt="beta").mistake is None


MISTAKE_CASES = [  # the ten mistakes the course must recognise, in settings beyond single rules
    ("cos(3x + 1)", "-sin(3x + 1)", "x", "chain_rule"),
    ("exp(sin(x))", "exp(sin(x))", "x", "chain_rule"),
    ("x^2 + cos(x)", "2x + sin(x)", "x", "sign"),
    ("x^3 - 2x^2 + x", "3x^2 + 4x + 1", "x", "term_sign"),
    ("sin(x^2 - x)", "cos(x^2 - x) (2x + 1)", "x", "term_sign"),
    ("x^3 + 7", "3x^2 + 7", "x", "constant_kept"),
    ("x^2 + y^2", "2x + y^2", "x", "constant_kept"),
    ("x^4 - x", "4x^4 - 1", "x", "power_not_lowered"),
    ("e^x (x^2 + 1)", "2x e^x", "x", "product_rule"),
    ("(x^2 + 1)/(x - 1)", "((x^2 + 1) - 2x(x - 1))/(x - 1)^2", "x", "quotient_rule_swapped"),
    ("x^2 + 2x", "x^3/3 + x^2 + 5", "x", "antiderivative"),
    ("tan(x) + x", "tan(x) + x", "x", "function_itself"),
    ("x^2 y + y^3", "x^2 + 3y^2", "x", "wrong_variable"),
    ("5x^2", "5x", "x", "constant_factor"),
]


@pytest.mark.parametrize("function, answer, wrt, tag", MISTAKE_CASES,
                         ids=[f"{c[3]}: {c[0]}" for c in MISTAKE_CASES])
def test_recognises_the_mistake(function, answer, wrt, tag):
    verdict = check_derivative(function, answer, wrt=wrt)
    assert not verdict.correct
    assert verdict.mistake == tag, verdict.feedback
    assert verdict.feedback.startswith("Not quite.")


def test_every_tag_is_documented():
    used = {case[3] for case in MISTAKE_CASES}
    assert used <= set(MISTAKES)
    assert all(isinstance(text, str) and text for text in MISTAKES.values())


def test_the_lectures_derivative_with_one_sign_flipped_names_the_term_of_f_in_the_rule_not_the_answer():
    verdict = check_derivative("5*beta**2 - 3*beta + 2", "10*beta + 3")
    assert verdict.mistake == "term_sign"
    assert "sign" in verdict.feedback and "-3*beta" not in verdict.feedback  # the nudge: the idea
    assert verdict.message() == verdict.tiers[-1] and "-3*beta in f" in verdict.message()
    assert not any("10*beta" in tier or "differ" in tier for tier in verdict.tiers)


def test_without_wrt_a_function_of_one_variable_is_differentiated_by_it():
    assert check_derivative("5β^2 - 3β + 2", "10β - 3").correct
    assert check_derivative("x^2 y", "2xy").correct          # several variables: x


def test_the_chain_rule_nudge_names_the_idea_and_the_rule_where_in_f():
    verdict = check_derivative("sin(x^2)", "cos(x^2)")
    assert "inside" in verdict.feedback and "x^2" not in verdict.feedback
    assert "f′(g(x))·g′(x)" in verdict.message(2) and "sin(x^2) in f" in verdict.message(2)


def test_a_part_of_f_that_is_a_term_of_the_derivative_is_not_named():
    verdict = check_derivative("x exp(x)", "exp(x)")  # the product x·eˣ is also a term of f′
    assert verdict.mistake == "product_rule" and "Look at" not in verdict.message()
    verdict = check_derivative("exp(x)", "x exp(x - 1)")  # eˣ is f′ itself
    assert verdict.mistake == "exponential_as_power" and "Look at" not in verdict.message()


def test_an_unexplained_wrong_answer_shows_where_it_differs_but_not_the_derivatives_value():
    verdict = check_derivative("x^2", "x + 1")
    assert not verdict.correct and verdict.mistake is None
    point = float(verdict.feedback.split("differ at x=")[1].split(".", 1)[0] + "."
                  + verdict.feedback.split("differ at x=")[1].split(".")[1])
    assert "differ at x=" in verdict.feedback and " is " not in verdict.feedback
    assert f"{2 * point:.3g}" not in " ".join(verdict.tiers)


def test_tiers_go_from_the_nudge_to_the_rule_and_stop_there():
    verdict = check_derivative("x^3", "3x^3")
    assert verdict.feedback == verdict.message(1) == verdict.tiers[0]
    assert verdict.message(2) == verdict.message(9) == verdict.message() == verdict.tiers[-1]
    assert "n·uⁿ⁻¹" not in verdict.message(1) and "n·uⁿ⁻¹" in verdict.message(2)
    assert check_derivative("x^3", "3x^2").tiers == ()


def test_partial_derivatives_treat_other_variables_as_constants():
    assert check_derivative("x^2 y + sin(x y)", "2xy + y cos(xy)", wrt="x").correct
    assert check_derivative("x^2 y + sin(x y)", "x^2 + x cos(xy)", wrt="y").correct


def test_a_variable_absent_from_the_function_has_derivative_zero():
    assert check_derivative("x^2 + 1", "0", wrt="y").correct
    assert not check_derivative("x^2 + 1", "2x", wrt="y").correct


def test_gradients_are_checked_component_by_component():
    verdict = check_derivative("x^2 y + y^3", ["2xy", "x^2 + 3y^2"], wrt=("x", "y"))
    assert verdict.correct
    verdict = check_derivative("x^2 y + y^3", ("2xy", "x^2 + 3y"), wrt="x, y")
    assert not verdict.correct and "∂f/∂y" in verdict.feedback


def test_a_list_answer_with_the_default_wrt_means_the_gradient_over_all_variables():
    assert check_derivative("x^2 + x y", ["2x + y", "x"]).correct


def test_swapped_gradient_components_are_a_wrong_variable_mistake():
    verdict = check_derivative("x^2 y + y^3", ["x^2 + 3y^2", "2xy"], wrt=("x", "y"))
    assert verdict.mistake == "wrong_variable"


def test_the_rosenbrock_gradient_from_sympy_is_accepted():
    f = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    answer = [sympy.diff(f, x), sympy.diff(f, y)]
    assert check_derivative(f, answer, wrt=("x", "y")).correct


def test_a_gradient_of_the_wrong_length_is_named():
    verdict = check_derivative("x^2 + y^2", ["2x"], wrt=("x", "y"))
    assert verdict.mistake == "gradient_length" and "2 components" in verdict.feedback
    verdict = check_derivative("x^2 + y^2", "2x", wrt=("x", "y"))
    assert verdict.mistake == "gradient_length"


def test_an_unreadable_answer_is_a_verdict_not_an_exception():
    verdict = check_derivative("x^2", "2x +")
    assert verdict.mistake == "unreadable" and "ends too early" in verdict.feedback
    verdict = check_derivative("x^2", "2z")
    assert verdict.mistake == "unreadable" and "'z'" in verdict.feedback


def test_an_unreadable_function_raises():
    with pytest.raises(ParseError):
        check_derivative("x^^2", "2x")
    with pytest.raises(TypeError, match="wrt"):
        check_derivative("x^2", "2x", wrt=3)


def test_an_answer_that_cannot_be_decided_is_not_marked_correct():
    verdict = check_derivative("x", "1 + sqrt(-1 - x^2) - sqrt(-1 - x^2)*2", timeout=0.5)
    assert not verdict.correct
    assert verdict.mistake == "undecided"


@pytest.mark.parametrize("function", ["sin(x^2) exp(3x)", "x^x", "ln(1 + x^2)/(x^2 + 2)",
                                      "2^(x) tan(x)^3", "acos(x/2) sqrt(4 - x^2)", "abs(x) x"])
def test_the_rule_differentiator_agrees_with_sympy_without_a_slip(function):
    from coursekit.symbolic import parse
    f = parse(function)
    difference = rule_derivative(f, x) - sympy.diff(f, x)
    for point in (0.3, 0.7, 1.3):
        assert abs(complex(difference.evalf(30, subs={x: point}))) < 1e-20


def test_a_slip_changes_only_its_node():
    f = sympy.sin(x**2) + sympy.cos(x)
    slipped = rule_derivative(f, x, _Slip("chain", f.args[1] if f.args[1].has(x**2) else f.args[0]))
    assert sympy.simplify(slipped - (sympy.cos(x**2) - sympy.sin(x))) == 0


def test_two_slips_at_once_are_both_named():
    verdict = check_derivative("cos(x^2)", "sin(x^2)")
    assert verdict.mistake == "chain_rule"
    assert "inside" in verdict.feedback and "sign" in verdict.feedback
    verdict = check_derivative("sin(x)^3", "3sin(x)^3")
    assert verdict.mistake == "chain_rule" and "Power rule" in verdict.feedback


def test_a_gradient_may_be_a_sympy_matrix():
    f = x**2 * y
    assert check_derivative(f, sympy.Matrix([2 * x * y, x**2]), wrt=("x", "y")).correct
