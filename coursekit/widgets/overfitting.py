"""Overfitting: polynomial degree and L1/L2 strength on the lecture's 8 sin points.

The model (:func:`overfitting`) fits polynomials a(x) = w₀ + w₁x + … + w_d x^d to
:func:`coursekit.data.sin_points` (least squares and ridge from :mod:`coursekit.linear`, lasso
along its exact path) and measures the mean squared error on the 8 training points and on fresh validation points
from the same process, for every degree, so the classic U-shaped validation curve appears.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from ._common import (
    check_choice,
    check_float,
    check_int,
    dropdown,
    float_slider,
    html_table,
    int_slider,
    log_slider,
    powers_of_ten,
)
from ._explorer import Explorer

__all__ = ["OverfittingState", "overfitting", "explore_overfitting", "OverfittingExplorer"]

MAX_DEGREE = 15
REGULARISERS = ("none", "L2", "L1")
VALIDATION_SIZE = 100
_CURVE = np.linspace(0.1, 1.7, 200)


@dataclass(frozen=True)
class OverfittingState:
    """What the overfitting explorer shows.

    Attributes
    ----------
    degree : int
        The chosen degree d.
    regulariser : str
        ``"none"``, ``"L2"`` or ``"L1"``; ``lam`` its strength λ.
    x, y : ndarray, shape (8,)
        Training points.
    x_val, y_val : ndarray, shape (100,)
        Validation points (same x range, same noise, another seed).
    weights : ndarray, shape (degree + 1,)
        Coefficients (w₀, …, w_d) of the chosen fit.
    curve : ndarray, shape (2, 200)
        x and a(x) of the chosen fit.
    train_error, val_error : ndarray, shape (16,)
        MSE on training and validation points for degrees 0 … 15 (same regulariser and λ).
    """

    degree: int
    regulariser: str
    lam: float
    noise: float
    seed: int
    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    weights: np.ndarray
    curve: np.ndarray
    train_error: np.ndarray
    val_error: np.ndarray

    @property
    def best_degree(self) -> int:
        """The degree with the smallest validation error."""
        return int(np.argmin(self.val_error))


def validation_points(noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh points of the sin_points process: x ~ U[0.2, 1.6], y = sin x + ε, ε ~ N(0, noise²)."""
    generator = np.random.default_rng([seed, 1])
    x = np.sort(generator.uniform(0.2, 1.6, VALIDATION_SIZE))
    return x, np.sin(x) + noise * generator.standard_normal(VALIDATION_SIZE)


LAM_MIN = 1e-8  # the λ slider's lower end: one lasso path per degree, noise and seed covers it


@lru_cache(maxsize=1024)
def _fit(degree: int, regulariser: str, lam: float, noise: float, seed: int) -> np.ndarray:
    """Coefficients of one fit (cached: a change of λ, noise or seed refits 16 degrees)."""
    from coursekit import linear

    from .._lasso_path import lasso_homotopy

    features, y = _design(degree, noise, seed)
    if regulariser == "L2" and lam > 0:
        weights = linear.ridge(features, y, lam)
    elif regulariser == "L1" and lam >= LAM_MIN:
        weights = _lasso_path(degree, noise, seed).weights(lam)
    elif regulariser == "L1" and lam > 0:
        weights = lasso_homotopy(features, y, lam)
    else:
        weights = linear.fit_exact(features, y)
    weights = np.asarray(weights, dtype=np.float64)
    weights.setflags(write=False)
    return weights


def _design(degree: int, noise: float, seed: int):
    """Polynomial features of the training points, and their targets."""
    from coursekit import data, linear

    X, y = data.sin_points(noise=noise, rng=seed)
    return linear.polynomial_features(X[:, 0], degree), y


@lru_cache(maxsize=256)
def _lasso_path(degree: int, noise: float, seed: int):
    """The whole lasso path down to :data:`LAM_MIN`: moving the λ slider is then a lookup."""
    from .._lasso_path import lasso_path

    return lasso_path(*_design(degree, noise, seed), LAM_MIN)


