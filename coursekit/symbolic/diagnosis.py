"""Which typical mistake explains a wrong derivative?

The lecture's rules are applied once correctly and, one at a time, with a
typical slip (the chain rule's inner factor forgotten, the product rule
written as f′g′, ...).  Each slip gives a *candidate* wrong derivative; the
student's answer is compared numerically with every candidate, and the first
that matches names the mistake.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import sympy

from . import numeric
from .equivalence import MIN_POINTS

__all__ = ["MISTAKES", "Diagnosis", "diagnose", "rule_derivative"]

MISTAKES: dict[str, str] = {
    "chain_rule": "chain rule: the derivative of the inside function, g'(x) in f'(g(x))·g'(x), is missing",
    "sign": "wrong sign (e.g. d/dx cos x = −sin x, d/dx 1/x = −1/x²)",
    "term_sign": "the sign of one term was lost: (c·u)′ = c·u′ keeps the sign of c",
    "constant_factor": "off by a constant factor (e.g. a missing ln a in d/dx aˣ = aˣ ln a)",
    "antiderivative": "an antiderivative (integral) was given instead of the derivative",
    "function_itself": "the function itself was given instead of its derivative",
    "wrong_variable": "the derivative was taken with respect to another variable",
    "constant_kept": "a constant term was kept; the derivative of a constant is 0",
    "power_not_lowered": "power rule: the exponent was not lowered, n·xⁿ instead of n·xⁿ⁻¹",
    "exponential_as_power": "an exponential aᵘ was differentiated like a power (u·aᵘ⁻¹)",
    "product_rule": "product rule written as f'·g' instead of f'·g + f·g'",
    "quotient_rule_swapped": "quotient rule with the numerator swapped: (f·g' − g·f')/g² instead of "
                             "(g·f' − f·g')/g²",
    "gradient_length": "the gradient has the wrong number of components",
    "unreadable": "the answer could not be read as an expression",
    "undecided": "the answer could not be checked automatically",
}


_WORK = 2000     # rule slips tried × nodes of f: bounds the time spent on huge functions
_PAIRED_SLIPS = 10   # pairs of slips are tried among the first this many


@dataclass(frozen=True)
class Diagnosis:
    """A recognised mistake.

    Attributes
    ----------
    mistake : str
        Its tag, a key of :data:`MISTAKES`.
    where : sympy.Expr or None
        The part of f where the slip happened (None for a pattern of the whole answer).
    also : str or None
        The tag of a second slip made together with the first.

    The words for the student come from :mod:`coursekit.symbolic.hints`: they name the
    rule, never the expected derivative.
    """

    mistake: str
    where: sympy.Expr | None = None
    also: str | None = None


@dataclass(frozen=True)
class _Slip:
    kind: str
    node: sympy.Expr | None


def _depends(expr: sympy.Expr, x: sympy.Symbol) -> bool:
    return expr.has(x)


def _split_product(expr: sympy.Mul, x) -> tuple[sympy.Expr, list]:
    constant = [f for f in expr.args if not _depends(f, x)]
    return sympy.Mul(*constant), [f for f in expr.args if _depends(f, x)]


def rule_derivative(expr: sympy.Expr, x: sympy.Symbol, slip: _Slip | tuple | None = None
                    ) -> sympy.Expr:
    """d expr / dx by the lecture's rules, optionally with typical slips.

    Parameters
    ----------
    expr : sympy.Expr
    x : sympy.Symbol
    slip : _Slip, tuple of _Slip, or None
        The slip (or slips) to make. ``kind`` is one of "chain", "sign",
        "term_sign" (one term of a sum differentiated with the opposite
        sign), "product", "quotient", "power", "log_factor", "exp_as_power"
        (u·aᵘ⁻¹·u′) or "bare_exp_as_power" (u·aᵘ⁻¹); ``node`` is the
        sub-expression where it happens (the term for "term_sign", None for
        "chain": every inner derivative forgotten).

    Returns
    -------
    sympy.Expr
        Equal to ``sympy.diff(expr, x)`` when ``slip`` is None.
    """
    def d(node):
        return rule_derivative(node, x, slip)

    slips = () if slip is None else (slip,) if isinstance(slip, _Slip) else tuple(slip)

    def here(kind):
        return any(s.kind == kind and (s.node is None or s.node == expr) for s in slips)

    def flipped(term):
        return any(s.kind == "term_sign" and s.node == term for s in slips)

    if not _depends(expr, x):
        return sympy.Integer(0)
    if expr == x:
        return sympy.Integer(1)
    if expr.is_Add:
        return sympy.Add(*(-d(term) if flipped(term) else d(term) for term in expr.args))
    if expr.is_Mul:
        constant, factors = _split_product(expr, x)
        if here("log_factor"):
            constant = constant.subs({log: 1 for log in constant.atoms(sympy.log)})
        if len(factors) == 1:
            return constant * d(factors[0])
        if here("product"):
            return constant * sympy.Mul(*(d(f) for f in factors))
        total = sympy.Add(*(d(f) * sympy.Mul(*factors[:i], *factors[i + 1:])
                            for i, f in enumerate(factors)))
        return constant * (-total if here("quotient") else total)
    if expr.is_Pow:
        base, exponent = expr.args
        if not _depends(exponent, x):
            inner = 1 if here("chain") else d(base)
            lowered = exponent if here("power") else exponent - 1
            return exponent * base**lowered * inner
        if not _depends(base, x):
            inner = 1 if here("chain") or here("bare_exp_as_power") else d(exponent)
            if here("exp_as_power") or here("bare_exp_as_power"):
                return exponent * base**(exponent - 1) * inner
            factor = 1 if here("log_factor") else sympy.log(base)
            return expr * factor * inner
        return sympy.diff(expr, x)
    if isinstance(expr, sympy.Function) and len(expr.args) == 1:
        outer = expr.fdiff(1)
        if (here("exp_as_power") or here("bare_exp_as_power")) and expr.func == sympy.exp:
            outer = expr.args[0] * sympy.exp(expr.args[0] - 1)
        inner = 1 if here("chain") or here("bare_exp_as_power") else d(expr.args[0])
        return (-outer if here("sign") else outer) * inner
    return sympy.diff(expr, x)


def _is_quotient(expr: sympy.Mul, x) -> bool:
    _, factors = _split_product(expr, x)
    below = [f for f in factors if f.is_Pow and f.exp.is_negative]
    return bool(below) and len(below) < len(factors)


def _exp_as_power_slips(node: sympy.Expr, x) -> Iterator[tuple[str, _Slip]]:
    yield "exponential_as_power", _Slip("exp_as_power", node)
    exponent = node.args[0] if node.func == sympy.exp else node.exp
    if exponent != x:
        yield "exponential_as_power", _Slip("bare_exp_as_power", node)


def _slips(expr: sympy.Expr, x) -> Iterator[tuple[str, _Slip]]:
    """Every (mistake tag, slip) that makes sense somewhere in ``expr``, each once."""
    seen = set()
    for tag, slip in _all_slips(expr, x):
        if slip not in seen:
            seen.add(slip)
            yield tag, slip


def _all_slips(expr: sympy.Expr, x) -> Iterator[tuple[str, _Slip]]:
    nodes = [n for n in sympy.preorder_traversal(expr) if _depends(n, x) and n != x]
    chain_nodes = 0
    for node in nodes:
        if node.is_Mul and len(_split_product(node, x)[1]) > 1:
            if _is_quotient(node, x):
                yield "quotient_rule_swapped", _Slip("quotient", node)
            yield "product_rule", _Slip("product", node)
        elif node.is_Pow and not _depends(node.exp, x):
            if node.base != x:
                chain_nodes += 1
                yield "chain_rule", _Slip("chain", node)
            yield "power_not_lowered", _Slip("power", node)
        elif node.is_Pow and not _depends(node.base, x):
            if node.exp != x:
                chain_nodes += 1
                yield "chain_rule", _Slip("chain", node)
            yield from _exp_as_power_slips(node, x)
            if node.base != sympy.E:
                yield "constant_factor", _Slip("log_factor", node)
        elif isinstance(node, sympy.Function) and len(node.args) == 1:
            if node.args[0] != x:
                chain_nodes += 1
                yield "chain_rule", _Slip("chain", node)
            yield "sign", _Slip("sign", node)
            if node.func == sympy.exp:
                yield from _exp_as_power_slips(node, x)
        if node.is_Mul and _split_product(node, x)[0].has(sympy.log):
            yield "constant_factor", _Slip("log_factor", node)
    if chain_nodes > 1:
        yield "chain_rule", _Slip("chain", None)
    yield from _term_sign_slips(nodes, x)


def _term_sign_slips(nodes: list, x) -> Iterator[tuple[str, _Slip]]:
    """One term of a sum with its sign flipped, for sums of two or more terms in x.

    Tried after the slips at rules, so that a sign lost inside a rule (cos′ = −sin)
    is named as such; a sum with one term in x is left to the whole-answer check.
    """
    for node in nodes:
        terms = [term for term in node.args if _depends(term, x)] if node.is_Add else []
        if len(terms) > 1:
            for term in terms:
                yield "term_sign", _Slip("term_sign", term)


class _Matcher:
    """Compares candidate derivatives with the answer on shared random points."""

    def __init__(self, answer, expected, function, symbols):
        self.points = numeric.sample(symbols, 48)
        self.answer = numeric.evaluate(answer, self.points.values)
        self.expected = numeric.evaluate(expected, self.points.values)
        self.mask = (numeric.real_mask(self.answer) & numeric.real_mask(self.expected)
                     & numeric.real_mask(numeric.evaluate(function, self.points.values)))

    def values(self, candidate: sympy.Expr) -> np.ndarray | None:
        try:
            return numeric.evaluate(candidate, self.points.values)
        except numeric.Unevaluable:
            return None

    def matches(self, candidate: sympy.Expr) -> bool:
        values = self.values(candidate)
        if values is None:
            return False
        mask = self.mask & numeric.real_mask(values)
        return mask.sum() >= MIN_POINTS and bool(numeric.close(self.answer[mask], values[mask]).all())

    def constant_ratio(self) -> float | None:
        """The constant c with answer = c · expected, if there is one (c ≠ 1)."""
        mask = self.mask & (np.abs(self.expected) > 1e-6)
        if mask.sum() < MIN_POINTS:
            return None
        ratio = (self.answer[mask] / self.expected[mask]).real
        if not numeric.close(ratio, np.full_like(ratio, np.median(ratio))).all():
            return None
        value = float(np.median(ratio))
        return None if abs(value - 1) < 1e-8 or abs(value) < 1e-12 else value


def _constant_terms(function: sympy.Expr, x) -> sympy.Expr:
    terms = function.args if function.is_Add else (function,)
    return sympy.Add(*(t for t in terms if not t.has(x)))


def _whole_answer_checks(function, expected, answer, x, matcher
                         ) -> Iterator[tuple[str, Callable[[], bool], sympy.Expr | None]]:
    """Mistakes recognised from the answer as a whole, in order of specificity: (tag, test, where)."""
    yield "sign", lambda: matcher.matches(-expected), None
    for other in sorted(function.free_symbols - {x}, key=lambda s: s.name):
        yield ("wrong_variable", lambda other=other: matcher.matches(sympy.diff(function, other)),
               None)
    constant = _constant_terms(function, x)
    yield ("constant_kept", lambda: constant != 0 and matcher.matches(expected + constant),
           constant if constant != 0 else None)
    yield ("function_itself",
           lambda: matcher.matches(function) and not _same(matcher, function, expected), None)
    yield "antiderivative", lambda: _antiderivative(answer, function, x, matcher), None
    yield "constant_factor", lambda: matcher.constant_ratio() is not None, None


def _same(matcher: _Matcher, a, b) -> bool:
    va, vb = matcher.values(a), matcher.values(b)
    if va is None or vb is None:
        return False
    mask = matcher.mask & numeric.real_mask(va) & numeric.real_mask(vb)
    return bool(numeric.close(va[mask], vb[mask]).all())


def _antiderivative(answer, function, x, matcher: _Matcher) -> bool:
    if not answer.has(x) or sympy.count_ops(answer) > 60:
        return False
    derivative = sympy.diff(answer, x)
    values, target = matcher.values(derivative), matcher.values(function)
    if values is None or target is None:
        return False
    mask = matcher.mask & numeric.real_mask(values) & numeric.real_mask(target)
    return mask.sum() >= MIN_POINTS and bool(numeric.close(values[mask], target[mask]).all())


def diagnose(function: sympy.Expr, answer: sympy.Expr, x: sympy.Symbol,
             expected: sympy.Expr | None = None, max_slips: int = 60) -> Diagnosis | None:
    """Name the typical mistake that turns ``function``'s derivative into ``answer``.

    Parameters
    ----------
    function, answer : sympy.Expr
        f and the student's (wrong) df/dx.
    x : sympy.Symbol
        The variable of differentiation.
    expected : sympy.Expr, optional
        df/dx if already known.
    max_slips : int, default 60
        At most this many rule slips are tried (fewer for large functions, so
        that slips × size of f stays near 2000 nodes).

    Returns
    -------
    Diagnosis or None
        The first mistake in ``MISTAKES`` whose typical wrong derivative
        equals ``answer`` on the common real domain; None if none does.

    Notes
    -----
    Slips at a rule are tried first (they say where the mistake is), then one
    term of a sum differentiated with the opposite sign, then patterns of the
    whole answer: −f′, ∂f/∂y for another variable, f′ plus
    f's constant terms, f itself, F with F′ = f, and c·f′; last, pairs of
    slips (the tag is the first one's, ``also`` the second's).
    """
    expected = sympy.diff(function, x) if expected is None else expected
    symbols = function.free_symbols | answer.free_symbols | {x}
    try:
        matcher = _Matcher(answer, expected, function, symbols)
    except numeric.Unevaluable:
        return None
    size = sum(1 for _ in sympy.preorder_traversal(function))
    max_slips = min(max_slips, max(8, _WORK // size))
    tried = []
    for count, (tag, slip) in enumerate(_slips(function, x)):
        if count >= max_slips:
            break
        tried.append((tag, slip))
        if matcher.matches(rule_derivative(function, x, slip)):
            return Diagnosis(tag, slip.node)
    for tag, test, where in _whole_answer_checks(function, expected, answer, x, matcher):
        if test():
            return Diagnosis(tag, where)
    return _two_slips(function, x, matcher, tried[:_PAIRED_SLIPS])


def _two_slips(function, x, matcher: _Matcher, slips: list) -> Diagnosis | None:
    """Two slips at once, e.g. d/dx cos(x²) written sin(x²): chain rule and sign."""
    for i, (first_tag, first) in enumerate(slips):
        for second_tag, second in slips[i + 1:]:
            if first_tag == second_tag and first.kind == second.kind:
                continue
            if matcher.matches(rule_derivative(function, x, (first, second))):
                return Diagnosis(first_tag, first.node, also=second_tag if second_tag != first_tag else None)
    return None
