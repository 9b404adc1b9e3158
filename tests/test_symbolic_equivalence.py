"""equivalent(): random points of the common real domain first, a time-limited proof second."""
import multiprocessing
import sys
import time

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.symbolic import EquivalenceVerdict, ParseError, equivalence, equivalent
from coursekit.symbolic.equivalence import compare_numerically, prove

x = sympy.Symbol("x", real=True)

SAME = [
    ("2sin(x)cos(x)", "sin(2x)"), ("1/cos(x)^2", "1 + tan(x)^2"), ("cosh(x)^2 - sinh(x)^2", "1"),
    ("ln(x^2)", "2ln(x)"),            # equal where both are real: x > 0
    ("sqrt(x)^2", "x"), ("asec(x)", "acos(1/x)"), ("(x+1)^2", "x^2 + 2x + 1"),
    ("exp(x) exp(y)", "exp(x + y)"), ("log(x, 2)", "ln(x)/ln(2)"),
]
DIFFERENT = [
    ("x^2", "2x"), ("sqrt(x^2)", "x"), ("sin(x)", "sin(x) + 10^(-6)"),
    ("exp(exp(exp(exp(x))))", "exp(exp(exp(exp(x)))) + 1"), ("x^1000", "x^999"),
    ("1/3 x", "0.333333 x"),
]


@pytest.mark.parametrize("first, second", SAME)
def test_equal_expressions_are_equivalent(first, second):
    outcome = equivalent(first, second)
    assert outcome.result == "yes", outcome.reason
    assert outcome


@pytest.mark.parametrize("first, second", DIFFERENT)
def test_different_expressions_get_a_counterexample(first, second):
    outcome = equivalent(first, second)
    assert outcome.result == "no"
    assert not outcome
    assert "differ" in outcome.reason


CANCELLING = "(beta+1)**99*(beta-1)**99 - (beta**2-1)**99 + 10*beta - 3"    # terms of 1e77 cancel


def test_equal_expressions_whose_terms_cancel_catastrophically_are_equivalent():
    outcome = equivalent(CANCELLING, "10*beta - 3")
    assert outcome.result == "yes", outcome.reason


def test_a_small_difference_under_catastrophic_cancellation_is_still_found():
    outcome = equivalent(CANCELLING, "10*beta - 3 + 10^(-6)")
    assert outcome.result == "no" and "differ" in outcome.reason


@st.composite
def equal_pairs(draw):
    """Two forms of one expression that float64 evaluates differently, some very differently."""
    coefficients = draw(st.lists(st.integers(-9, 9), min_size=1, max_size=4))
    polynomial = sum(c * x**k for k, c in enumerate(coefficients))
    c, n = draw(st.integers(1, 3)), draw(st.integers(1, 99))
    forms = [
        (polynomial + (x + c) ** n * (x - c) ** n - (x**2 - c**2) ** n, polynomial),
        (sympy.expand((x + c) ** min(n, 60)), (x + c) ** min(n, 60)),
        (sympy.sin(polynomial) ** 2 + sympy.cos(polynomial) ** 2, sympy.Integer(1)),
        (sympy.expand(polynomial * (x - c)) / (x - c), polynomial),
    ]
    return draw(st.sampled_from(forms))


@settings(max_examples=40, deadline=None)
@given(equal_pairs())
def test_equal_expressions_written_differently_are_never_called_different(pair):
    outcome = equivalent(*pair)
    assert outcome.result != "no", outcome.reason


def test_the_counterexample_is_a_real_point_where_the_values_differ():
    outcome = equivalent("x^2", "2x")
    point = float(outcome.reason.split("x=")[1].split(":")[0])
    assert abs(point**2 - 2 * point) > 1e-3


def test_a_counterexample_shows_enough_digits_to_tell_the_values_apart():
    reason = equivalent("x", "x + 10^(-9)").reason
    first, second = reason.split(": ")[1].split(" versus ")
    assert first != second and float(second) - float(first) == pytest.approx(1e-9, rel=0.6)


def test_sympy_expressions_with_plain_symbols_compare_with_parsed_text():
    plain = sympy.Symbol("x")
    assert equivalent(sympy.sin(plain) ** 2, "1 - cos(x)^2").result == "yes"


def test_no_common_real_domain_is_undecided_not_wrong():
    outcome = equivalent("sqrt(-1 - x^2)", "2 sqrt(-1 - x^2)", timeout=1.0)
    assert outcome.result == "undecided"
    assert "domain" in outcome.reason


def test_a_proof_is_attempted_when_the_numbers_cannot_decide():
    # asin(x + 5) is real nowhere, so no random point decides; simplify does.
    outcome = equivalent("asin(x + 5) + 1", "1 + asin(5 + x)*1", timeout=5.0)
    assert outcome.result == "yes"


def test_the_proof_can_be_asked_for_explicitly():
    outcome = equivalent("2sin(x)cos(x)", "sin(2x)", proof=True, timeout=10.0)
    assert outcome.result == "yes" and "simplif" in outcome.reason


def test_a_slow_proof_is_cut_off_at_the_time_limit():
    slow = sympy.expand((x + 1) ** 60) * sympy.sin(x) ** 2
    start = time.perf_counter()
    outcome = prove(slow, (x + 1) ** 60 * (1 - sympy.cos(x) ** 2), timeout=0.2)
    assert time.perf_counter() - start < 2.0
    assert outcome.result == "undecided" and "within 0.2 s" in outcome.reason


def test_numeric_comparison_can_be_restricted_to_a_functions_domain():
    # 1/|x| and 1/x agree only for x > 0, the domain of ln x.
    assert compare_numerically(1 / sympy.Abs(x), 1 / x).result == "no"
    assert compare_numerically(1 / sympy.Abs(x), 1 / x, within=[sympy.log(x)]).result == "yes"


def test_constants_are_compared_by_value():
    assert equivalent("ln(8)", "3 ln(2)").result == "yes"
    assert equivalent("pi", "22/7").result == "no"


def test_equivalence_is_truthy_only_for_yes():
    assert EquivalenceVerdict("yes", "")
    assert not EquivalenceVerdict("no", "")
    assert not EquivalenceVerdict("undecided", "")


def test_unreadable_text_raises_a_parse_error():
    with pytest.raises(ParseError):
        equivalent("x +", "x")
    with pytest.raises(TypeError, match="expected an expression"):
        equivalent(["x"], "x")


def _allocate_after_limit(megabytes):
    from coursekit.symbolic.equivalence import _limit_memory
    _limit_memory(50)
    bytearray(megabytes * 2**20)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="address-space limit is Linux's")
def test_the_proof_worker_cannot_grow_beyond_its_memory_limit():
    context = multiprocessing.get_context("fork")
    small = context.Process(target=_allocate_after_limit, args=(10,))
    large = context.Process(target=_allocate_after_limit, args=(500,))
    for worker in (small, large):
        worker.start()
        worker.join(30)
    assert small.exitcode == 0
    assert large.exitcode != 0          # MemoryError in the worker, not in the caller


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="the patched function reaches the worker only through fork")
def test_a_proof_that_fails_in_the_worker_is_undecided(monkeypatch):
    def out_of_memory(a, b):
        raise MemoryError

    monkeypatch.setattr(equivalence, "_prove", out_of_memory)
    outcome = prove(x, x + 1, timeout=5.0)
    assert outcome.result == "undecided" and "MemoryError" in outcome.reason
