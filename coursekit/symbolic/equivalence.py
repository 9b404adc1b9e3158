"""Are two expressions equal?  Random points first, a time-limited proof second."""
from __future__ import annotations

import math
import multiprocessing
import sys
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import sympy

from . import numeric
from .parse import parse

__all__ = ["EquivalenceVerdict", "equivalent", "as_expression", "MIN_POINTS"]

MIN_POINTS = 8          # agreeing points in the common real domain needed for "yes"
_DIGITS = (30, 60, 120, 240, 480)   # precisions for rechecking a numeric disagreement
_RECHECKS = 16      # disagreements rechecked at most: 3, and more while too few points agree


@dataclass(frozen=True)
class EquivalenceVerdict:
    """Outcome of comparing two expressions.

    Attributes
    ----------
    result : {"yes", "no", "undecided"}
    reason : str
        One sentence saying how the result was reached (the points checked,
        a counterexample, or why no decision was possible).

    Truthy only when ``result == "yes"``.
    """

    result: str
    reason: str

    def __bool__(self) -> bool:
        return self.result == "yes"


def _realify(expr: sympy.Expr) -> sympy.Expr:
    """Replace every symbol by a real symbol of the same name."""
    mapping = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols
               if isinstance(s, sympy.Symbol) and not s.is_real}
    return expr.xreplace(mapping) if mapping else expr


def as_expression(value, symbols=None) -> sympy.Expr:
    """Text (parsed safely), a number or a sympy expression, as a sympy expression with real symbols."""
    if isinstance(value, str):
        return parse(value, symbols)
    if isinstance(value, bool) or not isinstance(value, (int, float, sympy.Basic)):
        raise TypeError(f"expected an expression as str or sympy.Expr, got {type(value).__name__}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value}")
        return sympy.Rational(repr(value))      # the decimal as written, as the parser reads it
    if isinstance(value, int):
        return sympy.Integer(value)
    if not isinstance(value, sympy.Expr):
        raise TypeError(f"expected a sympy expression, got {type(value).__name__}")
    return _realify(value)


def _format_point(point: dict) -> str:
    return ", ".join(f"{s}={v:.4g}" for s, v in sorted(point.items(), key=lambda i: i[0].name))


def _accurate_values(a, b, point: dict) -> tuple[complex, complex] | None:
    """a and b at ``point``, evaluated with ever more digits until two precisions agree.

    float64 loses every digit of (β+1)⁹⁹(β−1)⁹⁹ − (β²−1)⁹⁹ at β = −2.7 (terms of
    1e77 cancel), and 30 digits are not enough either; doubling the digits
    until the values stop changing gives them to float64 accuracy. None if
    either is undefined there, or still changing at the most digits tried.
    """
    previous = None
    for digits in _DIGITS:
        current = (numeric.evaluate_at(a, point, digits), numeric.evaluate_at(b, point, digits))
        if None in current:
            return None
        if previous is not None and all(map(_settled, previous, current)):
            return current
        previous = current
    return None


def _settled(first: complex, second: complex) -> bool:
    """Whether two evaluations at different precisions agree to float64's rounding."""
    return abs(first - second) <= 4 * sys.float_info.epsilon * max(1.0, abs(first), abs(second))


def _real(value_a: complex, value_b: complex) -> bool:
    return abs(value_a.imag) + abs(value_b.imag) <= 1e-20 * max(1.0, abs(value_a), abs(value_b))


def _differ(value_a: complex, value_b: complex) -> bool:
    """Whether two accurate values differ beyond rounding."""
    return abs(value_a - value_b) > 1e-12 * max(1.0, abs(value_a), abs(value_b))


def _distinguishable(value_a: float, value_b: float) -> tuple[str, str]:
    """The two values with 6 significant digits, or as many more as it takes to tell them apart."""
    for digits in range(6, 18):
        shown = f"{value_a:.{digits}g}", f"{value_b:.{digits}g}"
        if shown[0] != shown[1]:
            return shown
    return shown


def _recheck(a, b, points: numeric.Sample, mask: np.ndarray, agree: np.ndarray, needed: int
             ) -> tuple[dict, tuple[complex, complex]] | None:
    """Recheck float64 disagreements with :func:`_accurate_values`; (point, values) of a real one.

    At least 3 disagreements are rechecked, more while fewer than ``needed``
    points agree. ``agree`` gains the points that turn out equal; ``mask``
    loses those without a trustworthy real value.
    """
    for checked, index in enumerate(np.flatnonzero(mask & ~agree)[:_RECHECKS]):
        if checked >= 3 and agree.sum() >= needed:
            break
        point = {s: float(points.values[s][index]) for s in points.symbols}
        values = _accurate_values(a, b, point)
        if values is None or not _real(*values):
            mask[index] = False
        elif _differ(*values):
            return point, values
        else:
            agree[index] = True
    return None


