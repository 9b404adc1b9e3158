"""The small data sets the lectures draw, generated reproducibly, and the handwritten digits.

Every function returns ``(X, y)`` with ``X`` a float64 array of shape (n, d),
one row per sample. Classification sets have integer labels y ∈ {0, 1}
(int64, shape (n,)) in random order; regression sets have float64 targets of
shape (n,). ``rng`` is a seed (int), a ``numpy.random.Generator`` (which is
advanced), or None for the fixed seed 0: the same seed always gives the same
data. :func:`load_digits` reads a real data set shipped with the package
(``datasets/``, with its licence).
"""
from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import numpy as np

from coursekit import _validation as _check

__all__ = ["linearly_separable", "circles", "xor", "moons", "sin_points", "counting", "sigmoid_curve",
           "sigmoid_regression", "load_digits"]

#: The shipped data sets (licences and sources in its README.md).
DATASETS_DIR = Path(__file__).with_name("datasets")

#: The lecture's perceptron line w₀ + w₁x₁ + w₂x₂ = 0 with w₀ = 1, W = (3, −2).
_PERCEPTRON_BIAS, _PERCEPTRON_WEIGHTS = 1.0, np.array([3.0, -2.0])


def _arguments(n, spread, rng, spread_name: str = "noise") -> tuple[int, float, np.random.Generator]:
    """The checked (n, noise or margin, generator) every point-cloud generator starts from."""
    return _check.integer(n, "n", minimum=2), _check.non_negative(spread, spread_name), _check.generator(rng)


def _shuffled(X: np.ndarray, y: np.ndarray, generator: np.random.Generator):
    order = generator.permutation(len(X))
    return X[order], y[order]


def linearly_separable(n: int = 100, rng=None, margin: float = 0.1):
    r"""Two classes of 2-D points split by the lecture's perceptron line 1 + 3x₁ − 2x₂ = 0.

    Parameters
    ----------
    n : int, default 100
        Number of points (≥ 2).
    rng : int, numpy.random.Generator or None
        Seed or generator; None means seed 0.
    margin : float, default 0.1
        Every point is moved away from the line by this distance, leaving an
        empty band of width 2·margin between the classes.

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
        Points drawn uniformly from [−2, 2]², then moved by ``margin``.
    y : ndarray of int64, shape (n,)
        1 where w₀ + Wᵀx > 0 (w₀ = 1, W = (3, −2)), else 0.

    Raises
    ------
    TypeError
        If ``n`` is not an integer, ``margin`` not a real number, or
        ``rng`` not a seed or Generator.
    ValueError
        If ``n`` < 2, ``margin`` is negative or NaN.

    Notes
    -----
    The line is the lecture's 2-D perceptron example, so a perceptron with
    exactly those weights classifies every point correctly.

    Examples
    --------
    >>> X, y = linearly_separable(6, rng=0); X.shape, y.dtype.name
    ((6, 2), 'int64')
    """
    n, margin, generator = _arguments(n, margin, rng, spread_name="margin")
    X = generator.uniform(-2.0, 2.0, (n, 2))
    z = _PERCEPTRON_BIAS + X @ _PERCEPTRON_WEIGHTS
    side = np.where(z > 0, 1.0, -1.0)
    X += margin * side[:, None] * _PERCEPTRON_WEIGHTS / np.linalg.norm(_PERCEPTRON_WEIGHTS)
    return X, (side > 0).astype(np.int64)


