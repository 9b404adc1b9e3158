"""check_derivative: is a student's derivative right, and if not, what went wrong?"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy

from .diagnosis import MISTAKES, diagnose
from .equivalence import as_expression, compare_numerically, prove
from .parse import ParseError, parse

__all__ = ["DerivativeVerdict", "check_derivative", "MISTAKES"]


@dataclass(frozen=True)
class DerivativeVerdict:
    """The verdict on one derivative (or gradient).

    Attributes
    ----------
    correct : bool
    feedback : str
        Sentences a student understands: what is right or what went wrong.
    mistake : str or None
        A tag from ``MISTAKES`` when the answer is wrong (None when correct,
        or when no typical mistake explains it).

    Truthy only when ``correct``.
    """

    correct: bool
    feedback: str
    mistake: str | None = None

    def __bool__(self) -> bool:
        return self.correct


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
    if outcome.result == "undecided":
        return DerivativeVerdict(False, f"Your answer could not be checked automatically "
                                        f"({outcome.reason}); ask your instructor.", "undecided")
    found = diagnose(function, answer, x, expected)
    if found is not None:
        return DerivativeVerdict(False, f"Not quite. {found.feedback}", found.mistake)
    return DerivativeVerdict(False, f"Not equal to {notation}: {outcome.reason}.")


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
        ``correct``, ``feedback`` and ``mistake`` (a tag of ``MISTAKES``).
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
    wrong derivatives of :mod:`coursekit.symbolic.diagnosis`.

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
            verdicts.append(DerivativeVerdict(False, f"Your answer could not be read: {error}.",
                                              "unreadable"))
            continue
        verdicts.append(_check_one(f, expr, x, timeout))
    if not gradient:
        return verdicts[0]
    feedback = " ".join(f"{_notation(f, x)}: {v.feedback}" for x, v in zip(symbols, verdicts))
    mistake = next((v.mistake for v in verdicts if v.mistake is not None), None)
    return DerivativeVerdict(all(v.correct for v in verdicts), feedback, mistake)
