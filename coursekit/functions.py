"""The objective functions f the course minimises, each with its value, gradient and sympy form.

Look one up by name with :func:`get`; :func:`names` lists them. Every
:class:`Objective` evaluates on one point or on a whole grid at once
(for contour plots), and hands its formula to sympy on request, so that the
hand-coded gradients can be checked symbolically. sympy is imported only by
:meth:`Objective.sympy`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from coursekit import _validation as _check

__all__ = ["Objective", "get", "names"]


@dataclass(frozen=True)
class Objective:
    r"""A function f: ℝᵈ → ℝ to minimise, with ∇f and what an explorer needs to show it.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"rosenbrock"``.
    label : str
        The formula in plain text, for titles and legends.
    variables : tuple of str
        Names of the d coordinates (``("beta",)``, ``("x", "y")``); also the
        sympy symbols' names.
    formula : callable
        f(x₁, …, x_d) written with arithmetic only, so that the same code
        evaluates NumPy arrays and builds sympy expressions.
    partials : callable
        (x₁, …, x_d) ↦ (∂f/∂x₁, …, ∂f/∂x_d), coded by hand.
    minima : tuple of tuples
        The local minimisers, the global one first.
    start : tuple of float
        A starting point that shows something instructive.
    default_lr : float
        A learning rate α that converges from ``start``.
    domain : tuple of (low, high)
        Plot box, one (low, high) pair per coordinate.

    Raises
    ------
    ValueError
        From :meth:`value` and :meth:`grad`, if a point does not have d
        coordinates on its last axis.
    TypeError
        From :meth:`value` and :meth:`grad`, if a point is not real-valued.

    Notes
    -----
    ``formula`` uses only +, −, ×, ÷ and powers, so ``formula(*sympy_symbols)``
    is the exact expression of f and :meth:`sympy` needs no second copy of
    it; the hand-coded ``partials`` are what gradient descent calls, and the
    tests compare them with sympy's derivatives of that expression.

    Examples
    --------
    >>> f = get("himmelblau"); f.dim, float(f.value(f.minimum)), f.grad(f.minimum).tolist()
    (2, 0.0, [0.0, 0.0])
    """

    name: str
    label: str
    variables: tuple[str, ...]
    formula: Callable = field(repr=False)
    partials: Callable = field(repr=False)
    minima: tuple[tuple[float, ...], ...]
    start: tuple[float, ...]
    default_lr: float
    domain: tuple[tuple[float, float], ...]

    @property
    def dim(self) -> int:
        """Number of coordinates d."""
        return len(self.variables)

    @property
    def minimum(self):
        """The global minimiser: a float for d = 1, an array of shape (d,) otherwise."""
        return self._point(self.minima[0])

    @property
    def default_start(self):
        """The starting point: a float for d = 1, an array of shape (d,) otherwise."""
        return self._point(self.start)

    def _point(self, coordinates: tuple[float, ...]):
        return float(coordinates[0]) if self.dim == 1 else np.array(coordinates, dtype=np.float64)

    def _components(self, x) -> list[np.ndarray]:
        x = _check.real_array(x, "x")
        if self.dim == 1:
            return [x]
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(
                f"x must have shape (..., {self.dim}) for the {self.dim}-D function {self.name!r}, got {x.shape}"
            )
        return [x[..., i] for i in range(self.dim)]

    def value(self, x):
        r"""f(x), for one point or a grid of points.

        Parameters
        ----------
        x : float or array_like
            For d = 1: a number or an array of any shape (evaluated
            elementwise). For d ≥ 2: shape (d,) or (..., d), e.g. a
            meshgrid stacked on the last axis.

        Returns
        -------
        numpy.float64 or ndarray
            Shape ``x.shape`` for d = 1, ``x.shape[:-1]`` for d ≥ 2.

        Raises
        ------
        ValueError
            If the last axis of ``x`` is not d (for d ≥ 2).

        Examples
        --------
        >>> float(get("quadratic").value(4.0))
        70.0
        """
        return self.formula(*self._components(x))

    __call__ = value

    def grad(self, x):
        r"""∇f(x), for one point or a grid of points.

        Parameters
        ----------
        x : float or array_like
            As for :meth:`value`.

        Returns
        -------
        numpy.float64 or ndarray
            Same shape as ``x``: for d ≥ 2 the last axis holds
            (∂f/∂x₁, …, ∂f/∂x_d).

        Examples
        --------
        >>> float(get("quadratic").grad(4.0))
        37.0
        """
        components = self._components(x)
        partials = self.partials(*components)
        if self.dim == 1:
            return partials[0]
        return np.stack(np.broadcast_arrays(*partials), axis=-1)

    def sympy(self):
        r"""f as a sympy expression with exact rational coefficients.

        Returns
        -------
        expr : sympy.Expr
        symbols : tuple of sympy.Symbol
            Real symbols named after :attr:`variables`, in order.

        Examples
        --------
        >>> get("quadratic").sympy()[0]
        5*beta**2 - 3*beta + 2
        """
        import sympy

        symbols = tuple(sympy.symbols(self.variables, real=True))
        expr = sympy.nsimplify(self.formula(*symbols), rational=True)
        return sympy.expand(expr) if self.dim == 1 else expr, symbols


# --------------------------------------------------------------------------- the course's objectives
_OBJECTIVES = {
    objective.name: objective
    for objective in (
        Objective(
            name="quadratic",
            label="5β² − 3β + 2",
            variables=("beta",),
            formula=lambda b: 5 * b**2 - 3 * b + 2,
            partials=lambda b: (10 * b - 3,),
            minima=((0.3,),),
            start=(4.0,),
            default_lr=0.01,
            domain=((-2.0, 5.0),),
        ),
        Objective(
            name="double_well",
            label="x⁴ − 4x² + x",
            variables=("x",),
            formula=lambda x: x**4 - 4 * x**2 + x,
            partials=lambda x: (4 * x**3 - 8 * x + 1,),
            # Roots of 4x³ − 8x + 1 with f″ > 0; from x = 2, gradient descent stops in the local one.
            minima=((-1.4729976011140301,), (1.346997408527774,)),
            start=(2.0,),
            default_lr=0.02,
            domain=((-2.5, 2.5),),
        ),
        Objective(
            name="bowl",
            label="x² + y²",
            variables=("x", "y"),
            formula=lambda x, y: x**2 + y**2,
            partials=lambda x, y: (2 * x, 2 * y),
            minima=((0.0, 0.0),),
            start=(-4.0, 3.0),
            default_lr=0.1,
            domain=((-5.0, 5.0), (-5.0, 5.0)),
        ),
        Objective(
            name="ill_conditioned",
            label="x²/2 + 10y²",
            variables=("x", "y"),
            formula=lambda x, y: x**2 / 2 + 10 * y**2,
            partials=lambda x, y: (x, 20 * y),
            # Curvatures 1 and 20: α = 0.09 zig-zags along y (1 − 20α = −0.8) and crawls along x.
            minima=((0.0, 0.0),),
            start=(-4.5, 1.5),
            default_lr=0.09,
            domain=((-5.0, 5.0), (-2.0, 2.0)),
        ),
        Objective(
            name="rosenbrock",
            label="(1 − x)² + 100(y − x²)²",
            variables=("x", "y"),
            formula=lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
            partials=lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
            minima=((1.0, 1.0),),
            start=(-1.2, 1.0),
            default_lr=0.001,
            domain=((-2.0, 2.0), (-1.0, 3.0)),
        ),
        Objective(
            name="himmelblau",
            label="(x² + y − 11)² + (x + y² − 7)²",
            variables=("x", "y"),
            formula=lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
            partials=lambda x, y: (
                4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
                2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7),
            ),
            # Four minima, all with f = 0.
            minima=(
                (3.0, 2.0),
                (-2.8051180869527449, 3.1313125182505730),
                (-3.7793102533777469, -3.2831859912861694),
                (3.5844283403304917, -1.8481265269644036),
            ),
            start=(0.0, 0.0),
            default_lr=0.01,
            domain=((-5.0, 5.0), (-5.0, 5.0)),
        ),
        Objective(
            name="beale",
            label="(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            variables=("x", "y"),
            formula=lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
            partials=lambda x, y: _beale_partials(x, y),
            minima=((3.0, 0.5),),
            start=(1.0, 1.0),
            default_lr=0.01,
            domain=((-4.5, 4.5), (-4.5, 4.5)),
        ),
    )
}


def _beale_partials(x, y):
    """∂f/∂x and ∂f/∂y of Beale's function, by the chain rule through its three squares."""
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    df_dx = 2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1)
    df_dy = 2 * a * x + 4 * b * x * y + 6 * c * x * y**2
    return df_dx, df_dy


