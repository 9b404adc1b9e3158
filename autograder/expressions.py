"""Equivalence of symbolic answers, safely (student text is never evaluated).

Uses :mod:`coursekit.symbolic` (its allow-list parser and equivalence test)
when it is available; otherwise a small allow-list parser built on
:mod:`ast` turns the text into sympy, and equivalence is decided by
``sympy.simplify(a - b) == 0`` backed by numeric evaluation at random points.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "sinh", "cosh", "tanh", "asin", "acos",
              "atan", "asinh", "acosh", "atanh", "Abs", "sign")
_CONSTANTS = {"pi": "pi", "e": "E", "E": "E"}
_MAX_TEXT = 500


@dataclass(frozen=True)
class Equivalence:
    """Outcome of an equivalence test.

    Attributes
    ----------
    verdict : {"yes", "no", "undecided"}
    reason : str
    mistake : str or None
        A mistake tag when one was recognised.
    hint : str
    """

    verdict: str
    reason: str = ""
    mistake: str | None = None
    hint: str = ""


def equivalent(answer: str, expected: str, symbols: tuple = ("x",)) -> Equivalence:
    """Whether the expression ``answer`` equals ``expected`` for all values of ``symbols``."""
    try:
        from coursekit import symbolic
    except ImportError:
        symbolic = None
    if symbolic is not None and hasattr(symbolic, "equivalent"):
        try:
            out = symbolic.equivalent(answer, expected, symbols=tuple(symbols))
        except ValueError as exc:
            return unreadable(exc)
        return _without_expected_values(Equivalence(str(out.result), str(getattr(out, "reason", ""))))
    return _fallback_equivalent(answer, expected, tuple(symbols))


UNREADABLE = "unreadable"
_WRITING_HINT = "Write the expression with *, ** and functions like exp(x), using only the allowed variables."


def unreadable(error: Exception | str) -> Equivalence:
    """The verdict on an answer the parser rejects: its reason is the parser's own message.

    The parser's message names the bad part (an unknown name and the allowed
    ones, an unclosed bracket and where it opened...), which a student can
    act on; the hint adds the general rules of writing expressions.
    """
    return Equivalence("no", f"cannot read it: {error}", UNREADABLE, _WRITING_HINT)


_NUMBER = r"-?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|inf|nan)"
_POINT = re.compile(rf"differ at ([A-Za-z_]\w*={_NUMBER}(?:, [A-Za-z_]\w*={_NUMBER})*)")


def _without_expected_values(result: Equivalence) -> Equivalence:
    """``result`` with a counterexample's expected value removed from its reason.

    :func:`coursekit.symbolic.equivalent` explains "no" with both values at a
    sample point; the second is the expected expression's value there, which a
    verdict must not reveal.  Only the point is kept: the student can evaluate
    their own answer there.
    """
    if result.verdict != "no" or result.mistake:
        return result
    return Equivalence("no", "they differ" + _at_point(result.reason), result.mistake, result.hint)


def _at_point(reason: str) -> str:
    found = _POINT.search(reason)
    return f" at {found.group(1)}" if found else " for some values"


def derivative(function: str, answer: str, wrt) -> Equivalence:
    """Whether ``answer`` is the derivative of ``function`` w.r.t. ``wrt``, naming a typical mistake.

    Uses :func:`coursekit.symbolic.check_derivative` (chain rule, sign, constant
    factor, antiderivative... diagnosis); without it, equivalence with sympy's
    derivative.
    """
    try:
        from coursekit.symbolic import check_derivative
    except ImportError:
        import sympy

        names = tuple(sorted({str(s) for s in parse(function, _letters(function)).free_symbols} | {str(wrt)}))
        expected = str(sympy.diff(parse(function, names), sympy.Symbol(str(wrt))))
        return _fallback_equivalent(answer, expected, names)
    out = check_derivative(function, answer, wrt=wrt)
    if out.correct:
        return Equivalence("yes", str(out.feedback))
    if out.mistake == UNREADABLE:  # its feedback holds the parser's message
        return unreadable(str(out.feedback).removeprefix("Your answer could not be read: ").rstrip("."))
    if out.mistake is None:  # no typical mistake recognised: its reason names df/dx's value
        return Equivalence("no", f"it differs from the derivative of {function} with respect to {wrt}"
                                 f"{_at_point(str(out.feedback))}")
    # the diagnosis names the slip by its tag; its sentence may show the answer, so it is no hint
    # (autograder.hints holds the hints for these tags)
    return Equivalence("no", str(out.feedback), out.mistake)


def variables(text: str) -> tuple:
    """The variable names in the expression ``text`` (not functions or constants), sorted.

    Raises
    ------
    ValueError
        If ``text`` is not valid expression syntax.
    """
    try:
        return _letters(text)
    except SyntaxError as exc:
        raise ValueError(f"syntax error in {text!r}: {exc.msg}") from None


def _letters(text: str) -> tuple:
    return tuple(sorted({n.id for n in ast.walk(ast.parse(text.replace("^", "**"), mode="eval"))
                         if isinstance(n, ast.Name) and n.id not in _FUNCTIONS and n.id not in _CONSTANTS}))


def _fallback_equivalent(answer: str, expected: str, symbols: tuple) -> Equivalence:
    import sympy

    try:
        a, b = parse(answer, symbols), parse(expected, symbols)
    except ValueError as exc:
        return unreadable(exc)
    difference = sympy.simplify(a - b)
    if difference == 0:
        return Equivalence("yes", "equal after simplification")
    if sympy.simplify(a + b) == 0:
        return Equivalence("no", "it has the opposite sign", "wrong_sign",
                           "Check the sign: derivatives of cos and of 1/x are negative.")
    return Equivalence("no", "the two differ for some values")


def parse(text: str, symbols: tuple = ("x",)):
    """Parse ``text`` into a sympy expression using an allow-list of syntax.

    Raises
    ------
    ValueError
        For anything but numbers, the given symbols, + - * / **, and the
        functions in ``_FUNCTIONS``.
    """
    import sympy

    if not isinstance(text, str) or len(text) > _MAX_TEXT:
        raise ValueError(f"expected a text of at most {_MAX_TEXT} characters")
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"syntax error: {exc.msg}") from None
    names = {s: sympy.Symbol(s) for s in symbols}
    return _build(tree.body, names, sympy)


def _build(node: ast.AST, names: dict, sympy):
    ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}
    if isinstance(node, ast.BinOp) and type(node.op) in ops:
        return ops[type(node.op)](_build(node.left, names, sympy), _build(node.right, names, sympy))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _build(node.operand, names, sympy)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return sympy.nsimplify(node.value) if isinstance(node.value, float) else sympy.Integer(node.value)
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        if node.id in _CONSTANTS:
            return getattr(sympy, _CONSTANTS[node.id])
        raise ValueError(f"unknown name {node.id!r}")
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and len(node.args) == 1 and not node.keywords):
        return getattr(sympy, node.func.id)(_build(node.args[0], names, sympy))
    raise ValueError(f"unsupported syntax: {ast.dump(node)[:60]}")
