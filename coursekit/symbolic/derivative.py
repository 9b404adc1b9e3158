"""check_derivative: is a student's derivative right, and if not, what went wrong?"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sympy

from .diagnosis import MISTAKES, Diagnosis, diagnose
from .equivalence import as_expression, compare_numerically, prove
from .hints import TIERS, UNEXPLAINED
from .parse import ParseError, parse

__all__ = ["DerivativeVerdict", "check_derivative", "MISTAKES"]


@dataclass(frozen=True)
class DerivativeVerdict:
    """The verdict on one derivative (or gradient).

    Attributes
    ----------
    correct : bool
    feedback : str
        Sentences a student understands: what is right or, for a wrong answer, the
        first tier of the hint (a nudge towards the idea of the mistake).
    mistake : str or None
        A tag from ``MISTAKES`` when the answer is wrong (None when correct,
        or when no typical mistake explains it).
    tiers : tuple of str
        A wrong answer's messages from the nudge (``feedback``) to the rule that
        applies (see :mod:`coursekit.symbolic.hints`); none names the expected
        derivative or a term of it.  Empty when correct.

    Truthy only when ``correct``.
    """

    correct: bool
    feedback: str
    mistake: str | None = None
    tiers: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.correct

    def message(self, tier: int | None = None) -> str:
        """The message at ``tier`` (1 = the nudge; None or beyond the last: the rule)."""
        if not self.tiers:
            return self.feedback
        last = len(self.tiers)
        return self.tiers[min(last if tier is None else max(tier, 1), last) - 1]


def _notation(function: sympy.Expr, x: sympy.Symbol) -> str:
    return f"∂f/∂{x.name}" if len(function.free_symbols) > 1 else f"df/d{x.name}"


def _variables(wrt) -> list[str]:
    if isinstance(wrt, sympy.Symbol):
        return [wrt.name]
    if isinstance(wrt, str):
        names = [part for part in wrt.replace(",", " ").split() if part]
    elif isinstance(wrt, Sequence):
        names = [w.name if isinstance(w, sympy.Symbol) else w for w in wrt]
    else:
        raise TypeError(f"wrt must be a variable name or a sequence of names, got {type(wrt).__name__}")
    if not names or not all(isinstance(n, str) and n.isidentifier() for n in names):
        raise ValueError(f"wrt must name variables, got {wrt!r}")
    return names


def _default_variables(function: sympy.Expr, gradient: bool) -> list[str]:
    """The function's only variable, or all of them for a gradient; x when that is ambiguous."""
    names = sorted(s.name for s in function.free_symbols)
    return names if len(names) == 1 or (gradient and names) else ["x"]


def _read_function(function, names: list[str]) -> sympy.Expr:
    if isinstance(function, str):
        expr = parse(function, symbols=None)
        unknown = [n for n in names if sympy.Symbol(n, real=True) not in expr.free_symbols]
        if unknown:     # a variable the function does not use: parse again allowing it by name
            known = {s.name for s in expr.free_symbols}
            expr = parse(function, symbols=sorted(known | set(names)))
        return expr
    return as_expression(function)


def _read_answer(answer, allowed: list[str]) -> sympy.Expr:
    if isinstance(answer, str):
        return parse(answer, symbols=allowed)
    return as_expression(answer)


def _check_one(function: sympy.Expr, answer: sympy.Expr, x: sympy.Symbol,
               timeout: float) -> DerivativeVerdict:
    expected = sympy.diff(function, x)
    notation = _notation(function, x)
    outcome = compare_numerically(answer, expected, within=(function,),
                                  labels=("your answer", notation))
    if outcome.result == "undecided":
        outcome = prove(answer, expected, timeout)
    if outcome.result == "yes":
        return DerivativeVerdict(True, f"Correct: your answer equals {notation}.")
    if outcome.result == "undecided":  # its reason may print the difference, so the derivative
        return _verdict("undecided", TIERS["undecided"])
    found = diagnose(function, answer, x, expected)
    if found is not None:
        return _verdict(found.mistake, _diagnosed_tiers(found, expected))
    # the point where they differ, without the derivative's value there
    point = re.match(r"they differ( at .*?)(?:, where |: |$)", outcome.reason)
    differ = f"Not equal to {notation}: they differ{point.group(1) if point else ''}."
    return _verdict(None, tuple(f"{differ} {tier}" for tier in UNEXPLAINED))


def _verdict(mistake: str | None, tiers: tuple[str, ...]) -> DerivativeVerdict:
    return DerivativeVerdict(False, tiers[0], mistake, tiers)


def _diagnosed_tiers(found: Diagnosis, expected: sympy.Expr) -> tuple[str, ...]:
    """"Not quite." and the mistake's tiers (and the second slip's), the rule naming where in f."""
    own = TIERS[found.mistake]
    also = TIERS[found.also] if found.also else ()
    tiers = []
    for i in range(max(len(own), len(also))):
        text = "Not quite. " + own[min(i, len(own) - 1)]
        if also:
            text += " Also: " + also[min(i, len(also) - 1)]
        tiers.append(text)
    tiers[-1] += _location(found.where, expected)
    return tuple(tiers)