def _predict(weights, x) -> np.ndarray:
    from coursekit.linear import polynomial_features

    return polynomial_features(x, len(weights) - 1) @ weights


def overfitting(degree: int = 4, regulariser: str = "none", lam: float = 1e-3,
                noise: float = 0.1, seed: int = 0) -> OverfittingState:
    """Fit polynomials of every degree to the sin points and compare train and validation error.

    Parameters
    ----------
    degree : int
        The degree d to show, 0 … 15.
    regulariser : {"none", "L2", "L1"}
        Penalty added to the mean squared error: λ‖w‖₂² (ridge) or λ‖w‖₁ (lasso).
    lam : float
        Strength λ ≥ 0.
    noise : float
        Standard deviation of ε in y = sin x + ε.
    seed : int
        Seed of the training noise (the validation points use another stream of it).

    Returns
    -------
    OverfittingState

    Raises
    ------
    ValueError
        Degree outside 0 … 15, unknown regulariser, negative λ or noise.

    Notes
    -----
    With 8 points, degree 7 interpolates them: zero training error, huge coefficients and a
    validation error far above that of a low degree. L2 shrinks every coefficient; L1 sets
    some to exactly 0.

    Examples
    --------
    >>> state = overfitting(degree=7)
    >>> bool(state.train_error[7] < 1e-12 < state.val_error[7])
    True
    """
    from coursekit import data

    degree = check_int("degree", degree, minimum=0, maximum=MAX_DEGREE)
    regulariser = check_choice("regulariser", regulariser, REGULARISERS)
    lam = check_float("lam", lam, minimum=0.0)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_int("seed", seed, minimum=0)
    X, y = data.sin_points(noise=noise, rng=seed)
    x = X[:, 0]
    x_val, y_val = validation_points(noise, seed)
    fits = [_fit(d, regulariser, lam, noise, seed) for d in range(MAX_DEGREE + 1)]
    train = np.array([np.mean((_predict(w, x) - y) ** 2) for w in fits])
    val = np.array([np.mean((_predict(w, x_val) - y_val) ** 2) for w in fits])
    weights = fits[degree]
    return OverfittingState(degree=degree, regulariser=regulariser, lam=lam, noise=noise,
                            seed=seed, x=x, y=y, x_val=x_val, y_val=y_val, weights=weights,
                            curve=np.vstack([_CURVE, _predict(weights, _CURVE)]),
                            train_error=train, val_error=val)


