"""Numeric evaluation of sympy expressions at random points of their real domain.

Expressions are evaluated by walking the sympy tree with numpy's complex
functions over a whole vector of points at once (no code is generated or
executed).  A point belongs to an expression's real domain when the value
there is finite and real; comparisons use only points in the common real
domain of everything involved.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy

__all__ = ["Unevaluable", "Sample", "sample", "evaluate", "real_mask", "close"]

# Largest magnitude kept: far from float64's overflow, so sums of such values stay finite.
_HUGE = 1e150
_RTOL, _ATOL = 1e-8, 1e-10


class Unevaluable(ValueError):
    """The expression holds a node this evaluator does not know."""


def _reciprocal(function):
    return lambda z: 1.0 / function(z)


def _of_reciprocal(function):
    return lambda z: function(1.0 / z)


_FUNCTIONS = {
    sympy.sin: np.sin, sympy.cos: np.cos, sympy.tan: np.tan,
    sympy.cot: _reciprocal(np.tan), sympy.sec: _reciprocal(np.cos), sympy.csc: _reciprocal(np.sin),
    sympy.sinh: np.sinh, sympy.cosh: np.cosh, sympy.tanh: np.tanh,
    sympy.coth: _reciprocal(np.tanh), sympy.sech: _reciprocal(np.cosh),
    sympy.csch: _reciprocal(np.sinh),
    sympy.asin: np.arcsin, sympy.acos: np.arccos, sympy.atan: np.arctan,
    sympy.acot: _of_reciprocal(np.arctan), sympy.asec: _of_reciprocal(np.arccos),
    sympy.acsc: _of_reciprocal(np.arcsin),
    sympy.asinh: np.arcsinh, sympy.acosh: np.arccosh, sympy.atanh: np.arctanh,
    sympy.acoth: _of_reciprocal(np.arctanh), sympy.asech: _of_reciprocal(np.arccosh),
    sympy.acsch: _of_reciprocal(np.arcsinh),
    sympy.exp: np.exp, sympy.log: np.log,
    sympy.Abs: lambda z: np.abs(z).astype(complex),
    sympy.sign: lambda z: np.sign(z.real).astype(complex) + np.where(z.imag != 0, np.nan, 0),
}


def _constant(expr: sympy.Expr) -> complex:
    try:
        return complex(sympy.N(expr, 17))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return complex(np.nan, np.nan)


def evaluate(expr: sympy.Expr, values: dict[sympy.Symbol, np.ndarray]) -> np.ndarray:
    """Evaluate ``expr`` at every point given by ``values``.

    Parameters
    ----------
    expr : sympy.Expr
        Built from numbers, symbols, +, *, ** and the functions of the
        lecture's derivative table.
    values : dict of sympy.Symbol to ndarray, each shape (n,)
        Coordinates of the n points.

    Returns
    -------
    ndarray of complex, shape (n,)
        Values; NaN or inf where undefined.

    Raises
    ------
    Unevaluable
        If ``expr`` holds a symbol without values or an unknown function.
    """
    n = len(next(iter(values.values()))) if values else 1
    cache: dict = {}

    def walk(node):
        if node in cache:
            return cache[node]
        if node.is_Symbol:
            if node not in values:
                raise Unevaluable(f"no values for the variable {node}")
            result = values[node].astype(complex)
        elif node.is_Atom:
            result = np.full(n, _constant(node))
        elif node.is_Add:
            result = sum(walk(arg) for arg in node.args)
        elif node.is_Mul:
            result = np.prod([walk(arg) for arg in node.args], axis=0)
        elif node.is_Pow:
            base, exponent = node.args
            if exponent.is_Integer and abs(int(exponent)) <= 64:
                power = walk(base) ** abs(int(exponent))
                result = 1.0 / power if exponent < 0 else power
            else:
                result = np.power(walk(base), walk(exponent))
        elif node.func in _FUNCTIONS and len(node.args) == 1:
            result = _FUNCTIONS[node.func](walk(node.args[0]))
        else:
            raise Unevaluable(f"cannot evaluate {node.func.__name__} numerically")
        cache[node] = result = np.asarray(result, dtype=complex)
        return result

    with np.errstate(all="ignore"):
        return walk(expr)


def real_mask(values: np.ndarray) -> np.ndarray:
    """Points where a value is finite, real and of a size float64 can trust."""
    finite = np.isfinite(values)
    with np.errstate(all="ignore"):
        real = np.abs(values.imag) <= 1e-9 * (1.0 + np.abs(values.real))
        bounded = np.abs(values.real) < _HUGE
    return finite & real & bounded


def close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise |a − b| <= atol + rtol·max(|a|, |b|) on the real parts."""
    a, b = a.real, b.real
    with np.errstate(all="ignore"):
        return np.abs(a - b) <= _ATOL + _RTOL * np.maximum(np.abs(a), np.abs(b))