_LOCATED_OPS = 200  # beyond this size f′ is not searched for in the part of f that is named


def _show(expr: sympy.Expr) -> str:
    return sympy.sstr(expr).replace("**", "^")


def _location(where: sympy.Expr | None, expected: sympy.Expr) -> str:
    """" Look at <part> of f." unless that part is, or holds, the derivative or one of its terms."""
    if where is None or sympy.count_ops(expected) > _LOCATED_OPS:
        return ""
    shown = _show(where)
    terms = [t for t in sympy.Add.make_args(expected) if not t.is_number]
    if any(t == where or _show(t) in shown for t in [expected, *terms]):
        return ""
    return f" Look at {shown} in f."


def check_derivative(function, answer, wrt=None, *, timeout: float = 1.0) -> DerivativeVerdict:
    """Check a derivative, partial derivative or gradient and explain a mistake.

    Parameters
    ----------
    function : str or sympy.Expr
        f, e.g. ``"sin(x^2)"`` or ``"x^2 y + y^3"``. Text is read with
        :func:`parse` with automatic variables (single letters, Greek names).
    answer : str, sympy.Expr, or list/tuple (or sympy Matrix) of them
        The student's df/dx; a list or tuple for a gradient, one entry per
        variable in ``wrt``. Text may use only the variables of ``function``
        and ``wrt``.
    wrt : str, sympy.Symbol or sequence, optional
        The variable of differentiation, or the variables of the gradient
        (``("x", "y")`` or ``"x, y"``). By default: the variable of a function
        of one variable (β in ``"5β^2 - 3β + 2"``), else x; with a list
        answer, all variables of ``function`` in alphabetical order.
    timeout : float, default 1.0
        Seconds allowed for a symbolic proof when the numbers cannot decide.

    Returns
    -------
    DerivativeVerdict
        ``correct``, ``feedback``, ``mistake`` (a tag of ``MISTAKES``) and the
        hint's ``tiers`` for a wrong answer, from the nudge to the rule.
        An answer that cannot be read gives ``mistake="unreadable"`` and
        the parser's message as feedback.

    Raises
    ------
    ParseError
        If ``function`` cannot be read.
    TypeError, ValueError
        If ``wrt`` names no variable.

    Notes
    -----
    The answer is compared with sympy's ∂f/∂x on random points of the
    common real domain of f, ∂f/∂x and the answer (so ``1/x`` is right for
    ln x, whose domain is x > 0). A wrong answer is compared with the typical
    wrong derivatives of :mod:`coursekit.symbolic.diagnosis`; what the student is
    told comes from :mod:`coursekit.symbolic.hints` and never names the
    expected derivative, a term of it or its value.

    Examples
    --------
    >>> check_derivative("sin(x^2)", "2x cos(x^2)").correct
    True
    >>> check_derivative("sin(x^2)", "cos(x^2)").mistake
    'chain_rule'
    >>> check_derivative("x^2 y", ["2xy", "x^2"], wrt=("x", "y")).correct
    True
    """
    if isinstance(answer, sympy.MatrixBase):
        answer = list(answer)
    gradient = isinstance(answer, (list, tuple))
    if wrt is None:
        f = _read_function(function, [])
        names = _default_variables(f, gradient)
    else:
        names = _variables(wrt)
        f = _read_function(function, names)
    allowed = sorted({s.name for s in f.free_symbols} | set(names))
    symbols = [sympy.Symbol(n, real=True) for n in names]
    answers = list(answer) if gradient else [answer]
    if not gradient and len(symbols) > 1:
        return DerivativeVerdict(False, f"Expected a gradient with {len(symbols)} components "
                                        f"({', '.join(_notation(f, s) for s in symbols)}) as a list.",
                                 "gradient_length")
    if len(answers) != len(symbols):
        return DerivativeVerdict(False, f"The gradient has {len(symbols)} components "
                                        f"({', '.join(_notation(f, s) for s in symbols)}); "
                                        f"your answer has {len(answers)}.", "gradient_length")
    verdicts = []
    for entry, x in zip(answers, symbols):
        try:
            expr = _read_answer(entry, allowed)
        except ParseError as error:
            verdicts.append(_verdict("unreadable", (f"Your answer could not be read: {error}.",)))
            continue
        verdicts.append(_check_one(f, expr, x, timeout))
    if not gradient:
        return verdicts[0]
    count = max(len(v.tiers) for v in verdicts) or 1
    tiers = tuple(" ".join(f"{_notation(f, x)}: {v.message(i + 1)}" for x, v in zip(symbols, verdicts))
                  for i in range(count))
    mistake = next((v.mistake for v in verdicts if v.mistake is not None), None)
    correct = all(v.correct for v in verdicts)
    return DerivativeVerdict(correct, tiers[0], mistake, () if correct else tiers)