def compare_numerically(a: sympy.Expr, b: sympy.Expr, within: Iterable[sympy.Expr] = (),
                        n: int = 48, labels: tuple[str, str] | None = None) -> EquivalenceVerdict:
    """Compare on random points of the common real domain of ``a``, ``b`` and ``within``.

    ``labels`` names ``a`` and ``b`` in the reason given for a counterexample.
    """
    within = tuple(within)
    symbols = set().union(a.free_symbols, b.free_symbols, *(w.free_symbols for w in within))
    points = numeric.sample(symbols, n)
    try:
        value_a = numeric.evaluate(a, points.values)
        value_b = numeric.evaluate(b, points.values)
        mask = numeric.real_mask(value_a) & numeric.real_mask(value_b)
        for expr in within:
            mask &= numeric.real_mask(numeric.evaluate(expr, points.values))
    except numeric.Unevaluable as error:
        return EquivalenceVerdict("undecided", f"numeric check impossible: {error}")
    if not symbols:
        mask = mask[:1]
    agree = mask & numeric.close(value_a, value_b)
    needed = MIN_POINTS if symbols else 1
    difference = _recheck(a, b, points, mask, agree, needed)
    if difference is not None:
        point, values = difference
        shown_a, shown_b = _distinguishable(*(v.real for v in values))
        where = f" at {_format_point(point)}" if point else ""
        if labels is None:
            return EquivalenceVerdict("no", f"they differ{where}: {shown_a} versus {shown_b}")
        return EquivalenceVerdict("no", f"they differ{where}, where {labels[0]} is {shown_a} "
                                        f"but {labels[1]} is {shown_b}")
    count = int(agree.sum())
    if count >= needed:
        where = f"{count} random points of the common real domain" if symbols else "their value"
        return EquivalenceVerdict("yes", f"equal at {where}")
    return EquivalenceVerdict("undecided", f"only {count} of {len(mask)} random points lie in "
                                           f"the common real domain, too few to decide")


def _prove(a: sympy.Expr, b: sympy.Expr) -> tuple[str, str]:
    difference = sympy.simplify(a - b)
    if difference == 0:
        return "yes", "sympy simplifies their difference to 0"
    rewritten = sympy.simplify(difference.rewrite(sympy.exp))
    if rewritten == 0:
        return "yes", "sympy simplifies their difference, written with exp, to 0"
    if difference.is_number and difference.is_zero is False:
        return "no", f"their difference simplifies to the constant {difference}"
    return "undecided", f"sympy could not simplify their difference ({difference}) to 0"


def _limit_memory(extra_mb: int) -> None:
    """Let this process grow by at most ``extra_mb`` MiB of address space (Linux)."""
    try:
        import resource
        with open("/proc/self/statm") as statm:
            in_use = int(statm.read().split()[0]) * resource.getpagesize()
        limit = in_use + extra_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass                    # no such limit on this system: the time limit still holds


def _prove_in_child(connection, a, b, memory_mb: int) -> None:
    _limit_memory(memory_mb)
    try:
        connection.send(_prove(a, b))
    except BaseException as error:  # noqa: BLE001 - everything goes back as "undecided"
        connection.send(("undecided", f"the symbolic proof failed: {type(error).__name__}"))
    finally:
        connection.close()


def prove(a: sympy.Expr, b: sympy.Expr, timeout: float = 2.0,
          memory_mb: int = 1024) -> EquivalenceVerdict:
    """Try ``simplify(a − b) == 0`` in a worker process that is killed after ``timeout`` s."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_prove_in_child, args=(sender, a, b, memory_mb), daemon=True)
    worker.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            return EquivalenceVerdict(*receiver.recv())
        return EquivalenceVerdict("undecided",
                                  f"the symbolic proof did not finish within {timeout:g} s")
    except EOFError:
        return EquivalenceVerdict("undecided", "the symbolic proof stopped (out of memory?)")
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join(1.0)


def equivalent(a, b, symbols: Iterable[str] | str | None = None, *, timeout: float = 1.0,
               proof: bool = False) -> EquivalenceVerdict:
    """Decide whether two expressions are equal on their common real domain.

    Parameters
    ----------
    a, b : str or sympy.Expr
        Text is read with :func:`parse` (never evaluated as code).
    symbols : iterable of str, str or None, optional
        Variables allowed in text; None accepts any single-letter name.
    timeout : float, default 1.0
        Seconds allowed for the symbolic proof.
    proof : bool, default False
        Also ask for a symbolic proof when the numbers already agree.

    Returns
    -------
    EquivalenceVerdict
        ``result`` "yes", "no" or "undecided" and a ``reason``.

    Raises
    ------
    ParseError
        If a text cannot be read.

    Notes
    -----
    Both expressions are evaluated at 48 random points of the variables
    (a quarter of each coordinate in each of ±(0.05, 1) and ±(1, 4)); the
    points where both are finite and real form the sample of the common real
    domain. A disagreement there is rechecked with 30, 60, 120… significant
    digits until two precisions give the same values (float64 can lose every
    digit when large terms cancel), and answers "no" with the counterexample
    only if those values differ; a point whose values never settle is left
    out. Agreement at
    ``MIN_POINTS`` = 8 or more points answers "yes" (two different analytic
    expressions agree only on a set of measure zero, so random points find
    the difference). Only when the numbers cannot decide (too few points of
    the domain, or a node they cannot evaluate) is ``simplify(a − b)`` tried,
    in a separate process killed after ``timeout`` seconds, so the answer
    never takes much longer than that.

    Examples
    --------
    >>> equivalent("2sin(x)cos(x)", "sin(2x)").result
    'yes'
    >>> equivalent("x^2", "2x").result
    'no'
    """
    a, b = as_expression(a, symbols), as_expression(b, symbols)
    if a == b or sympy.Add(a, -b) == 0:
        return EquivalenceVerdict("yes", "identical once written in sympy's standard form")
    numbers = compare_numerically(a, b)
    if numbers.result == "no" or (numbers.result == "yes" and not proof):
        return numbers
    proved = prove(a, b, timeout)
    if numbers.result == "yes":
        if proved.result == "yes":
            return EquivalenceVerdict("yes", f"{numbers.reason}, and {proved.reason}")
        return EquivalenceVerdict("yes", f"{numbers.reason} (no symbolic proof: {proved.reason})")
    if proved.result == "undecided":
        return EquivalenceVerdict("undecided", f"{numbers.reason}; {proved.reason}")
    return proved