def circles(n: int = 200, noise: float = 0.05, rng=None, factor: float = 0.5):
    r"""A ring of class 0 (radius 1) around a ring of class 1 (radius ``factor``).

    Parameters
    ----------
    n : int, default 200
        Number of points (≥ 2); ⌈n/2⌉ on the outer ring, ⌊n/2⌋ on the inner one.
    noise : float, default 0.05
        Standard deviation of Gaussian noise added to each coordinate.
    rng : int, numpy.random.Generator or None
    factor : float, default 0.5
        Inner radius, 0 < factor < 1.

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    y : ndarray of int64, shape (n,)
        0 for the outer ring, 1 for the inner.

    Raises
    ------
    TypeError
        If ``n`` is not an integer, ``noise`` not a real number (nor ``factor``), or
        ``rng`` not a seed or Generator.
    ValueError
        If ``n`` < 2, ``noise`` is negative or NaN, or ``factor`` is outside (0, 1).

    Notes
    -----
    No straight line separates the classes; a hidden layer learns a new
    feature (roughly the radius) that does, as in the lecture's two-layer
    network separating circles.

    Examples
    --------
    >>> X, y = circles(10, rng=0); int(y.sum())
    5
    """
    n, noise, generator = _arguments(n, noise, rng)
    if not 0 < _check.real_number(factor, "factor") < 1:
        raise ValueError(f"factor must lie strictly between 0 and 1, got {factor!r}")
    y = (np.arange(n) >= (n + 1) // 2).astype(np.int64)
    radius = np.where(y == 1, factor, 1.0)
    angle = generator.uniform(0.0, 2 * np.pi, n)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _shuffled(X + noise * generator.standard_normal((n, 2)), y, generator)


def xor(n: int = 200, noise: float = 0.05, rng=None):
    r"""The XOR pattern: class 1 in the quadrants where x₁ and x₂ have opposite signs.

    Parameters
    ----------
    n : int, default 200
        Number of points (≥ 2).
    noise : float, default 0.05
        Standard deviation of Gaussian noise added after labelling.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
        Coordinates ±U(0.1, 1) (kept 0.1 away from the axes before noise).
    y : ndarray of int64, shape (n,)
        [x₁ > 0] XOR [x₂ > 0] of the noise-free point.

    Raises
    ------
    TypeError
        If ``n`` is not an integer, ``noise`` not a real number, or
        ``rng`` not a seed or Generator.
    ValueError
        If ``n`` < 2, ``noise`` is negative or NaN.

    Notes
    -----
    The classic problem a single perceptron cannot solve: no line separates
    the two diagonals, but one hidden layer can.

    Examples
    --------
    >>> X, y = xor(4, noise=0.0, rng=1); bool(np.all(y == (X[:, 0] * X[:, 1] < 0)))
    True
    """
    n, noise, generator = _arguments(n, noise, rng)
    signs = generator.choice([-1.0, 1.0], size=(n, 2))
    X = signs * generator.uniform(0.1, 1.0, (n, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(np.int64)
    return X + noise * generator.standard_normal((n, 2)), y


def moons(n: int = 200, noise: float = 0.1, rng=None):
    r"""Two interleaving half circles ("moons").

    Parameters
    ----------
    n : int, default 200
        Number of points (≥ 2); ⌈n/2⌉ in the upper moon, ⌊n/2⌋ in the lower.
    noise : float, default 0.1
        Standard deviation of Gaussian noise added to each coordinate.
    rng : int, numpy.random.Generator or None

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
        Upper moon (cos t, sin t) and lower moon (1 − cos t, 1/2 − sin t),
        t ~ U(0, π), plus noise.
    y : ndarray of int64, shape (n,)
        0 for the upper moon, 1 for the lower.

    Raises
    ------
    TypeError
        If ``n`` is not an integer, ``noise`` not a real number, or
        ``rng`` not a seed or Generator.
    ValueError
        If ``n`` < 2, ``noise`` is negative or NaN.

    Notes
    -----
    Neither a line nor a single circle separates the two moons; the course
    uses them for the training benchmark (a 2 → 64 → 64 → 1 network). The
    same construction as scikit-learn's ``make_moons``.

    Examples
    --------
    >>> X, y = moons(8, noise=0.0, rng=0); X.shape
    (8, 2)
    """
    n, noise, generator = _arguments(n, noise, rng)
    y = (np.arange(n) >= (n + 1) // 2).astype(np.int64)
    t = generator.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(y[:, None] == 1, lower, upper)
    return _shuffled(X + noise * generator.standard_normal((n, 2)), y, generator)


def sin_points(noise: float = 0.1, rng=None):
    r"""The overfitting lecture's training set: x ∈ {0.2, 0.4, …, 1.6}, y = sin x + ε.

    Parameters
    ----------
    noise : float, default 0.1
        Standard deviation of ε ~ N(0, noise²).
    rng : int, numpy.random.Generator or None

    Returns
    -------
    X : ndarray of float64, shape (8, 1)
        The 8 inputs 0.2, 0.4, …, 1.6 in increasing order.
    y : ndarray of float64, shape (8,)
        sin x + ε.

    Raises
    ------
    TypeError
        If ``noise`` is not a real number or ``rng`` not a seed or Generator.
    ValueError
        If ``noise`` is negative or NaN.

    Notes
    -----
    With only 8 points, a polynomial a(x) = b + w₁x + … + w₈x⁸ can pass
    through every one of them: huge coefficients, zero training error and
    a wild curve in between (the lecture's (130.0, −525.8, …, 102.6)).

    Examples
    --------
    >>> X, y = sin_points(noise=0.0); X[:, 0].round(1).tolist()
    [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6]
    """
    noise, generator = _check.non_negative(noise, "noise"), _check.generator(rng)
    x = np.linspace(0.2, 1.6, 8)
    return x[:, None], np.sin(x) + noise * generator.standard_normal(8)


def counting(n: int = 50, rng=None, intercept: float = 10.0, slope: float = 4.0):
    r"""A counting problem for linear regression: ice creams sold per day against temperature.

    Parameters
    ----------
    n : int, default 50
        Number of days (≥ 1).
    rng : int, numpy.random.Generator or None
    intercept, slope : float, default 10 and 4
        The true line: the expected count at temperature T is
        intercept + slope·T (must stay ≥ 0 on 5…35 °C).

    Returns
    -------
    X : ndarray of float64, shape (n, 1)
        Temperatures T ~ U(5, 35) in °C.
    y : ndarray of float64, shape (n,)
        Counts drawn from a Poisson distribution with mean intercept + slope·T
        (whole numbers stored as floats, ready for MSE).

    Raises
    ------
    TypeError
        If ``n`` is not an integer, ``intercept`` or ``slope`` not a real
        number, or ``rng`` not a seed or Generator.
    ValueError
        If ``n`` < 1, or the mean count would be negative somewhere on 5…35 °C.

    Notes
    -----
    The lecture's example of a regression task with the MSE loss: fitting
    a(x) = b + w·T by least squares recovers roughly (intercept, slope).

    Examples
    --------
    >>> X, y = counting(5, rng=0); X.shape, y.shape
    ((5, 1), (5,))
    """
    n, generator = _check.integer(n, "n", minimum=1), _check.generator(rng)
    intercept, slope = _check.real_number(intercept, "intercept"), _check.real_number(slope, "slope")
    temperature = generator.uniform(5.0, 35.0, n)
    mean = intercept + slope * temperature
    if np.any(mean < 0):
        raise ValueError(
            f"intercept + slope·T must be ≥ 0 on 5…35 °C, got intercept={intercept}, slope={slope}"
        )
    return temperature[:, None], generator.poisson(mean).astype(np.float64)


def sigmoid_curve(x, target: int = 0, units: int = 3) -> np.ndarray:
    r"""The noise-free curve of :func:`sigmoid_regression`: F(x) = Σⱼ w₂ⱼ σ(w₁ⱼ x + b₁ⱼ) + b₂.

    Parameters
    ----------
    x : array_like of float
        Points, any shape.
    target : int, default 0
        Seed of the weights: one seed, one curve.
    units : int, default 3
        Number of sigmoid units (≥ 1).

    Returns
    -------
    ndarray of float64, the shape of ``x``
        F at every point.

    Raises
    ------
    TypeError
        If ``x`` is not real numbers, or ``target`` or ``units`` not an integer.
    ValueError
        If ``target`` is negative or ``units`` < 1.

    Notes
    -----
    Lecture 003's network F(x) = w₂·σ(w₁x + b₁) + b₂ with ``units`` hidden
    units side by side. The steepness |w₁ⱼ| lies in [1.5, 4], the steps sit at
    −b₁ⱼ/w₁ⱼ ∈ [−2, 2] and their heights |w₂ⱼ| in [1, 2.5], so every unit shows
    on [−3, 3] and a network of the same family can fit the curve.

    Examples
    --------
    >>> sigmoid_curve([0.0, 1.0], target=1).shape
    (2,)
    """
    x = _check.real_array(x, "x")
    units = _check.integer(units, "units", minimum=1)
    weights = np.random.default_rng([_check.integer(target, "target"), units])
    w1 = weights.choice([-1.0, 1.0], units) * weights.uniform(1.5, 4.0, units)
    b1 = -w1 * weights.uniform(-2.0, 2.0, units)
    w2 = weights.choice([-1.0, 1.0], units) * weights.uniform(1.0, 2.5, units)
    b2 = weights.uniform(-1.0, 1.0)
    return 1.0 / (1.0 + np.exp(-(x[..., None] * w1 + b1))) @ w2 + b2


def sigmoid_regression(n: int = 200, noise: float = 0.1, rng=None, target: int = 0, units: int = 3):
    r"""A regression task in the family F(x) = w₂·σ(w₁x + b₁) + b₂ of lecture 003, with several units.

    Parameters
    ----------
    n : int, default 200
        Number of points (≥ 2).
    noise : float, default 0.1
        Standard deviation of ε ~ N(0, noise²) added to the targets.
    rng : int, numpy.random.Generator or None
        Seed or generator of the inputs and the noise; None means seed 0.
    target : int, default 0
        Seed of the curve's weights (:func:`sigmoid_curve`): the same
        ``target`` is the same curve whatever ``rng`` draws.
    units : int, default 3
        Number of sigmoid units of the curve (≥ 1).

    Returns
    -------
    X : ndarray of float64, shape (n, 1)
        Inputs x ~ U(−3, 3).
    y : ndarray of float64, shape (n,)
        F(x) + ε.

    Raises
    ------
    TypeError, ValueError
        As :func:`circles` for ``n``, ``noise`` and ``rng``; as
        :func:`sigmoid_curve` for ``target`` and ``units``.

    Notes
    -----
    The grader of 08_mlp's capstone measures a fit against
    :func:`sigmoid_curve` of the same ``target``: the curve without noise.

    Examples
    --------
    >>> X, y = sigmoid_regression(5, rng=0); X.shape, y.shape
    ((5, 1), (5,))
    """
    n, noise, generator = _arguments(n, noise, rng)
    x = generator.uniform(-3.0, 3.0, n)
    return x[:, None], sigmoid_curve(x, target, units) + noise * generator.standard_normal(n)


@cache
def _digits() -> np.ndarray:
    with gzip.open(DATASETS_DIR / "digits.csv.gz", "rt") as stream:
        table = np.loadtxt(stream, delimiter=",", dtype=np.int64)
    table.setflags(write=False)
    return table


def load_digits():
    r"""The 8 × 8 handwritten digits: 1,797 images of the digits 0–9 (UCI, CC BY 4.0).

    Returns
    -------
    X : ndarray of float64, shape (1797, 64)
        One image per row, its 8 × 8 pixels row by row (``X[i].reshape(8, 8)``
        is the picture); each pixel counts the set bits of a 4 × 4 block of the
        original 32 × 32 bitmap, so 0 (blank) to 16 (full).
    y : ndarray of int64, shape (1797,)
        The digit each image shows, 0 to 9 (about 180 of each).

    Notes
    -----
    Read from ``coursekit/datasets/digits.csv.gz``, shipped with the package
    (nothing is downloaded), in the file's fixed order; every call returns
    fresh copies. The data are the test part of "Optical Recognition of
    Handwritten Digits" by E. Alpaydin and C. Kaynak (UCI Machine Learning
    Repository, 1998), licensed CC BY 4.0, as scikit-learn distributes them;
    ``coursekit/datasets/README.md`` gives the source and the licence.

    Examples
    --------
    >>> X, y = load_digits(); X.shape, X.dtype.name, y[:5].tolist()
    ((1797, 64), 'float64', [0, 1, 2, 3, 4])
    """
    table = _digits()
    return table[:, :64].astype(np.float64), table[:, 64].copy()