class OverfittingExplorer(Explorer):
    """The overfitting explorer; build it with :func:`explore_overfitting`."""

    def __init__(self, degree=4, regulariser="none", lam=1e-3, noise=0.1, seed=0):
        first = overfitting(degree, regulariser, lam, noise, seed)
        controls = {
            "degree": int_slider("degree d", first.degree, 0, MAX_DEGREE),
            "regulariser": dropdown("regulariser", list(REGULARISERS), first.regulariser),
            "lam": log_slider("strength λ", max(first.lam, 1e-8), 1e-8, 1.0, mantissas=(1, 2, 5)),
            "noise": float_slider("noise σ", first.noise, 0.0, 0.5, 0.01),
            "seed": int_slider("seed", first.seed, 0, 50),
        }
        self._table = widgets.HTML()
        super().__init__(controls, figsize=(10.0, 3.8))

    def compute(self, **values) -> OverfittingState:
        return overfitting(**values)

    def build_view(self):
        self.fit_ax, self.err_ax = self.figure.subplots(1, 2)
        self.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
        ax = self.fit_ax
        (self.truth,) = ax.plot(_CURVE, np.sin(_CURVE), color="0.6", ls=":", label="sin x")
        (self.val_points,) = ax.plot([], [], ".", color="#a6cee3", ms=4, label="validation")
        (self.points,) = ax.plot([], [], "o", color="#1f78b4", ms=6, label="training")
        (self.fit_line,) = ax.plot([], [], color="#e31a1c", lw=2, label="fit a(x)")
        ax.set_xlim(_CURVE[0], _CURVE[-1])
        ax.set_ylim(-0.2, 1.6)
        ax.set_xlabel("x")
        ax.legend(fontsize=8, loc="upper left")
        degrees = np.arange(MAX_DEGREE + 1)
        (self.train_line,) = self.err_ax.plot(degrees, np.ones_like(degrees, float), "o-",
                                              color="#1f78b4", ms=3, label="training MSE")
        (self.val_line,) = self.err_ax.plot(degrees, np.ones_like(degrees, float), "o-",
                                            color="#ff7f00", ms=3, label="validation MSE")
        self.chosen = self.err_ax.axvline(0, color="#e31a1c", lw=1)
        self.err_ax.set_yscale("log")
        powers_of_ten(self.err_ax.yaxis)
        self.err_ax.set_ylim(1e-5, 10.0)
        self.err_ax.set_xlabel("degree d")
        self.err_ax.grid(True, alpha=0.3)
        self.err_ax.legend(fontsize=8, loc="upper left")
        self.animate(self.val_points, self.points, self.fit_line, self.train_line, self.val_line,
                     self.chosen, self.fit_ax.title, self.err_ax.title)

    def draw(self, state: OverfittingState):
        self.points.set_data(state.x, state.y)
        self.val_points.set_data(state.x_val, state.y_val)
        self.fit_line.set_data(state.curve)
        # Exact zeros (interpolation) cannot sit on a log axis: show them at its floor.
        floor = self.err_ax.get_ylim()[0]
        self.train_line.set_ydata(np.maximum(state.train_error, floor))
        self.val_line.set_ydata(np.maximum(state.val_error, floor))
        self.chosen.set_xdata([state.degree, state.degree])
        penalty = "" if state.regulariser == "none" else f", {state.regulariser} λ = {state.lam:.2g}"
        self.fit_ax.set_title(f"degree {state.degree}{penalty}", fontsize=9)
        self.err_ax.set_title(f"best validation error at degree {state.best_degree}", fontsize=9)
        d = state.degree
        self._table.value = html_table(
            ["degree", "training MSE", "validation MSE", "max |wᵢ|", "weights = 0"],
            [(d, state.train_error[d], state.val_error[d], float(np.max(np.abs(state.weights))),
              int(np.sum(state.weights == 0)))])

    def layout(self):
        return widgets.VBox([self.controls_box(columns=3), self._image, self._table,
                             self._status])


def explore_overfitting(degree: int = 4, regulariser: str = "none", lam: float = 1e-3,
                        noise: float = 0.1, seed: int = 0) -> OverfittingExplorer:
    """Explore overfitting: polynomial degree and L1/L2 strength on the lecture's sin points.

    Parameters
    ----------
    degree : int
        Initial degree (0 … 15).
    regulariser : {"none", "L2", "L1"}
        Initial penalty.
    lam : float
        Initial strength λ.
    noise, seed
        Noise level and seed of the data.

    Returns
    -------
    OverfittingExplorer
        ``.controls``: ``degree``, ``regulariser``, ``lam``, ``noise``, ``seed``; ``.state``:
        an :class:`OverfittingState` (fit, training and validation errors per degree).

    Raises
    ------
    ValueError
        For a degree outside 0 … 15, an unknown regulariser, or negative λ or noise.

    Notes
    -----
    L1 fits are exact: the explorer keeps the whole lasso path (the homotopy method behind
    :func:`coursekit.linear.lasso`) per degree, noise and seed, so a new λ is a lookup. The
    nearly collinear powers x⁰ … x¹⁵ would need many thousands of proximal-gradient steps to
    reach the same optimum.

    Examples
    --------
    >>> explorer = explore_overfitting()
    >>> explorer.controls["degree"].value = 7
    >>> float(explorer.state.train_error[7]) < 1e-12
    True
    """
    return OverfittingExplorer(degree, regulariser, lam, noise, seed)