@dataclass
class Sample:
    """Random points for a set of variables, shared by several expressions."""

    symbols: tuple
    values: dict

    def __len__(self) -> int:
        return len(next(iter(self.values.values()))) if self.values else 1


def sample(symbols, n: int = 48, seed: str | int = 0) -> Sample:
    """Draw ``n`` points with coordinates spread over ±(0.05, 4).

    A quarter of each coordinate's draws falls in each of (−4, −1), (−1, −0.05),
    (0.05, 1) and (1, 4), so domains such as x > 0, |x| < 1, x > 1 or
    0 < x < 1 all receive points. ``seed`` (e.g. the expressions' text) makes
    the draw reproducible.
    """
    symbols = tuple(sorted(symbols, key=lambda s: s.name))
    digest = hashlib.sha256(str(seed).encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    low = np.array([-4.0, -1.0, 0.05, 1.0])
    high = np.array([-1.0, -0.05, 1.0, 4.0])
    values = {}
    for symbol in symbols:
        band = rng.permutation(np.arange(n) % 4)
        values[symbol] = rng.uniform(low[band], high[band])
    return Sample(symbols, values)


_MP_FUNCTIONS = {
    sympy.sin: mpmath.sin, sympy.cos: mpmath.cos, sympy.tan: mpmath.tan, sympy.cot: mpmath.cot,
    sympy.sec: mpmath.sec, sympy.csc: mpmath.csc, sympy.sinh: mpmath.sinh,
    sympy.cosh: mpmath.cosh, sympy.tanh: mpmath.tanh, sympy.coth: mpmath.coth,
    sympy.sech: mpmath.sech, sympy.csch: mpmath.csch, sympy.asin: mpmath.asin,
    sympy.acos: mpmath.acos, sympy.atan: mpmath.atan, sympy.asinh: mpmath.asinh,
    sympy.acosh: mpmath.acosh, sympy.atanh: mpmath.atanh, sympy.exp: mpmath.exp,
    sympy.log: mpmath.log,
    sympy.acot: lambda z: mpmath.atan(1 / z), sympy.asec: lambda z: mpmath.acos(1 / z),
    sympy.acsc: lambda z: mpmath.asin(1 / z), sympy.acoth: lambda z: mpmath.atanh(1 / z),
    sympy.asech: lambda z: mpmath.acosh(1 / z), sympy.acsch: lambda z: mpmath.asinh(1 / z),
    sympy.Abs: lambda z: mpmath.mpc(abs(z)), sympy.sign: lambda z: mpmath.mpc(mpmath.sign(z.real)),
}


def evaluate_at(expr: sympy.Expr, point: dict, digits: int = 30) -> complex | None:
    """Evaluate at one point with ``digits`` significant digits (mpmath), None if undefined.

    Values beyond 1e300 in magnitude count as undefined, so towers such as
    exp(exp(exp(x))) cannot make mpmath work on astronomically large numbers.
    """
    cache: dict = {}

    def walk(node):
        if node in cache:
            return cache[node]
        if node.is_Symbol:
            result = mpmath.mpc(point[node])
        elif node.is_Atom:
            real, imag = sympy.N(node, digits).as_real_imag()
            result = mpmath.mpc(mpmath.mpf(str(real)), mpmath.mpf(str(imag)))
        elif node.is_Add:
            result = mpmath.fsum(walk(arg) for arg in node.args)
        elif node.is_Mul:
            result = mpmath.fprod(walk(arg) for arg in node.args)
        elif node.is_Pow:
            result = mpmath.power(walk(node.args[0]), walk(node.args[1]))
        elif node.func in _MP_FUNCTIONS and len(node.args) == 1:
            result = _MP_FUNCTIONS[node.func](walk(node.args[0]))
        else:
            raise Unevaluable(f"cannot evaluate {node.func.__name__} numerically")
        if not mpmath.isfinite(result) or abs(result) > 1e300:
            raise ZeroDivisionError("value out of range")
        cache[node] = result
        return result

    try:
        with mpmath.workdps(digits):
            return complex(walk(expr))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError, KeyError):
        return None