def names() -> list[str]:
    """Names of the available objectives, 1-D ones first.

    Returns
    -------
    list of str
        Keys accepted by :func:`get`, in a fixed order.

    Notes
    -----
    The 1-D functions (f(β) = 5β² − 3β + 2 of Exercise 1, a double well)
    come first, then the 2-D ones for contour plots (a round bowl, an
    ill-conditioned quadratic, Rosenbrock, Himmelblau, Beale).

    Examples
    --------
    >>> names()[:2]
    ['quadratic', 'double_well']
    """
    return list(_OBJECTIVES)


def get(name: str) -> Objective:
    """The objective called ``name``.

    Parameters
    ----------
    name : str
        One of :func:`names`, e.g. ``"quadratic"`` or ``"rosenbrock"``.

    Returns
    -------
    Objective
        The shared, immutable objective (a frozen dataclass).

    Raises
    ------
    ValueError
        If there is no such objective (the message lists the known names).

    Notes
    -----
    Explorers, exercises and the grader look objectives up by name, so a
    notebook, its widget and its reference solution minimise the same f.

    Examples
    --------
    >>> get("rosenbrock").minimum.tolist()
    [1.0, 1.0]
    """
    try:
        return _OBJECTIVES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown function {name!r}; known: {', '.join(_OBJECTIVES)}") from None
